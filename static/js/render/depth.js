// 1x1 convolution across depth: at one position, the column of N input values,
// the filter's N weights, their products, and the sum that becomes one output.

import { COLORS } from "../core/config.js";
import { fmt, maxAbs } from "./colors.js";
import { drawSlice, fit } from "./grid.js";

export class DepthView {
  constructor(canvas) {
    this.canvas = canvas;
  }

  /** Whether the trace has a 1x1 kernel (the only case this view explains). */
  static applies(h) {
    return Boolean(h.weight) && h.weight[0][0].length === 1 && h.weight[0][0][0].length === 1;
  }

  draw(h, step) {
    const figure = this.canvas.closest("figure");
    const show = DepthView.applies(h) && step && step.values !== undefined;
    figure.hidden = !show;
    if (!show) return;
    const [f] = step.cell;
    const n = step.values.length;
    const cell = Math.max(18, Math.min(34, Math.floor(360 / Math.max(n, 1))));
    const gap = 44;
    const band = 20;
    const columns = [
      ["input", step.values.map((v) => v[0][0]), maxAbs(h.padded)],
      ["× weight", h.weight[f].map((w) => w[0][0]), maxAbs(h.weight)],
      ["= product", step.products.map((p) => p[0][0]), maxAbs(step.products)],
    ];
    const width = columns.length * (cell + gap) + 200;
    const height = band + n * cell + 8;
    const ctx = fit(this.canvas, width, height);
    columns.forEach(([label, values, scale], k) => {
      const slice = { x: k * (cell + gap) + 30, y: band, rows: n, cols: 1 };
      drawSlice(ctx, slice, cell, { value: (r) => values[r], scale, numbers: true });
      ctx.fillStyle = COLORS.label;
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText(label, slice.x + cell / 2, band - 6);
    });
    ctx.textAlign = "left";
    ctx.fillStyle = COLORS.muted;
    ctx.font = "12px system-ui, sans-serif";
    for (let c = 0; c < n; c += 1) ctx.fillText(`ch ${h.filter_channels[f][c]}`, 0, band + c * cell + cell / 2 + 4);
    const x = columns.length * (cell + gap) + 30;
    ctx.fillStyle = COLORS.label;
    ctx.font = "bold 14px system-ui, sans-serif";
    ctx.fillText(`sum = ${fmt(step.sum)}`, x, band + 16);
    if (h.bias) ctx.fillText(`+ bias ${fmt(step.bias)}`, x, band + 36);
    ctx.fillText(`= ${fmt(step.value)}`, x, band + (h.bias ? 56 : 36));
  }
}
