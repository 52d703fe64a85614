// conv2d_backward on the player page: the forward window and the backward step side by side.
// Left, the forward convolution's padded input with the cells this step concerns; middle,
// grad_output; right, the gradient the steps fill, drawn in the same frame as the forward input
// (grad_input) so the two outlines sit on the same cells. `gradient` (grad_input | grad_weight |
// grad_bias) picks what the steps are (docs/TRACE_FORMAT.md section 14.2); the done frame's three
// gradients are listed as grids with their numbers. Nothing is recomputed: the running grad_input
// is the steps' `after` values, every other number is the trace's.

import { COLORS, SIZES } from "../../../core/config.js";
import { fmt, maxAbs } from "../../../render/colors.js";
import { dimSlice, drawSlice, fit, hit, layout, outlineCells } from "../../../render/grid.js";
import { el, replace } from "../../../widgets/dom.js";
import { renderFormula } from "../formula.js";

const num = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));
const HOVER = { color: COLORS.hover, fill: COLORS.hoverFill, dash: [4, 3] };
const ALL = (rows, cols) => {
  const cells = [];
  for (let r = 0; r < rows; r += 1) for (let q = 0; q < cols; q += 1) cells.push([r, q]);
  return cells;
};
const cross = (rows, cols) => rows.flatMap((r) => cols.map((q) => [r, q]));

class BackwardView {
  constructor(canvases) {
    this.canvases = canvases; // forward, grad, result
    this.buffer = null;
    this.layouts = {};
    this.hovered = null;
    this.cache = null;
  }

  setTrace(buffer) {
    this.buffer = buffer;
    const h = buffer.header;
    this.scales = { forward: maxAbs(h.padded), grad: maxAbs(h.grad_output), result: 1 };
    this.cache = null;
    this.resize();
  }

  /** The shape the result panel draws: grad_input in the padded frame, grad_weight's kernels, grad_bias's cells. */
  resultShape() {
    const h = this.buffer.header;
    const [f, cg, kh, kw] = [h.weight.length, h.weight[0].length, h.weight[0][0].length, h.weight[0][0][0].length];
    if (h.gradient === "grad_weight") return [f * cg, kh, kw];
    if (h.gradient === "grad_bias") return [f, 1, 1];
    return h.padded_shape;
  }

  resize() {
    if (!this.buffer) return;
    const h = this.buffer.header;
    const maxH = Math.max(200, Math.min(480, window.innerHeight * 0.5));
    const width = (canvas) => Math.max(120, canvas.parentElement.clientWidth);
    const [c, hp, wp] = h.padded_shape;
    this.layouts.forward = layout(c, hp, wp, width(this.canvases.forward), maxH);
    const [maps, ho, wo] = [h.grad_output.length, h.grad_output[0].length, h.grad_output[0][0].length];
    this.layouts.grad = layout(maps, ho, wo, width(this.canvases.grad), maxH);
    const [n, rows, cols] = this.resultShape();
    this.layouts.result = layout(n, rows, cols, width(this.canvases.result), Math.min(maxH, 320 + rows * 10));
  }

  hitAt(panel, x, y) {
    const lay = this.layouts[panel];
    const found = lay ? hit(lay, x, y) : null;
    return found ? { panel, ...found } : null;
  }

  /** grad_input after step n, flat (C·H·W), from the steps' `after` values (the done frame's at the end). */
  runningInput(n) {
    const h = this.buffer.header;
    const [c, height, width] = h.input_shape;
    if (n >= h.steps.total - 1 && this.buffer.done) return Float64Array.from(this.buffer.done.grad_input.flat(2));
    let from = -1;
    let values;
    if (this.cache && this.cache.step <= n) {
      from = this.cache.step;
      values = this.cache.values.slice();
    } else values = new Float64Array(c * height * width);
    for (let s = from + 1; s <= n; s += 1) {
      const step = this.buffer.step(s);
      if (!step?.after) break;
      const channels = h.filter_channels[step.filter];
      step.after.forEach((block, k) => {
        block.forEach((row, i) => {
          row.forEach((v, j) => {
            if (v === null) return;
            const r = h.source_rows[step.rows[i]];
            const q = h.source_cols[step.cols[j]];
            values[(channels[k] * height + r) * width + q] = v;
          });
        });
      });
    }
    this.cache = { step: n, values };
    return values;
  }

