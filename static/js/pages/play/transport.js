// The playback bar: buttons, scrubber, speed, and the step counter.

import { SPEEDS } from "../../core/config.js";

export class Transport {
  constructor(root, player) {
    this.player = player;
    this.play = root.querySelector("#btn-play");
    this.scrub = root.querySelector("#scrub");
    this.label = root.querySelector("#step-label");
    this.speed = root.querySelector("#speed");
    for (const s of SPEEDS) {
      const option = document.createElement("option");
      option.value = String(s);
      option.textContent = `${s}/s`;
      this.speed.append(option);
    }
    root.querySelector("#btn-start").addEventListener("click", () => {
      player.pause();
      player.seek(0);
    });
    root.querySelector("#btn-back").addEventListener("click", () => player.back());
    root.querySelector("#btn-forward").addEventListener("click", () => player.forward());
    root.querySelector("#btn-end").addEventListener("click", () => {
      player.pause();
      player.seek(player.total - 1);
    });
    this.play.addEventListener("click", () => player.toggle());
    this.scrub.addEventListener("input", () => {
      player.pause();
      player.seek(Number(this.scrub.value));
    });
    this.speed.addEventListener("change", () => player.setSpeed(Number(this.speed.value)));
  }

  update() {
    const p = this.player;
    this.scrub.max = String(Math.max(0, p.total - 1));
    this.scrub.value = String(p.step);
    this.scrub.setAttribute("aria-valuetext", `step ${p.step + 1} of ${p.total}`);
    this.label.textContent = p.total ? `step ${p.step + 1} / ${p.total}` : "";
    this.play.textContent = p.playing ? "⏸ Pause" : "▶ Play";
    this.play.setAttribute("aria-label", p.playing ? "Pause (Space)" : "Play (Space)");
    this.play.setAttribute("aria-pressed", String(p.playing));
    this.speed.value = String(p.speed);
  }
}
