// conv_transpose2d on the player page, in its two views of the same numbers.
// Scatter: a step per input cell, whose value times the kernel is added into the output at
// stride spacing (overlapping blocks add up). Gather: a step per output cell, a convolution with
// the flipped kernel (header.gather_weight) over the zero-inserted, padded frame, drawn by the
// conv2d view. Every cell, value and sentence is looked up in the trace (docs/TRACE_FORMAT.md
// section 14.1): nothing here recomputes geometry or values.

import { COLORS, SIZES } from "../../../core/config.js";
import { fmt, maxAbs } from "../../../render/colors.js";
import { dimSlice, drawSlice, fit, hit, layout, outlineCells } from "../../../render/grid.js";
import { WindowedView } from "../../../render/windowed.js";
import { el, replace } from "../../../widgets/dom.js";
import { narrateWindow, renderConvStep } from "../arithmetic.js";
import { renderFormula } from "../formula.js";

const num = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));
const HOVER = { color: COLORS.hover, fill: COLORS.hoverFill, dash: [4, 3] };
const PREVIOUS = { color: COLORS.muted, dash: [3, 3], width: 2 };

// ---- the gather view: conv2d's view over the frame -------------------------------------------

const adapted = new WeakMap();

/** The header as the windowed (conv2d) view reads it: the frame as the padded input, each output
 * row's frame taps as its window, the flipped kernels as the weight. */
function gatherHeader(h) {
  if (adapted.has(h)) return adapted.get(h);
  const axis = (g) => ({ ...g, taps: g.gather_taps, uncovered: [] });
  const a = {
    ...h,
    padded: h.frame,
    padded_shape: h.frame_shape,
    weight: h.gather_weight,
    padding: [
      [0, 0],
      [0, 0],
    ],
    geometry: { height: axis(h.geometry.height), width: axis(h.geometry.width) },
  };
  adapted.set(h, a);
  return a;
}

// ---- which cells feed which, from the header's taps ------------------------------------------

/** Input rows (columns) whose kernel lands on output row (column) `o`: scatter_taps looked up. */
function sourcesOf(taps, o) {
  const found = [];
  taps.forEach((row, y) => {
    if (row.includes(o)) found.push(y);
  });
  return found;
}

/** The input cells [c, y, x] whose kernels add into output cell (f, oy, ox). */
function feedersOf(h, f, oy, ox) {
  const ys = sourcesOf(h.geometry.height.scatter_taps, oy);
  const xs = sourcesOf(h.geometry.width.scatter_taps, ox);
  const cells = [];
  for (const c of h.filter_channels[f]) for (const y of ys) for (const x of xs) cells.push([c, y, x]);
  return cells;
}

/** The output cells [o, oy, ox] input cell (c, y, x) adds into (taps cut off by the padding left out). */
function targetsOf(h, c, y, x) {
  const [, ho, wo] = h.output_shape;
  const rows = h.geometry.height.scatter_taps[y].filter((r) => r >= 0 && r < ho);
  const cols = h.geometry.width.scatter_taps[x].filter((q) => q >= 0 && q < wo);
  const cells = [];
  for (const o of h.channel_outputs[c]) for (const r of rows) for (const q of cols) cells.push([o, r, q]);
  return cells;
}

/** The scatter step after which output cell (f, oy, ox) holds its final value: its last feeder
 * (input cells are stepped in row-major order), or -1 when no input cell reaches it. */
function finishingStep(h, f, oy, ox) {
  const [, height, width] = h.input_shape;
  const ys = sourcesOf(h.geometry.height.scatter_taps, oy);
  const xs = sourcesOf(h.geometry.width.scatter_taps, ox);
  if (!ys.length || !xs.length) return -1;
  const c = Math.max(...h.filter_channels[f]);
  return (c * height + Math.max(...ys)) * width + Math.max(...xs);
}

/**
 * The toggle keeps the output cell: gather step g (computing output cell g) becomes the scatter
 * step that finishes cell g (its last contribution); scatter step s becomes the gather step of the
 * furthest output cell that s has finished (0 if none yet).
 */
function mapStep(h, step, to) {
  if (to === h.params.view) return step;
  const [maps, ho, wo] = h.output_shape;
  if (to === "scatter") {
    const f = Math.floor(step / (ho * wo));
    const rest = step % (ho * wo);
    return Math.max(0, finishingStep(h, f, Math.floor(rest / wo), rest % wo));
  }
  let best = 0;
  for (let f = 0; f < maps; f += 1)
    for (let oy = 0; oy < ho; oy += 1)
      for (let ox = 0; ox < wo; ox += 1) {
        const s = finishingStep(h, f, oy, ox);
        if (s >= 0 && s <= step) best = (f * ho + oy) * wo + ox;
      }
  return best;
}

