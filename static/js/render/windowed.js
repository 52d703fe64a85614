// The view of a windowed op (conv2d, pooling): the padded input as depth slices,
// the kernel of the current filter (conv2d), and the output maps filling in.
// It owns its canvases; `draw(step, hover)` paints one frame from the trace.

import { COLORS, SIZES } from "../core/config.js";
import { maxAbs } from "./colors.js";
import { crossCells, diamond, dimSlice, drawSlice, fit, hit, layout, outlineCells } from "./grid.js";
import { channelsOf, feeds, uncoveredCells, windowOf } from "./mapping.js";

// A null in `padded` (docs/TRACE_FORMAT.md section 8): at a padding cell of max_pool2d it is −∞
// (PyTorch pads max pooling with −∞, and the cell shows it), anywhere else NaN (no number).
const PADDING = 1;
const padValue = (h, v, kind) => (v !== null ? v : kind === PADDING && h.op === "max_pool2d" ? -Infinity : NaN);

export class WindowedView {
  constructor(canvases, { depth = null, marker = false } = {}) {
    this.canvases = canvases; // { input, kernel (or null), output }
    this.depth = depth; // DepthView for 1x1 kernels, or null
    this.showMarker = marker; // max pooling: mark each window's maximum
    this.marker = null; // {channel, row, col} in padded coordinates, as drawn
    this.buffer = null;
    this.layouts = {};
    this.bases = {};
  }

  setTrace(buffer) {
    this.buffer = buffer;
    const h = buffer.header;
    this.scales = {
      input: maxAbs(h.padded),
      kernel: h.weight ? maxAbs(h.weight) : 1,
      output: h.output_range ? Math.max(Math.abs(h.output_range[0]), Math.abs(h.output_range[1])) || 1 : 1,
    };
    this.uncovered = uncoveredCells(h);
    this.resize();
  }

  /** Lay out every panel for its container's width, and paint the parts that never change. */
  resize() {
    if (!this.buffer) return;
    const h = this.buffer.header;
    const maxH = Math.max(220, Math.min(560, window.innerHeight * 0.6));
    const [, hp, wp] = h.padded_shape;
    const width = (canvas) => Math.max(120, canvas.parentElement.clientWidth);
    this.layouts.input = layout(h.input_shape[0], hp, wp, width(this.canvases.input), maxH);
    const [maps, ho, wo] = h.output_shape;
    this.layouts.output = layout(maps, ho, wo, width(this.canvases.output), maxH);
    if (this.canvases.kernel && h.weight) {
      const [, cg, kh, kw] = [h.weight.length, h.weight[0].length, h.weight[0][0].length, h.weight[0][0][0].length];
      this.layouts.kernel = layout(cg, kh, kw, width(this.canvases.kernel), Math.min(maxH, 320));
    }
    this.paintInputBase();
  }

