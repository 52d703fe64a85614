// Play, pause, step, back, seek and speed over a trace, with one
// requestAnimationFrame loop. Each loop holds a token; starting a new trace or
// pausing changes the token, so a stale loop stops itself.

import { DEFAULT_SPEED, SPEEDS } from "./config.js";

export class Player {
  constructor({ onChange }) {
    this.onChange = onChange; // (player, reason) => void, reason in "step" | "play" | "pause" | "load"
    this.step = 0;
    this.total = 0;
    this.available = 0; // steps loaded so far: the player never runs ahead of the stream
    this.playing = false;
    this.speed = DEFAULT_SPEED;
    this.token = 0;
    this.last = 0;
    this.carry = 0;
    this.pending = null; // a seek past the loaded steps, applied when they arrive
  }

  reset(total, step = 0) {
    this.token += 1;
    this.playing = false;
    this.total = total;
    this.available = 0;
    this.pending = null;
    this.step = Math.max(0, Math.min(step, Math.max(0, total - 1)));
  }

  setAvailable(n) {
    this.available = n;
    if (this.pending !== null && this.pending < n) {
      const target = this.pending;
      this.pending = null;
      this.seek(target);
    }
  }

  play() {
    if (this.playing || this.total === 0) return;
    if (this.step >= this.total - 1) this.step = 0; // play from the start again at the end
    this.playing = true;
    this.token += 1;
    const token = this.token;
    this.last = performance.now();
    this.carry = 0;
    const tick = (now) => {
      if (token !== this.token || !this.playing) return;
      this.advance(now);
      if (this.playing) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    this.onChange(this, "play");
  }

  advance(now) {
    this.carry += ((now - this.last) / 1000) * this.speed;
    this.last = now;
    const whole = Math.floor(this.carry);
    if (whole < 1) return;
    this.carry -= whole;
    const limit = Math.min(this.total, Math.max(this.available, 1)) - 1;
    const next = Math.min(this.step + whole, limit);
    if (next !== this.step) {
      this.step = next;
      this.onChange(this, "step");
    }
    if (this.step >= this.total - 1) this.pause();
  }

  pause() {
    if (!this.playing) return;
    this.playing = false;
    this.token += 1;
    this.onChange(this, "pause");
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  seek(n) {
    const wanted = Math.max(0, Math.min(Math.round(Number(n)) || 0, this.total - 1));
    const limit = Math.max(0, Math.min(this.total, Math.max(this.available, 1)) - 1);
    this.pending = wanted > limit ? wanted : null;
    const next = Math.min(wanted, limit);
    if (next !== this.step) {
      this.step = next;
      this.onChange(this, "step");
    }
  }

  forward(n = 1) {
    this.pause();
    this.seek(this.step + n);
  }

  back(n = 1) {
    this.pause();
    this.seek(this.step - n);
  }

  setSpeed(speed) {
    this.speed = speed;
    this.onChange(this, "speed");
  }

  faster() {
    const i = SPEEDS.findIndex((s) => s >= this.speed);
    this.setSpeed(
      SPEEDS[Math.min(SPEEDS.length - 1, (i < 0 ? SPEEDS.length - 1 : i) + (SPEEDS[i] === this.speed ? 1 : 0))],
    );
  }

  slower() {
    let i = SPEEDS.length - 1;
    while (i > 0 && SPEEDS[i] >= this.speed) i -= 1;
    this.setSpeed(SPEEDS[i]);
  }
}
