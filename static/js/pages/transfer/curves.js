// A chart of one figure per epoch for the two training runs, drawn up to the epochs shown so far.
// Stateless: draw(canvas, chart) paints everything from what it is given.
//
// chart = {width, height, epochs (the x axis runs 1..epochs), yMax, ticks (y values with a line),
//          format(y) -> tick text, series: [{values: [y per epoch shown], color, dash}], zoom (text and margins, 1)}

import { COLORS } from "../../core/config.js";
import { fit } from "../../render/grid.js";

const MARGIN = { left: 46, right: 14, top: 10, bottom: 34 };
const FONT_PX = 12;

/** About four round epoch numbers to label the x axis with: 1, then multiples of 1, 2, 5, 10, 20, 25, 50... */
export function epochTicks(epochs) {
  const steps = [1, 2, 5, 10, 20, 25, 50, 100];
  const step = steps.find((s) => epochs / s <= 5) ?? 100;
  const ticks = [1];
  for (let t = step; t <= epochs; t += step) if (t > 1) ticks.push(t);
  return ticks;
}

export function draw(canvas, chart) {
  const { width, height, epochs, yMax } = chart;
  const z = chart.zoom ?? 1;
  const pad = Object.fromEntries(Object.entries(MARGIN).map(([k, v]) => [k, v * z]));
  const ctx = fit(canvas, width, height);
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const X = (epoch) => pad.left + (epochs > 1 ? ((epoch - 1) / (epochs - 1)) * w : w / 2);
  const Y = (y) => pad.top + h - (Math.max(0, Math.min(yMax, y)) / yMax) * h;
  ctx.font = `${FONT_PX * z}px system-ui, sans-serif`;
  ctx.lineWidth = 1;
  ctx.strokeStyle = COLORS.gridLine;
  ctx.fillStyle = COLORS.muted;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of chart.ticks) {
    ctx.beginPath();
    ctx.moveTo(pad.left, Math.round(Y(t)) + 0.5);
    ctx.lineTo(pad.left + w, Math.round(Y(t)) + 0.5);
    ctx.stroke();
    ctx.fillText(chart.format(t), pad.left - 6, Y(t));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of epochTicks(epochs)) {
    ctx.beginPath();
    ctx.moveTo(Math.round(X(t)) + 0.5, pad.top + h);
    ctx.lineTo(Math.round(X(t)) + 0.5, pad.top + h + 4 * z);
    ctx.stroke();
    ctx.fillText(String(t), X(t), pad.top + h + 6 * z);
  }
  ctx.fillText("epoch", pad.left + w / 2, pad.top + h + 19 * z);
  ctx.lineJoin = "round";
  for (const s of chart.series) {
    if (!s.values.length) continue;
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2.5 * z;
    ctx.setLineDash(s.dash.map((d) => d * z));
    ctx.beginPath();
    for (const [i, y] of s.values.entries()) {
      if (i) ctx.lineTo(X(i + 1), Y(y));
      else ctx.moveTo(X(i + 1), Y(y));
    }
    ctx.stroke();
    ctx.setLineDash([]);
    const last = s.values.length;
    ctx.beginPath();
    ctx.arc(X(last), Y(s.values[last - 1]), 3.5 * z, 0, 2 * Math.PI);
    ctx.fill();
  }
}
