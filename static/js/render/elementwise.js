// The view of an elementwise op (relu, dropout): the input, the mask and the
// output as depth slices of the same shape; the current cell marked in each.

import { COLORS, SIZES } from "../core/config.js";
import { maxAbs } from "./colors.js";
import { drawSlice, fit, hit, layout, outlineCells } from "./grid.js";

export class ElementwiseView {
  constructor(canvases, { flag, curve = null }) {
    this.canvases = canvases; // { input, mask, output, curve? }
    this.flag = flag; // "zeroed" or "kept": the step column the mask shows
    this.curve = curve;
    this.buffer = null;
    this.layouts = {};
  }

  setTrace(buffer) {
    this.buffer = buffer;
    this.scale = maxAbs(buffer.header.input);
    const range = buffer.header.output_range;
    this.outputScale = range ? Math.max(Math.abs(range[0]), Math.abs(range[1]), this.scale) : this.scale;
    this.resize();
  }

  resize() {
    if (!this.buffer) return;
    const [c, h, w] = this.buffer.header.input_shape;
    const maxH = Math.max(200, Math.min(480, window.innerHeight * 0.5));
    for (const panel of ["input", "mask", "output"]) {
      const canvas = this.canvases[panel];
      if (canvas) this.layouts[panel] = layout(c, h, w, Math.max(120, canvas.parentElement.clientWidth), maxH);
    }
    if (this.curve) this.curve.resize();
  }

  hitAt(panel, x, y) {
    const lay = this.layouts[panel];
    const found = lay ? hit(lay, x, y) : null;
    return found ? { panel, ...found } : null;
  }

  /** Mask value (1 passes/kept, 0 zeroed/dropped) of flat cell i, or null before its step. */
  maskAt(i, n) {
    const flags = this.buffer.flags[this.flag];
    if (!flags || i > n || !this.buffer.filled[i]) return null;
    return this.flag === "zeroed" ? 1 - flags[i] : flags[i];
  }

  draw(n, hover) {
    if (!this.buffer?.header) return;
    const h = this.buffer.header;
    const [, rows, cols] = h.input_shape;
    const cell = this.buffer.cellOf(n);
    const focus = hover ? [hover.slice, hover.r, hover.c] : null;
    const flat = (c, r, col) => (c * rows + r) * cols + col;
    const { output, filled } = this.buffer;
    const panels = {
      input: (c) => ({ value: (r, col) => h.input[c][r][col], scale: this.scale }),
      mask: (c) => ({
        value: (r, col) => this.maskAt(flat(c, r, col), n),
        kind: (r, col) => (this.maskAt(flat(c, r, col), n) === 0 ? 1 : 0),
        scale: 4, // a pale tint for 1: the mask is a switch, not a magnitude
        numbers: true,
      }),
      output: (c) => ({
        value: (r, col) => (flat(c, r, col) <= n && filled[flat(c, r, col)] ? output[flat(c, r, col)] : null),
        scale: this.outputScale,
      }),
    };
    for (const [panel, options] of Object.entries(panels)) {
      const lay = this.layouts[panel];
      if (!lay) continue;
      const ctx = fit(this.canvases[panel], lay.width, lay.height);
      lay.slices.forEach((sl, c) => {
        const label = h.input_shape[0] > 1 ? `${panel} ${c}` : panel;
        drawSlice(ctx, sl, lay.cell, {
          ...options(c),
          label: panel === "mask" ? `mask ${h.input_shape[0] > 1 ? c : ""}` : label,
        });
      });
      outlineCells(ctx, lay.slices[cell[0]], lay.cell, [[cell[1], cell[2]]], { width: SIZES.windowLine + 1 });
      if (focus)
        outlineCells(ctx, lay.slices[focus[0]], lay.cell, [[focus[1], focus[2]]], {
          color: COLORS.hover,
          fill: COLORS.hoverFill,
          dash: [4, 3],
        });
    }
    if (this.curve) {
      const step = this.buffer.step(n);
      this.curve.draw(this.scale, step ? [step.input, step.value] : null);
    }
  }
}