// ---- the scatter view ------------------------------------------------------------------------

class ScatterView {
  constructor(canvases) {
    this.canvases = canvases;
    this.buffer = null;
    this.layouts = {};
    this.hovered = null;
    this.cache = null; // {step, values}: the running output after `step`
  }

  setTrace(buffer) {
    this.buffer = buffer;
    const h = buffer.header;
    const range = h.output_range || [0, 1];
    this.scales = {
      input: maxAbs(h.input),
      kernel: maxAbs(h.weight),
      output: Math.max(Math.abs(range[0]), Math.abs(range[1])) || 1,
    };
    this.cache = null;
    this.resize();
  }

  resize() {
    if (!this.buffer) return;
    const h = this.buffer.header;
    const maxH = Math.max(220, Math.min(560, window.innerHeight * 0.6));
    const width = (canvas) => Math.max(120, canvas.parentElement.clientWidth);
    const [c, hi, wi] = h.input_shape;
    this.layouts.input = layout(c, hi, wi, width(this.canvases.input), maxH);
    const [per, kh, kw] = [h.weight[0].length, h.weight[0][0].length, h.weight[0][0][0].length];
    this.layouts.kernel = layout(per, kh, kw, width(this.canvases.kernel), Math.min(maxH, 320));
    const [maps, ho, wo] = h.output_shape;
    this.layouts.output = layout(maps, ho, wo, width(this.canvases.output), maxH);
  }

  hitAt(panel, x, y) {
    const lay = this.layouts[panel];
    const found = lay ? hit(lay, x, y) : null;
    return found ? { panel, ...found } : null;
  }

  cellOf(n) {
    const [, hi, wi] = this.buffer.header.input_shape;
    return [Math.floor(n / (hi * wi)), Math.floor(n / wi) % hi, n % wi];
  }

  /** The running output after step n (n = -1: before any step), from the steps' `after` values:
   * the bias (or 0) to start with, then each touched cell's value as the engine sent it. */
  running(n) {
    const h = this.buffer.header;
    const [maps, ho, wo] = h.output_shape;
    if (n >= h.steps.total - 1 && this.buffer.done) return Float64Array.from(this.buffer.done.output.flat(2));
    let from = -1;
    let values;
    if (this.cache && this.cache.step <= n) {
      from = this.cache.step;
      values = this.cache.values.slice();
    } else {
      values = new Float64Array(maps * ho * wo);
      if (h.bias) for (let o = 0; o < maps; o += 1) values.fill(h.bias[o], o * ho * wo, (o + 1) * ho * wo);
    }
    for (let s = from + 1; s <= n; s += 1) {
      const step = this.buffer.step(s);
      if (!step?.after) break;
      const outs = h.channel_outputs[step.channel];
      step.after.forEach((block, k) => {
        block.forEach((row, i) => {
          row.forEach((v, j) => {
            if (v !== null) values[(outs[k] * ho + step.rows[i]) * wo + step.cols[j]] = v;
          });
        });
      });
    }
    this.cache = { step: n, values };
    return values;
  }

  outputAt(n) {
    const [maps, ho, wo] = this.buffer.header.output_shape;
    const values = this.running(n);
    return Array.from({ length: maps }, (_, o) =>
      Array.from({ length: ho }, (_, y) => Array.from({ length: wo }, (_, x) => values[(o * ho + y) * wo + x])),
    );
  }

  windowAt(n) {
    const [c, y, x] = this.cellOf(n);
    return { channels: [c], rows: [y], cols: [x], writes: targetsOf(this.buffer.header, c, y, x) };
  }

  draw(n, hover) {
    if (!this.buffer?.header) return;
    const h = this.buffer.header;
    const [c, y, x] = this.cellOf(n);
    const writes = targetsOf(h, c, y, x);
    const before = n > 0 ? targetsOf(h, ...this.cellOf(n - 1)) : [];
    const marks = { input: [], kernel: [], output: [] };
    if (hover) this.hoverMarks(h, [c, y, x], hover, marks);
    this.hovered = hover ? marks : null;
    const values = this.running(n);
    this.drawInput(h, [c, y, x], marks.input);
    this.drawKernel(h, c, marks.kernel);
    this.drawOutput(h, values, writes, before, marks.output);
  }