  /** What the steps have filled by step n: grad_input (C, H, W), grad_weight (F, C/groups, kH, kW) or grad_bias (F). */
  outputAt(n) {
    const h = this.buffer.header;
    if (h.gradient === "grad_input") {
      const [c, height, width] = h.input_shape;
      const values = this.runningInput(n);
      return Array.from({ length: c }, (_, i) =>
        Array.from({ length: height }, (_, y) =>
          Array.from({ length: width }, (_, x) => values[(i * height + y) * width + x]),
        ),
      );
    }
    const filled = (i) => (i <= n && this.buffer.filled[i] ? this.buffer.output[i] : null);
    if (h.gradient === "grad_bias") return h.weight.map((_, f) => filled(f));
    const [cg, kh, kw] = [h.weight[0].length, h.weight[0][0].length, h.weight[0][0][0].length];
    return h.weight.map((_, f) =>
      Array.from({ length: cg }, (_, c) =>
        Array.from({ length: kh }, (_, i) =>
          Array.from({ length: kw }, (_, j) => filled(((f * cg + c) * kh + i) * kw + j)),
        ),
      ),
    );
  }

  /** The cells step n concerns: forward [channel, cells] pairs, the grad_output cells, the result cells. */
  focus(n) {
    const h = this.buffer.header;
    const step = this.buffer.step(n);
    const [, ho, wo] = [h.grad_output.length, h.grad_output[0].length, h.grad_output[0][0].length];
    if (!step) return { forward: [], grad: [], result: [] };
    if (h.gradient === "grad_input") {
      const [f, oy, ox] = step.cell;
      const rows = h.geometry.height.taps[oy];
      const cols = h.geometry.width.taps[ox];
      const cells = cross(rows, cols);
      const channels = h.filter_channels[f];
      return {
        forward: channels.map((c) => [c, cells]),
        grad: [[f, [[oy, ox]]]],
        result: channels.map((c) => [c, cells]),
      };
    }
    if (h.gradient === "grad_weight") {
      const [f, c, i, j] = step.cell;
      const cg = h.weight[0].length;
      const rows = step.rows ?? [];
      const cols = step.cols ?? [];
      const channel = h.filter_channels[f][c];
      return {
        forward: [[channel, cross(rows, cols)]],
        grad: [[f, ALL(ho, wo)]],
        result: [[f * cg + c, [[i, j]]]],
      };
    }
    const [f] = step.cell;
    return { forward: [], grad: [[f, ALL(ho, wo)]], result: [[f, [[0, 0]]]] };
  }

  windowAt(n) {
    const focus = this.focus(n);
    return { forward: focus.forward, grad: focus.grad, result: focus.result };
  }

  draw(n, hover) {
    if (!this.buffer?.header) return;
    const h = this.buffer.header;
    const focus = this.focus(n);
    this.hovered = hover ? this.hoverMarks(h, hover) : null;
    const marks = this.hovered ?? { forward: [], grad: [], result: [] };
    this.drawForward(h, focus.forward, marks.forward);
    this.drawGrad(h, focus.grad, marks.grad);
    this.drawResult(h, n, focus.result, marks.result);
  }

  /** Hover: a forward or grad_input cell links to the output cells whose window reads it; an output cell to its window. */
  hoverMarks(h, hover) {
    const marks = { forward: [], grad: [], result: [] };
    const taps = (axis, o) => h.geometry[axis].taps[o];
    const sameFrame = h.gradient === "grad_input";
    if (hover.panel === "grad") {
      const cells = cross(taps("height", hover.r), taps("width", hover.c));
      marks.grad.push([hover.slice, hover.r, hover.c]);
      for (const c of h.filter_channels[hover.slice])
        for (const [r, q] of cells) {
          marks.forward.push([c, r, q]);
          if (sameFrame) marks.result.push([c, r, q]);
        }
    } else if (hover.panel === "forward" || (hover.panel === "result" && sameFrame)) {
      marks.forward.push([hover.slice, hover.r, hover.c]);
      if (sameFrame) marks.result.push([hover.slice, hover.r, hover.c]);
      h.filter_channels.forEach((channels, f) => {
        if (!channels.includes(hover.slice)) return;
        h.geometry.height.taps.forEach((rows, oy) => {
          if (!rows.includes(hover.r)) return;
          h.geometry.width.taps.forEach((cols, ox) => {
            if (cols.includes(hover.c)) marks.grad.push([f, oy, ox]);
          });
        });
      });
    } else if (hover.panel === "result") marks.result.push([hover.slice, hover.r, hover.c]);
    return marks;
  }

