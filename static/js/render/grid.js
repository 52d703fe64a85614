// Grids of cells on a canvas: layout of several depth slices, drawing, hit tests.
// Stateless: every function takes what it draws.

import { COLORS, SIZES } from "../core/config.js";
import { css, fmt, ink, rgb } from "./colors.js";

/**
 * Place `count` slices of rows x cols cells in a box `width` wide and at most
 * `maxHeight` high, as large as fits (cells at most SIZES.maxCell).
 */
export function layout(count, rows, cols, width, maxHeight, labels = true) {
  const gap = SIZES.gap;
  const labelH = labels ? SIZES.labelHeight : 0;
  let best = null;
  for (let perRow = 1; perRow <= count; perRow += 1) {
    const lines = Math.ceil(count / perRow);
    const byWidth = (width - gap * (perRow - 1)) / (perRow * cols);
    const byHeight = (maxHeight - (gap + labelH) * lines) / (lines * rows);
    const cell = Math.min(SIZES.maxCell, byWidth, byHeight);
    if (!best || cell > best.cell + 0.01) best = { perRow, lines, cell };
  }
  const cell = Math.max(2, Math.floor(best.cell * 4) / 4);
  const slices = [];
  for (let i = 0; i < count; i += 1) {
    const col = i % best.perRow;
    const line = Math.floor(i / best.perRow);
    slices.push({ x: col * (cols * cell + gap), y: line * (rows * cell + gap + labelH) + labelH, rows, cols });
  }
  // +1: the last grid line sits at cols*cell + 0.5 and must stay on the canvas
  const w = Math.min(count, best.perRow) * cols * cell + gap * (Math.min(count, best.perRow) - 1) + 1;
  const h = best.lines * (rows * cell + gap + labelH) - gap + 1;
  return { cell, slices, width: Math.ceil(w), height: Math.ceil(h), labelH };
}

/** Which slice, row and column is at (x, y), or null. */
export function hit(lay, x, y) {
  for (let s = 0; s < lay.slices.length; s += 1) {
    const sl = lay.slices[s];
    const c = Math.floor((x - sl.x) / lay.cell);
    const r = Math.floor((y - sl.y) / lay.cell);
    if (r >= 0 && c >= 0 && r < sl.rows && c < sl.cols) return { slice: s, r, c };
  }
  return null;
}

/** Size a canvas for its CSS box and the device pixel ratio; returns the 2-D context. */
export function fit(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function hatch(ctx, x, y, size, color) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, size, size);
  ctx.clip();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.beginPath();
  const step = Math.max(4, size / 4);
  for (let d = -size; d < size; d += step) {
    ctx.moveTo(x + d, y + size);
    ctx.lineTo(x + d + size, y);
  }
  ctx.stroke();
  ctx.restore();
}

/**
 * Draw one slice. `value(r, c)` gives a number or null (empty); `kind(r, c)` gives
 * 0 input, 1 padding, 2 overhang (outside every value), 3 a zero a transposed convolution
 * inserted between input cells (its own fill, so it is not taken for input); `scale` is maxAbs.
 */
export function drawSlice(ctx, sl, cell, { value, kind = () => 0, scale, label, numbers }) {
  const showNumbers = numbers ?? cell >= SIZES.minNumberCell;
  ctx.font = `${Math.max(9, Math.floor(cell * 0.36))}px ui-monospace, Menlo, Consolas, monospace`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let r = 0; r < sl.rows; r += 1) {
    for (let c = 0; c < sl.cols; c += 1) {
      const x = sl.x + c * cell;
      const y = sl.y + r * cell;
      const k = kind(r, c);
      const v = value(r, c);
      if (k === 2) {
        ctx.fillStyle = COLORS.overhang;
        ctx.fillRect(x, y, cell, cell);
        hatch(ctx, x, y, cell, COLORS.paddingHatch);
        continue;
      }
      const color = v === null || Number.isNaN(v) ? null : rgb(v, scale);
      ctx.fillStyle = k === 1 ? COLORS.padding : k === 3 ? COLORS.inserted : color ? css(color) : COLORS.empty;
      ctx.fillRect(x, y, cell, cell);
      if (k === 1) hatch(ctx, x, y, cell, COLORS.paddingHatch);
      if (showNumbers && v !== null && !Number.isNaN(v)) {
        ctx.fillStyle = k === 1 || k === 3 || !color ? COLORS.muted : ink(color);
        fitText(ctx, fmt(v), x + cell / 2, y + cell / 2 + 1, cell - 8);
      }
    }
  }
  ctx.strokeStyle = COLORS.gridLine;
  ctx.lineWidth = 1;
  ctx.strokeRect(sl.x + 0.5, sl.y + 0.5, sl.cols * cell, sl.rows * cell); // the slice's edge, at any cell size
  if (cell >= 6) {
    ctx.strokeStyle = COLORS.gridLine;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r <= sl.rows; r += 1) {
      ctx.moveTo(sl.x, sl.y + r * cell + 0.5);
      ctx.lineTo(sl.x + sl.cols * cell, sl.y + r * cell + 0.5);
    }
    for (let c = 0; c <= sl.cols; c += 1) {
      ctx.moveTo(sl.x + c * cell + 0.5, sl.y);
      ctx.lineTo(sl.x + c * cell + 0.5, sl.y + sl.rows * cell);
    }
    ctx.stroke();
  }
  if (label) {
    ctx.fillStyle = COLORS.label;
    ctx.font = "13px system-ui, sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(label, sl.x, sl.y - 4);
  }
}

