// f(x) = max(0, x) drawn over the range of the input, with the current step's
// (input, output) pair, as the trace gives it, marked on the curve.

import { COLORS } from "../core/config.js";
import { fmt } from "./colors.js";
import { fit } from "./grid.js";

export class CurveView {
  constructor(canvas) {
    this.canvas = canvas;
    this.size = 220;
  }

  resize() {
    this.size = Math.max(160, Math.min(280, this.canvas.parentElement.clientWidth));
  }

  /** `range`: largest |x| shown; `point`: [x, f(x)] from the trace, or null. */
  draw(range, point) {
    const s = this.size;
    const ctx = fit(this.canvas, s, s);
    const pad = 28;
    const span = Math.max(1, range);
    const X = (x) => pad + ((x + span) / (2 * span)) * (s - 2 * pad);
    const Y = (y) => s - pad - ((y + span) / (2 * span)) * (s - 2 * pad);
    ctx.strokeStyle = COLORS.gridLine;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(X(-span), Y(0));
    ctx.lineTo(X(span), Y(0));
    ctx.moveTo(X(0), Y(-span));
    ctx.lineTo(X(0), Y(span));
    ctx.stroke();
    ctx.fillStyle = COLORS.muted;
    ctx.font = "12px system-ui, sans-serif";
    ctx.fillText("x", X(span) - 10, Y(0) - 6);
    ctx.strokeStyle = COLORS.window;
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(X(-span), Y(0));
    ctx.lineTo(X(0), Y(0));
    ctx.lineTo(X(span), Y(span));
    ctx.stroke();
    if (!point) return;
    const [x, y] = point;
    ctx.fillStyle = COLORS.hover;
    ctx.strokeStyle = COLORS.windowHalo;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(X(x), Y(y), 7, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = COLORS.label;
    ctx.font = "bold 13px system-ui, sans-serif";
    const label = `f(${fmt(x)}) = ${fmt(y)}`;
    const width = ctx.measureText(label).width;
    // right of the dot when it fits, else left of it; above the dot, or below near the top
    const lx = X(x) + 12 + width <= s - 4 ? X(x) + 12 : X(x) - 12 - width;
    const ly = Y(y) - 12 >= 16 ? Y(y) - 12 : Y(y) + 24;
    ctx.fillText(label, Math.max(4, lx), ly);
  }
}