  drawForward(h, focus, marks) {
    const lay = this.layouts.forward;
    const ctx = fit(this.canvases.forward, lay.width, lay.height);
    const used = new Set(focus.map(([c]) => c));
    lay.slices.forEach((sl, c) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, q) => (h.padded[c][r][q] === null ? Number.NaN : h.padded[c][r][q]),
        kind: (r, q) => h.cells[r][q],
        scale: this.scales.forward,
        label: h.input_shape[0] > 1 ? `input channel ${c}` : "input",
      });
      if (!used.has(c)) dimSlice(ctx, sl, lay.cell);
    });
    for (const [c, cells] of focus) outlineCells(ctx, lay.slices[c], lay.cell, cells);
    for (const [s, r, q] of marks) outlineCells(ctx, lay.slices[s], lay.cell, [[r, q]], HOVER);
  }

  drawGrad(h, focus, marks) {
    const lay = this.layouts.grad;
    const ctx = fit(this.canvases.grad, lay.width, lay.height);
    lay.slices.forEach((sl, f) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, q) => h.grad_output[f][r][q],
        scale: this.scales.grad,
        label: h.grad_output.length > 1 ? `filter ${f}` : "grad_output",
      });
    });
    for (const [f, cells] of focus) outlineCells(ctx, lay.slices[f], lay.cell, cells);
    for (const [s, r, q] of marks) outlineCells(ctx, lay.slices[s], lay.cell, [[r, q]], HOVER);
  }

  drawResult(h, n, focus, marks) {
    const lay = this.layouts.result;
    const ctx = fit(this.canvases.result, lay.width, lay.height);
    const done = this.buffer.done;
    if (h.gradient === "grad_input") {
      const [, height, width] = h.input_shape;
      const values = this.runningInput(n);
      const scale = done ? maxAbs(done.grad_input) || 1 : maxAbs([...values]) || 1;
      lay.slices.forEach((sl, c) => {
        drawSlice(ctx, sl, lay.cell, {
          value: (r, q) =>
            h.cells[r][q] === 0 ? values[(c * height + h.source_rows[r]) * width + h.source_cols[q]] : null,
          kind: (r, q) => h.cells[r][q],
          scale,
          label: h.input_shape[0] > 1 ? `grad_input ch ${c}` : "grad_input",
        });
      });
    } else {
      const [, , cols] = this.resultShape();
      const cg = h.weight[0].length;
      const scale = done ? maxAbs(h.gradient === "grad_weight" ? done.grad_weight : done.grad_bias) || 1 : 1;
      lay.slices.forEach((sl, s) => {
        drawSlice(ctx, sl, lay.cell, {
          value: (r, q) => {
            const i = (s * sl.rows + r) * cols + q;
            return i <= n && this.buffer.filled[i] ? this.buffer.output[i] : null;
          },
          scale,
          label:
            h.gradient === "grad_weight"
              ? lay.cell * sl.cols >= 96
                ? `filter ${Math.floor(s / cg)} · ch ${s % cg}`
                : `${Math.floor(s / cg)}·${s % cg}`
              : `b${s}`,
          numbers: lay.cell >= 16,
        });
      });
    }
    for (const [s, cells] of focus) outlineCells(ctx, lay.slices[s], lay.cell, cells, { width: SIZES.windowLine + 1 });
    for (const [s, r, q] of marks) outlineCells(ctx, lay.slices[s], lay.cell, [[r, q]], HOVER);
  }
}

// ---- words ------------------------------------------------------------------------------------

function renderStep(container, h, step) {
  if (!step) return replace(container, el("p", {}, "Waiting for the trace…"));
  const compact = step.products === undefined && step.grads === undefined;
  if (h.gradient === "grad_input") {
    const [f, oy, ox] = step.cell;
    const where = el(
      "p",
      { class: "where" },
      `grad_output[${f}, ${oy}, ${ox}] = ${fmt(compact ? step.value : step.grad)}: sent back through filter ${f}'s kernel onto the cells its forward window read`,
    );
    if (compact)
      return replace(container, where, el("p", { class: "hint" }, "Streamed compact: positions and values only."));
    const channels = h.filter_channels[f];
    const lines = [where];
    step.products.forEach((block, k) => {
      const adds = [];
      let padded = 0;
      block.forEach((row, i) => {
        row.forEach((p, j) => {
          const after = step.after[k][i][j];
          const target = `(${step.rows[i]},${step.cols[j]})`;
          if (after === null) padded += 1;
          else adds.push(`${target} += ${num(step.grad)}×${num(h.weight[f][k][i][j])} = ${fmt(p)} → ${fmt(after)}`);
        });
      });
      lines.push(
        el(
          "p",
          { class: "sum" },
          `${channels.length > 1 ? `channel ${channels[k]}: ` : ""}${adds.join(" · ")}${padded ? ` · ${padded} on zero padding: no gradient` : ""}`,
        ),
      );
    });
    lines.push(
      el(
        "p",
        { class: "hint" },
        "The same cells the forward window multiplied: the gradient goes back where the value came from.",
      ),
    );
    return replace(container, lines);
  }
  if (h.gradient === "grad_weight") {
    const [f, c, i, j] = step.cell;
    const where = el(
      "p",
      { class: "where" },
      `grad_weight[${f}, ${c}, ${i}, ${j}]: tap (${i}, ${j}) of filter ${f}, channel ${c}`,
    );
    if (compact) return replace(container, where, el("p", { class: "total" }, `= ${fmt(step.value)}`));
    const terms = step.values.flatMap((row, oy) => row.map((v, ox) => `${num(v)}×${num(h.grad_output[f][oy][ox])}`));
    return replace(
      container,
      where,
      el("p", { class: "sum" }, `Σ input × grad_output = ${terms.join(" + ")}`),
      el("p", { class: "total" }, `= ${fmt(step.value)}`),
      el(
        "p",
        { class: "hint" },
        "The input value this tap read at every output position, times that position's output gradient.",
      ),
    );
  }
  const [f] = step.cell;
  const grads = compact ? [] : step.grads.flat().map(num);
  return replace(
    container,
    el("p", { class: "where" }, `grad_bias[${f}]: the sum of filter ${f}'s grad_output`),
    el("p", { class: "total" }, `${grads.length ? `${grads.join(" + ")} = ` : ""}${fmt(step.value)}`),
  );
}

