// "Copy embed code" on the player page: the <iframe> that shows /embed/{op} in the state
// on screen (parameters, step, speed) with the options ticked in the card.

import { readQuery } from "../core/state.js";
import { copyButton } from "../widgets/copy.js";

const ESCAPES = { "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;" };
const MIN_HEIGHT = 200;
const MAX_HEIGHT = 2000;
const FOOTER = 44; // px: the widget's ConvScope link line and its padding
const NOMINAL_WIDTH = 780; // px: the widget's canvases in an iframe about 800 px wide
const PANEL_GAP = 14; // px: between rows of panels, and around them
const ARITH_HEADING = 24; // px: the "This step" line above the arithmetic

/** Text safe inside a double-quoted HTML attribute. */
export function attr(text) {
  return String(text).replace(/[&"<>]/g, (c) => ESCAPES[c]);
}

/** The /embed/ address for `op` with the player's parameters, its state and the embed options. */
export function embedUrl(origin, op, ...parts) {
  const query = new URLSearchParams(Object.assign({}, ...parts)).toString();
  return `${origin}/embed/${op}${query ? `?${query}` : ""}`;
}

export function iframeSnippet(src, height, title) {
  return (
    `<iframe src="${attr(src)}" width="100%" height="${height}" style="border:0" title="${attr(`ConvScope: ${title}`)}"` +
    ` loading="lazy" allow="fullscreen"></iframe>`
  );
}

/** Wire the card: options, the read-only textarea, and the button that fills and copies it. */
export function embedCodeCard(root, api) {
  const $ = (id) => document.getElementById(id);
  const button = $("btn-embed");
  const code = $("embed-code");
  const status = $("embed-copied");
  const box = (selector) => root.querySelector(selector)?.getBoundingClientRect().height ?? 0;

  // Each row of panels at the widget's width: grids shrink with the width, captions and the
  // ReLU curve (a fixed size) do not.
  const viewsHeight = () => {
    const views = root.querySelector(".views");
    const width = views.getBoundingClientRect().width;
    const scale = width > NOMINAL_WIDTH ? NOMINAL_WIDTH / width : 1;
    const rows = new Map();
    for (const panel of views.querySelectorAll(".panel:not([hidden])")) {
      const outer = panel.getBoundingClientRect();
      const canvas = panel.querySelector("canvas").getBoundingClientRect().height;
      const h = outer.height - (panel.classList.contains("panel-curve") ? 0 : canvas * (1 - scale));
      const top = Math.round(outer.top);
      rows.set(top, Math.max(rows.get(top) ?? 0, h));
    }
    return [...rows.values()].reduce((sum, h) => sum + h, 0) + PANEL_GAP * rows.size;
  };

  const options = () => {
    const chosen = {};
    if ($("embed-nocontrols").checked) chosen.controls = "0";
    if ($("embed-params").checked) chosen.params = "1";
    if ($("embed-autoplay").checked) chosen.autoplay = "1";
    if ($("embed-loop").checked) chosen.loop = "1";
    if ($("embed-theme").value !== "light") chosen.theme = $("embed-theme").value;
    return chosen;
  };

  // The widget's height in an iframe about 800 px wide: the canvases scaled from this page's
  // width, then what the options keep. A first guess: the widget announces its real height
  // (convscope:height), so a host that listens fits it exactly.
  const height = (chosen) => {
    let px = viewsHeight() + box("#arith") + ARITH_HEADING + FOOTER;
    if (chosen.controls !== "0") px += box(".transport");
    if (chosen.params === "1") px += box("#params");
    return Math.ceil(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, px)) / 10) * 10;
  };

  const build = () => {
    const state = {};
    if (api.step > 0) state.step = String(api.step);
    const speed = readQuery().get("speed");
    if (speed) state.speed = speed;
    const chosen = options();
    const src = embedUrl(window.location.origin, root.dataset.op, api.params, state, chosen);
    return iframeSnippet(src, height(chosen), root.dataset.title);
  };

  // Registered before copyButton's own listener, so the text is fresh when it copies.
  button.addEventListener("click", () => {
    code.textContent = build();
    code.hidden = false;
  });
  copyButton(button, code, status);
  code.addEventListener("focus", () => code.select());
  root.querySelector(".embed-options").addEventListener("change", () => {
    status.textContent = "";
    if (!code.hidden) code.textContent = build();
  });
}
