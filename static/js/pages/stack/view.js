// What the stack builder shows for the engine's answer: shapes written like the article
// (H x W x C) and like PyTorch (C, H, W), receptive fields, size verdicts, links to the
// players, and the strip of volumes. Every number and link here is one the engine sent.

import { PALETTE } from "../../core/config.js";
import { el, replace } from "../../widgets/dom.js";

// The strip of volumes: box sides in px for the largest side on screen, the smallest box, depth layers.
const STRIP = {
  maxSide: 70,
  minSide: 6,
  maxDepth: 10,
  depthStep: 2,
  sheet: [PALETTE.stack.sheet, PALETTE.stack.sheetBehind],
};

/** (6, 28, 28) -> "28 x 28 x 6", as the article writes it; (400,) -> "400 features". */
export function shapeHWC(shape) {
  return shape.length === 3 ? `${shape[1]} x ${shape[2]} x ${shape[0]}` : `${shape[0]} features`;
}

/** (6, 28, 28) -> "(6, 28, 28)", as PyTorch prints it (batch left out). */
export function shapeCHW(shape) {
  return shape.length === 3 ? `(${shape.join(", ")})` : `(${shape[0]},)`;
}

function axes(h, w) {
  if (h === null || w === null) return null;
  return `${h} x ${w}`;
}

/** Receptive field and jump in words: "5 x 5", "whole input", or why there is none. */
export function fieldWords(rf) {
  if (rf.whole_input) return { size: "whole input", jump: "none" };
  return {
    size: axes(rf.height.size, rf.width.size) ?? "—",
    jump: axes(rf.height.jump, rf.width.jump) ?? "none: flat",
  };
}

/** The engine's verdict on each output size that did not come out an integer. */
export function verdicts(layer) {
  if (!layer.axes) return [];
  const h = layer.axes.height.formula;
  const w = layer.axes.width.formula;
  if (!h.exact && !w.exact && h.substituted === w.substituted && h.verdict === w.verdict) {
    return [`Height and width: ${h.substituted} = ${h.verdict}`];
  }
  const out = [];
  if (!h.exact) out.push(`Height: ${h.substituted} = ${h.verdict}`);
  if (!w.exact) out.push(`Width: ${w.substituted} = ${w.verdict}`);
  return out;
}

/**
 * The link to this layer's player, as POST /api/stack/run gave it (`run`): with the numbers
 * the layer received, or else with a seeded input of its shape; or why there is none.
 */
function playerAnchor(run) {
  if (!run) return null; // the stack was not run (it broke at its first layer)
  if (run.player) {
    return el(
      "a",
      { class: "player-link", href: run.player, title: "with the numbers this layer received from a seeded input" },
      "Open in player",
    );
  }
  if (run.player_seeded) {
    return el(
      "a",
      { class: "player-link", href: run.player_seeded, title: "with a seeded input of this layer's shape" },
      "Open in player (new input)",
    );
  }
  return el(
    "span",
    { class: "no-player", title: run.note },
    "No player",
    el("span", { class: "visually-hidden" }, `: ${run.note}`),
  );
}

/** The result part of one card: output shape, parameters, receptive field, jump, verdicts, player link. */
export function renderResult(container, layer, { isInput = false } = {}) {
  const rf = fieldWords(layer.receptive_field);
  const shape = layer.output_shape;
  const fact = (name, cls, ...value) => el("div", { class: `fact ${cls}` }, el("dt", {}, name), el("dd", {}, ...value));
  const facts = el(
    "dl",
    { class: "facts" },
    fact(
      "Output",
      "out",
      el("strong", { class: "hwc" }, shapeHWC(shape)),
      " ",
      el("span", { class: "chw" }, shapeCHW(shape)),
    ),
    fact("Parameters", "count", isInput ? "—" : layer.param_count.toLocaleString("en-US")),
    fact("Receptive field", "rf", rf.size),
    fact("Jump", "jump", rf.jump),
  );
  const notes = verdicts(layer).map((text) =>
    el("p", { class: "verdict" }, el("span", { class: "mark", "aria-hidden": "true" }, "≈ "), text),
  );
  const link = isInput ? null : playerAnchor(layer.run);
  replace(container, isInput ? null : el("code", { class: "layer-code" }, layer.code), facts, notes, link);
}

/** The result part of a card the engine did not reach. */
export function renderNotComputed(container, why) {
  replace(container, el("p", { class: "not-computed" }, why));
}

/** The strip of volumes: a box per shape, scaled by its size, with its label. */
export function renderStrip(container, volumes, failed) {
  const sides = volumes.filter((v) => v.shape.length === 3).flatMap((v) => [v.shape[1], v.shape[2]]);
  const maxSide = Math.max(1, ...sides);
  const items = volumes.map((v, i) => {
    const box = el("span", { class: "vol", "aria-hidden": "true" });
    if (v.shape.length === 3) {
      const [c, h, w] = v.shape;
      const side = (n) => `${Math.round(STRIP.minSide + STRIP.maxSide * Math.sqrt(n / maxSide))}px`;
      box.style.height = side(h);
      box.style.width = side(w);
      // more channels, more sheets behind the front one (log scale)
      const depth = Math.min(STRIP.maxDepth, Math.round(Math.log2(c + 1) * 1.6));
      const sheet = (k) => `${(k + 1) * STRIP.depthStep}px ${-(k + 1) * STRIP.depthStep}px 0 ${STRIP.sheet[k % 2]}`;
      box.style.boxShadow = Array.from({ length: depth }, (_, k) => sheet(k)).join(", ");
      box.style.marginRight = `${depth * STRIP.depthStep}px`;
      box.style.marginTop = `${depth * STRIP.depthStep}px`;
    } else {
      box.classList.add("flat");
      box.style.height = `${Math.round(10 + 8 * Math.log10(v.shape[0] + 1))}px`;
    }
    return el(
      "li",
      { class: "vol-item" },
      box,
      el("span", { class: "vol-label" }, shapeHWC(v.shape)),
      el("span", { class: "vol-name" }, i === 0 ? "input" : `layer ${i - 1}`),
    );
  });
  if (failed !== null) {
    items.push(
      el(
        "li",
        { class: "vol-item failed" },
        el("span", { class: "vol broken", "aria-hidden": "true" }, "✖"),
        el("span", { class: "vol-label" }, "breaks"),
        el("span", { class: "vol-name" }, `layer ${failed}`),
      ),
    );
  }
  replace(container, items);
}