  hoverMarks(h, [c, y, x], hover, marks) {
    const [, ho, wo] = h.output_shape;
    if (hover.panel === "output") {
      marks.output.push([hover.slice, hover.r, hover.c]);
      for (const cell of feedersOf(h, hover.slice, hover.r, hover.c)) marks.input.push(cell);
    } else if (hover.panel === "input") {
      marks.input.push([hover.slice, hover.r, hover.c]);
      for (const cell of targetsOf(h, hover.slice, hover.r, hover.c)) marks.output.push(cell);
    } else if (hover.panel === "kernel") {
      marks.kernel.push([hover.slice, hover.r, hover.c]);
      const r = h.geometry.height.scatter_taps[y][hover.r];
      const q = h.geometry.width.scatter_taps[x][hover.c];
      if (r >= 0 && r < ho && q >= 0 && q < wo) marks.output.push([h.channel_outputs[c][hover.slice], r, q]);
      marks.input.push([c, y, x]);
    }
  }

  drawInput(h, [c, y, x], marks) {
    const lay = this.layouts.input;
    const ctx = fit(this.canvases.input, lay.width, lay.height);
    lay.slices.forEach((sl, ch) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, q) => h.input[ch][r][q],
        scale: this.scales.input,
        label: h.input_shape[0] > 1 ? `channel ${ch}` : "input",
      });
      if (ch !== c) dimSlice(ctx, sl, lay.cell);
    });
    outlineCells(ctx, lay.slices[c], lay.cell, [[y, x]]);
    for (const [s, r, q] of marks) outlineCells(ctx, lay.slices[s], lay.cell, [[r, q]], HOVER);
  }

  drawKernel(h, c, marks) {
    const lay = this.layouts.kernel;
    const ctx = fit(this.canvases.kernel, lay.width, lay.height);
    const outs = h.channel_outputs[c];
    lay.slices.forEach((sl, k) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, q) => h.weight[c][k][r][q],
        scale: this.scales.kernel,
        label: lay.cell * sl.cols >= 96 ? `ch ${c} → out ${outs[k]}` : `→ ${outs[k]}`,
        numbers: lay.cell >= 16,
      });
    });
    for (const [s, r, q] of marks) outlineCells(ctx, lay.slices[s], lay.cell, [[r, q]], HOVER);
  }

  drawOutput(h, values, writes, before, marks) {
    const lay = this.layouts.output;
    const ctx = fit(this.canvases.output, lay.width, lay.height);
    const [maps, ho, wo] = h.output_shape;
    lay.slices.forEach((sl, o) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, q) => values[(o * ho + r) * wo + q],
        scale: this.scales.output,
        label: maps > 1 ? `output ${o}` : "output",
      });
    });
    // the previous step's block dashed, this step's solid: where they meet, the overlap adds up
    for (const [o, r, q] of before) outlineCells(ctx, lay.slices[o], lay.cell, [[r, q]], PREVIOUS);
    for (const [o, r, q] of writes)
      outlineCells(ctx, lay.slices[o], lay.cell, [[r, q]], { width: SIZES.windowLine + 1 });
    for (const [s, r, q] of marks) outlineCells(ctx, lay.slices[s], lay.cell, [[r, q]], HOVER);
  }
}

// ---- one view object for the page: scatter or gather, as the header says -------------------

class TransposeView {
  constructor(canvases) {
    this.canvases = canvases;
    this.scatter = new ScatterView(canvases);
    this.gather = new WindowedView(canvases);
    this.active = this.scatter;
  }

  setTrace(buffer) {
    const h = buffer.header;
    if (h.view === "gather") {
      const proxy = Object.create(buffer);
      proxy.header = gatherHeader(h);
      this.active = this.gather;
      this.gather.setTrace(proxy);
    } else {
      this.active = this.scatter;
      this.scatter.setTrace(buffer);
    }
  }

  get marker() {
    return null;
  }

  get hovered() {
    return this.active === this.scatter ? this.scatter.hovered : null;
  }

  get outputAt() {
    return this.active === this.scatter ? (n) => this.scatter.outputAt(n) : null;
  }

  get windowAt() {
    return this.active === this.scatter ? (n) => this.scatter.windowAt(n) : null;
  }

  resize() {
    this.active.resize();
  }