/** Draw `text` centred at (x, y), shrinking the current font until it is at most `room` wide. */
function fitText(ctx, text, x, y, room) {
  const width = ctx.measureText(text).width;
  if (width <= room) {
    ctx.fillText(text, x, y);
    return;
  }
  const font = ctx.font;
  const size = Number.parseFloat(font);
  ctx.font = font.replace(/^[\d.]+px/, `${Math.max(7, Math.floor((size * room) / width))}px`);
  ctx.fillText(text, x, y);
  ctx.font = font;
}

/** Outline cells (r, c) of a slice: a dark line with a white halo, readable on any colour. */
export function outlineCells(
  ctx,
  sl,
  cell,
  cells,
  { color = COLORS.window, width = SIZES.windowLine, fill = null, dash = null } = {},
) {
  for (const [r, c] of cells) {
    const x = sl.x + c * cell;
    const y = sl.y + r * cell;
    if (fill) {
      ctx.fillStyle = fill;
      ctx.fillRect(x, y, cell, cell);
    }
    const w = Math.min(width, Math.max(1, cell / 6));
    ctx.setLineDash(dash || []);
    ctx.strokeStyle = COLORS.windowHalo;
    ctx.lineWidth = w + 2;
    ctx.strokeRect(x + w / 2, y + w / 2, cell - w, cell - w);
    ctx.strokeStyle = color;
    ctx.lineWidth = w;
    ctx.strokeRect(x + w / 2, y + w / 2, cell - w, cell - w);
    ctx.setLineDash([]);
  }
}

/** Shade the whole slice except its cells in `keep` (to say "this channel is not read"). */
export function dimSlice(ctx, sl, cell) {
  ctx.fillStyle = COLORS.dim;
  ctx.fillRect(sl.x, sl.y, sl.cols * cell, sl.rows * cell);
}

/** Cross out cells (r, c): used for input rows/columns no window ever covers. */
export function crossCells(ctx, sl, cell, cells) {
  ctx.strokeStyle = COLORS.uncovered;
  ctx.lineWidth = Math.max(1, cell / 22);
  ctx.beginPath();
  for (const [r, c] of cells) {
    const x = sl.x + c * cell;
    const y = sl.y + r * cell;
    const m = cell * 0.12;
    ctx.moveTo(x + m, y + m);
    ctx.lineTo(x + cell - m, y + cell - m);
    ctx.moveTo(x + cell - m, y + m);
    ctx.lineTo(x + m, y + cell - m);
  }
  ctx.stroke();
}

/** A diamond in cell (r, c): dark with a white halo, so it reads on any colour. */
export function diamond(ctx, sl, cell, r, c) {
  const d = Math.max(3, cell * 0.14); // in the top-right corner, clear of the number
  const x = sl.x + (c + 1) * cell - d - 3;
  const y = sl.y + r * cell + d + 3;
  ctx.beginPath();
  ctx.moveTo(x, y - d);
  ctx.lineTo(x + d, y);
  ctx.lineTo(x, y + d);
  ctx.lineTo(x - d, y);
  ctx.closePath();
  ctx.lineWidth = 2;
  ctx.strokeStyle = COLORS.windowHalo;
  ctx.fillStyle = COLORS.window;
  ctx.stroke();
  ctx.fill();
}
