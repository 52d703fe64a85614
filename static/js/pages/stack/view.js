// What the stack builder shows for the engine's answer: shapes written like the article
// (H x W x C) and like PyTorch (C, H, W), receptive fields, size verdicts, links to the
// players, and the strip of volumes. Every number here is one the engine sent.

import { el, replace } from "../../widgets/dom.js";
import { LAYER_TYPES } from "./layers.js";

// The players (/play/{op}) animate one layer on a generated input of the layer's incoming shape.
export const PLAYER_MAX_SIDE = 64; // beyond 64 x 64 an animation is too many steps to follow
export const PLAYER_MAX_CHANNELS = 64; // settings.max_channels and max_filters: the GET trace caps
// The strip of volumes: box sides in px for the largest side on screen, the smallest box, depth layers.
const STRIP = { maxSide: 70, minSide: 6, maxDepth: 10, depthStep: 2, sheet: ["#fff", "#8fa9c8"] };
const LINK_PARAMS = {
  conv2d: ["out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "padding_mode", "bias"],
  max_pool2d: ["kernel_size", "stride", "padding", "dilation", "ceil_mode"],
  avg_pool2d: ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"],
  lp_pool2d: ["norm_type", "kernel_size", "stride", "ceil_mode"],
  relu: [],
  dropout: ["p"],
};
// PyTorch's defaults, left out of a link (the player has the same ones). A pool's stride defaults to its kernel.
const DEFAULTS = {
  stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, padding_mode: "zeros", bias: true,
  ceil_mode: false, count_include_pad: true, divisor_override: null,
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

function getText(value) {
  if (Array.isArray(value)) return value[0] === value[1] ? String(value[0]) : `${value[0]},${value[1]}`;
  return String(value);
}

/** { href } of this layer's player, or { short, reason } saying why there is none. */
export function playerLink(layer) {
  const title = LAYER_TYPES[layer.type]?.title ?? layer.type;
  const names = LINK_PARAMS[layer.type];
  if (!names) return { short: "No player", reason: `ConvScope has no player for nn.${title}.` };
  const shape = layer.input_shape;
  if (shape.length !== 3) {
    return { short: "No player: flat input", reason: "After Flatten the values are a flat vector; the players take a (C, H, W) input." };
  }
  const [c, h, w] = shape;
  if (h > PLAYER_MAX_SIDE || w > PLAYER_MAX_SIDE) {
    const reason = `The players animate inputs up to ${PLAYER_MAX_SIDE} x ${PLAYER_MAX_SIDE}; this layer receives ${h} x ${w}.`;
    return { short: `No player: over ${PLAYER_MAX_SIDE} x ${PLAYER_MAX_SIDE}`, reason };
  }
  if (c > PLAYER_MAX_CHANNELS) {
    const reason = `The players take at most ${PLAYER_MAX_CHANNELS} channels; this layer receives ${c}.`;
    return { short: `No player: over ${PLAYER_MAX_CHANNELS} channels`, reason };
  }
  if (layer.type === "conv2d" && layer.params.out_channels > PLAYER_MAX_CHANNELS) {
    const reason = `The player shows at most ${PLAYER_MAX_CHANNELS} filters; this layer has ${layer.params.out_channels}.`;
    return { short: `No player: over ${PLAYER_MAX_CHANNELS} filters`, reason };
  }
  const query = [`in_channels=${c}`, `height=${h}`, `width=${w}`];
  for (const name of names) {
    const value = layer.params[name];
    const fallback = name === "stride" && layer.type !== "conv2d" ? layer.params.kernel_size : DEFAULTS[name];
    if (value === null || value === undefined) continue;
    if (name in DEFAULTS && JSON.stringify(value) === JSON.stringify(fallback)) continue;
    query.push(`${name}=${encodeURIComponent(getText(value)).replace(/%2C/g, ",")}`);
  }
  return { href: `/play/${layer.type}?${query.join("&")}` };
}

/** The result part of one card: output shape, parameters, receptive field, jump, verdicts, player link. */
export function renderResult(container, layer, { isInput = false } = {}) {
  const rf = fieldWords(layer.receptive_field);
  const shape = layer.output_shape;
  const fact = (name, cls, ...value) => el("div", { class: `fact ${cls}` }, el("dt", {}, name), el("dd", {}, ...value));
  const facts = el(
    "dl",
    { class: "facts" },
    fact("Output", "out", el("strong", { class: "hwc" }, shapeHWC(shape)), " ", el("span", { class: "chw" }, shapeCHW(shape))),
    fact("Parameters", "count", isInput ? "—" : layer.param_count.toLocaleString("en-US")),
    fact("Receptive field", "rf", rf.size),
    fact("Jump", "jump", rf.jump),
  );
  const notes = verdicts(layer).map((text) => el("p", { class: "verdict" }, el("span", { class: "mark", "aria-hidden": "true" }, "≈ "), text));
  let link = null;
  if (!isInput) {
    const target = layer.run?.player ? { href: layer.run.player, real: true } : playerLink(layer);
    const label = target.real ? "Open in player" : "Open in player (new input)";
    link = target.href
      ? el("a", { class: "player-link", href: target.href, title: target.real ? "with the numbers this layer received from a seeded input" : "with a seeded input of this layer's shape" }, label)
      : el("span", { class: "no-player", title: target.reason }, target.short, el("span", { class: "visually-hidden" }, `: ${target.reason}`));
  }
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
    return el("li", { class: "vol-item" }, box, el("span", { class: "vol-label" }, shapeHWC(v.shape)), el("span", { class: "vol-name" }, i === 0 ? "input" : `layer ${i - 1}`));
  });
  if (failed !== null) {
    items.push(el("li", { class: "vol-item failed" }, el("span", { class: "vol broken", "aria-hidden": "true" }, "✖"), el("span", { class: "vol-label" }, "breaks"), el("span", { class: "vol-name" }, `layer ${failed}`)));
  }
  replace(container, items);
}