  paintInputBase() {
    const h = this.buffer.header;
    const lay = this.layouts.input;
    const base = document.createElement("canvas");
    const ctx = fit(base, lay.width, lay.height);
    lay.slices.forEach((sl, c) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, col) => padValue(h, h.padded[c][r][col], h.cells[r][col]),
        kind: (r, col) => h.cells[r][col],
        scale: this.scales.input,
        label: h.input_shape[0] > 1 ? `channel ${c}` : "input",
      });
      if (this.uncovered.length) crossCells(ctx, sl, lay.cell, this.uncovered);
    });
    this.bases.input = base;
  }

  /** The panel cell under (x, y) CSS pixels of canvas `panel`, or null. */
  hitAt(panel, x, y) {
    const lay = this.layouts[panel];
    if (!lay) return null;
    const found = hit(lay, x, y);
    return found ? { panel, ...found } : null;
  }

  /** Paint step `n` with `hover` ({panel, slice, r, c} or null). */
  draw(n, hover) {
    if (!this.buffer?.header) return;
    const h = this.buffer.header;
    const cell = this.buffer.cellOf(n);
    const focus = windowOf(h, cell);
    let kernelFilter = cell[0];
    const marks = { input: [], output: [], kernel: [] }; // [slice, cells, style]
    if (hover) this.hoverMarks(h, focus, hover, marks);
    if (hover && hover.panel === "output") kernelFilter = hover.slice;
    this.drawInput(focus, marks.input);
    this.drawMarker(h, n, cell);
    if (this.layouts.kernel) this.drawKernel(h, kernelFilter, marks.kernel);
    this.drawOutput(h, n, cell, marks.output);
    if (this.depth) this.depth.draw(h, this.buffer.step(n));
  }

  /** Max pooling: a diamond on the cell the trace names as the window's maximum. */
  drawMarker(h, n, cell) {
    this.marker = null;
    if (!this.showMarker || h.op !== "max_pool2d") return;
    const step = this.buffer.step(n);
    if (!step?.argmax_tap || step.argmax_tap[0] < 0) return;
    const [ti, tj] = step.argmax_tap;
    this.marker = { channel: cell[0], row: step.rows[ti], col: step.cols[tj] };
    const lay = this.layouts.input;
    const ctx = this.canvases.input.getContext("2d");
    diamond(ctx, lay.slices[cell[0]], lay.cell, this.marker.row, this.marker.col);
  }

  hoverMarks(h, focus, hover, marks) {
    const style = { color: COLORS.hover, fill: COLORS.hoverFill, dash: [4, 3] };
    if (hover.panel === "output") {
      const w = windowOf(h, [hover.slice, hover.r, hover.c]);
      const cells = [];
      for (const r of w.rows) for (const c of w.cols) cells.push([r, c]);
      for (const ch of w.channels) marks.input.push([ch, cells, style]);
      marks.output.push([hover.slice, [[hover.r, hover.c]], style]);
    } else if (hover.panel === "input") {
      marks.input.push([hover.slice, [[hover.r, hover.c]], style]);
      const fed = feeds(h, hover.slice, hover.r, hover.c);
      const bySlice = new Map();
      for (const [f, oy, ox] of fed) {
        if (!bySlice.has(f)) bySlice.set(f, []);
        bySlice.get(f).push([oy, ox]);
      }
      for (const [f, cells] of bySlice) marks.output.push([f, cells, style]);
      const ch = focus.channels.indexOf(hover.slice);
      const i = focus.rows.indexOf(hover.r);
      const j = focus.cols.indexOf(hover.c);
      if (ch >= 0 && i >= 0 && j >= 0) marks.kernel.push([ch, [[i, j]], style]);
    } else if (hover.panel === "kernel") {
      marks.kernel.push([hover.slice, [[hover.r, hover.c]], style]);
      const channel = focus.channels[hover.slice];
      if (channel !== undefined) marks.input.push([channel, [[focus.rows[hover.r], focus.cols[hover.c]]], style]);
    }
  }

  drawInput(focus, marks) {
    const lay = this.layouts.input;
    const ctx = fit(this.canvases.input, lay.width, lay.height);
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.bases.input, 0, 0);
    ctx.restore();
    const windowCells = [];
    for (const r of focus.rows) for (const c of focus.cols) windowCells.push([r, c]);
    lay.slices.forEach((sl, c) => {
      if (!focus.channels.includes(c)) dimSlice(ctx, sl, lay.cell);
      else outlineCells(ctx, sl, lay.cell, windowCells); // an outline only: a tint would cost the numbers contrast
    });
    for (const [slice, cells, style] of marks) outlineCells(ctx, lay.slices[slice], lay.cell, cells, style);
  }

  drawKernel(h, f, marks) {
    const lay = this.layouts.kernel;
    const ctx = fit(this.canvases.kernel, lay.width, lay.height);
    const channels = channelsOf(h, f);
    lay.slices.forEach((sl, ch) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, c) => h.weight[f][ch][r][c],
        scale: this.scales.kernel,
        label: lay.cell * sl.cols >= 96 ? `filter ${f} · ch ${channels[ch]}` : `ch ${channels[ch]}`,
        numbers: lay.cell >= 16,
      });
    });
    for (const [slice, cells, style] of marks) outlineCells(ctx, lay.slices[slice], lay.cell, cells, style);
  }

  drawOutput(h, n, cell, marks) {
    const lay = this.layouts.output;
    const ctx = fit(this.canvases.output, lay.width, lay.height);
    const [, ho, wo] = h.output_shape;
    const { output, filled } = this.buffer;
    lay.slices.forEach((sl, f) => {
      drawSlice(ctx, sl, lay.cell, {
        value: (r, c) => {
          const flat = (f * ho + r) * wo + c;
          return flat <= n && filled[flat] ? output[flat] : null;
        },
        scale: this.scales.output,
        label: h.output_shape[0] > 1 ? `output ${f}` : "output",
      });
    });
    outlineCells(ctx, lay.slices[cell[0]], lay.cell, [[cell[1], cell[2]]], { width: SIZES.windowLine + 1 });
    for (const [slice, cells, style] of marks) outlineCells(ctx, lay.slices[slice], lay.cell, cells, style);
  }
}
