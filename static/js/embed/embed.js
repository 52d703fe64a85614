// The embed widget (/embed/{op}): the player module, then the embed options (autoplay,
// loop), the link back to the full player, and the postMessage bridge to the host page.

import "../pages/play/play.js";
import { readQuery } from "../core/state.js";
import { startBridge } from "./bridge.js";

const LOOP_PAUSE_MS = 900; // the last step stays on screen this long before a loop starts again

const api = window.convscope;
const main = document.getElementById("embed");
const root = document.getElementById("player");
const op = root.dataset.op;
const keep = new Set((root.dataset.keep || "").split(" "));
const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

// autoplay=1: play once the first trace is ready (not for people who asked for less motion).
let autoplay = main.dataset.autoplay === "true" && !still;
api.on("ready", () => {
  if (!autoplay) return;
  autoplay = false;
  api.play();
});

// loop=1: after the last step, start again from the first, unless someone moved meanwhile.
let loopTimer = 0;
if (main.dataset.loop === "true") {
  api.on("end", () => {
    clearTimeout(loopTimer);
    loopTimer = setTimeout(() => {
      if (api.total > 0 && api.step === api.total - 1) api.play();
    }, LOOP_PAUSE_MS);
  });
  for (const type of ["params", "error"]) api.on(type, () => clearTimeout(loopTimer));
}

// The ConvScope link opens the full player in the widget's current state (options left out).
const brand = document.getElementById("embed-brand");
const freshLink = () => {
  const query = new URLSearchParams([...readQuery()].filter(([name]) => !keep.has(name)));
  const text = query.toString();
  brand.href = `/play/${op}${text ? `?${text}` : ""}`;
};
for (const type of ["pointerenter", "focus", "click"]) brand.addEventListener(type, freshLink);

startBridge(api, { op, measured: main });
