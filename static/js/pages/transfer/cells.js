// A matrix of numbers painted as square cells on a canvas: feature maps and filters with the
// diverging colour map (signed values), digits in grey (0..16, white to ink). Stateless.

import { TRANSFER } from "../../core/config.js";
import { css, rgb } from "../../render/colors.js";
import { fit } from "../../render/grid.js";

/** How much larger the grids are drawn: TRANSFER.presentZoom while presenting, else 1. */
export function zoom() {
  return document.documentElement.classList.contains("present") ? TRANSFER.presentZoom : 1;
}

/** A colour function for signed values on the purple-white-orange scale reaching ±maxAbs. */
export const diverging = (maxAbs) => (v) => css(rgb(v, maxAbs));

/** A colour function for the digits data set's 0..16 pixels: 0 white, 16 the ink colour. */
export function grey(v) {
  const t = Math.max(0, Math.min(16, v)) / 16;
  return css(TRANSFER.ink.map((c) => Math.round(255 + (c - 255) * t)));
}

/** Size `canvas` for `rows` x `cols` cells of `cell` px and paint `values` (an array of rows). */
export function paintCells(canvas, values, cell, colour) {
  const rows = values.length;
  const cols = values[0].length;
  const ctx = fit(canvas, cols * cell, rows * cell);
  for (const [r, row] of values.entries()) {
    for (const [c, v] of row.entries()) {
      ctx.fillStyle = colour(v);
      ctx.fillRect(c * cell, r * cell, cell, cell);
    }
  }
  return ctx;
}

/** Thin lines between the cells (for the enlarged grids: filters, small maps). */
export function gridLines(ctx, rows, cols, cell, color) {
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 1; i < rows; i += 1) {
    ctx.moveTo(0, i * cell + 0.5);
    ctx.lineTo(cols * cell, i * cell + 0.5);
  }
  for (let j = 1; j < cols; j += 1) {
    ctx.moveTo(j * cell + 0.5, 0);
    ctx.lineTo(j * cell + 0.5, rows * cell);
  }
  ctx.stroke();
}

/** The cell under a pointer event on a canvas painted with `cell` px cells: {r, c}. */
export function cellAt(event, cell) {
  const box = event.currentTarget.getBoundingClientRect();
  return { r: Math.floor((event.clientY - box.top) / cell), c: Math.floor((event.clientX - box.left) / cell) };
}