function narrate(h, step, total) {
  if (!step) return "";
  const cell = step.cell.join(", ");
  return `Step ${step.index + 1} of ${total}: ${h.gradient} step at [${cell}], value ${fmt(h.gradient === "grad_input" ? (step.grad ?? step.value) : step.value)}.`;
}

/** A grid of numbers as a table, each cell with its exact value in data-value. */
function grid(name, index, rows) {
  return el(
    "table",
    { class: "grad-grid", "data-grad": name, "data-index": index },
    el(
      "tbody",
      {},
      rows.map((row) =>
        el(
          "tr",
          {},
          row.map((v) => el("td", { "data-value": String(v) }, v === null ? "—" : fmt(v))),
        ),
      ),
    ),
  );
}

function renderGradients(done) {
  const blocks = [el("p", { class: "formula-title" }, "After the last step (the done frame)")];
  blocks.push(el("p", { class: "formula-text" }, "grad_input: what flows back to the layer before"));
  done.grad_input.forEach((plane, c) => {
    blocks.push(el("div", { class: "grad-block" }, `channel ${c}`, grid("grad_input", String(c), plane)));
  });
  blocks.push(el("p", { class: "formula-text" }, "grad_weight: one kernel per filter and channel"));
  done.grad_weight.forEach((filter, f) => {
    filter.forEach((kernel, c) => {
      blocks.push(
        el("div", { class: "grad-block" }, `filter ${f} · ch ${c}`, grid("grad_weight", `${f},${c}`, kernel)),
      );
    });
  });
  blocks.push(el("p", { class: "formula-text" }, "grad_bias: one number per filter"));
  blocks.push(
    done.grad_bias
      ? grid("grad_bias", "", [done.grad_bias])
      : el("p", { class: "hint" }, "no bias: None, as in PyTorch"),
  );
  return el("div", { class: "gradients", id: "gradients" }, blocks);
}

function renderSide(container, h, onUsePadding, done) {
  renderFormula(container, h, onUsePadding);
  container.append(
    el(
      "p",
      { class: "hint" },
      "The forward convolution's sizes. Backward, grad_input has the input's shape, grad_weight the weight's and grad_bias one number per filter.",
    ),
  );
  if (done?.grad_weight) container.append(renderGradients(done));
}

export default {
  createView: (canvases) => new BackwardView(canvases),
  renderStep,
  narrate,
  renderSide,
  mapStep: () => 0,
  toggleNote: (h) =>
    ({
      grad_input: "A step per output gradient, scattered back through the kernel onto its forward window's cells.",
      grad_weight: "A step per weight: the sum over output positions of the input it read times the output gradient.",
      grad_bias: "A step per filter: the sum of its grad_output.",
    })[h.gradient],
  captions(h) {
    const [c, hp, wp] = h.padded_shape;
    const shape = (a) => [a.length, a[0].length, a[0][0].length].join(" × ");
    const w = h.weight;
    const result = {
      grad_input: `grad_input, drawn in the padded ${c} × ${hp} × ${wp} frame`,
      grad_weight: `grad_weight ${w.length} × ${w[0].length} × ${w[0][0].length} × ${w[0][0][0].length}`,
      grad_bias: `grad_bias ${w.length}`,
    }[h.gradient];
    return { forward: `${h.input_shape.join(" × ")}, padded to ${hp} × ${wp}`, grad: shape(h.grad_output), result };
  },
};