  hitAt(panel, x, y) {
    return this.active.hitAt(panel, x, y);
  }

  draw(n, hover) {
    this.active.draw(n, hover);
  }
}

// ---- words ------------------------------------------------------------------------------------

function renderScatterStep(container, h, step) {
  if (!step) return replace(container, el("p", {}, "Waiting for the trace…"));
  const [c, y, x] = step.cell;
  const where = el("p", { class: "where" }, `input channel ${c}, row ${y}, column ${x}: value ${fmt(step.input)}`);
  if (step.products === undefined) {
    return replace(
      container,
      where,
      el("p", { class: "hint" }, "This trace is large, so it was streamed compact (positions and values only)."),
    );
  }
  const [, ho, wo] = h.output_shape;
  const outs = h.channel_outputs[c];
  const lines = [where];
  step.products.forEach((block, k) => {
    const adds = [];
    block.forEach((row, i) => {
      row.forEach((p, j) => {
        const r = step.rows[i];
        const q = step.cols[j];
        if (r < 0 || r >= ho || q < 0 || q >= wo) return;
        adds.push(
          `(${r},${q}) += ${num(step.input)}×${num(h.weight[c][k][i][j])} = ${fmt(p)} → ${fmt(step.after[k][i][j])}`,
        );
      });
    });
    const label = outs.length > 1 || h.output_shape[0] > 1 ? `output ${outs[k]}: ` : "";
    lines.push(el("p", { class: "sum" }, `${label}${adds.join(" · ") || "every tap cut off by the padding"}`));
  });
  lines.push(
    el(
      "p",
      { class: "hint" },
      "The value times the whole kernel is added into the output block; where blocks overlap the sums add up.",
    ),
  );
  return replace(container, lines);
}

function renderStep(container, h, step) {
  if (h.view === "gather") {
    renderConvStep(container, gatherHeader(h), step);
    if (step)
      container.append(
        el("p", { class: "hint" }, "Gather: a convolution with the kernel flipped 180°, over the zero-inserted frame."),
      );
    return;
  }
  renderScatterStep(container, h, step);
}

function narrate(h, step, total) {
  if (!step) return "";
  if (h.view === "gather") return narrateWindow(gatherHeader(h), step, total);
  const [c, y, x] = step.cell;
  const ch = h.input_shape[0] > 1 ? `channel ${c}, ` : "";
  return `Step ${step.index + 1} of ${total}: ${ch}input row ${y}, column ${x}: ${fmt(step.input)} times the kernel, added into the output.`;
}

function renderSide(container, h, onUsePadding) {
  renderFormula(container, h, onUsePadding);
  const g = h.geometry;
  const sameText = g.height.undoes.text.replace("height", "") === g.width.undoes.text.replace("width", "");
  const axes = sameText ? ["height"] : ["height", "width"];
  const block = el(
    "div",
    { class: "undoes", id: "undoes" },
    el("p", { class: "formula-title" }, "What convolution does this undo the shape of?"),
    ...axes.map((axis) => el("p", { class: "formula-text", "data-axis": axis }, `${g[axis].undoes.text}.`)),
    el(
      "p",
      { class: "hint" },
      "A strided convolution floors, so several sizes give the same output; output_padding says which of them to give back. It undoes the shape, not the values.",
    ),
  );
  container.append(block);
}

export default {
  createView: (canvases) => new TransposeView(canvases),
  renderStep,
  narrate,
  renderSide,
  mapStep,
  toggleNote: () =>
    "Switching view keeps the output cell: gather → scatter goes to the step that finishes the current output cell; scatter → gather goes to the furthest output cell already finished.",
  captions(h) {
    const [c, hi, wi] = h.input_shape;
    const [per, kh, kw] = [h.weight[0].length, h.weight[0][0].length, h.weight[0][0][0].length];
    const out = h.output_shape.join(" × ");
    if (h.view === "gather") {
      const [, hf, wf] = h.frame_shape;
      return {
        input: `${c} × ${hi} × ${wi}, zeros inserted and padded to ${hf} × ${wf}`,
        kernel: `flipped 180°: ${h.output_shape[0]} × ${h.gather_weight[0].length} × ${kh} × ${kw}`,
        output: out,
      };
    }
    return {
      input: `${c} × ${hi} × ${wi}`,
      kernel: `${per} kernel${per > 1 ? "s" : ""} of ${kh} × ${kw} per input channel${h.bias ? " (+ bias)" : ""}`,
      output: out,
    };
  },
};
