// Value -> colour on a purple-orange diverging scale (zero is near white), and a
// text colour that stays readable on it.

import { COLORS } from "../core/config.js";

function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

/** [r, g, b] for value v on a scale symmetric around 0 reaching maxAbs. */
export function rgb(v, maxAbs) {
  if (!Number.isFinite(v)) return [255, 255, 255];
  const t = maxAbs > 0 ? Math.max(-1, Math.min(1, v / maxAbs)) : 0;
  return t >= 0 ? mix(COLORS.zero, COLORS.positive, t) : mix(COLORS.zero, COLORS.negative, -t);
}

export function css([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

/** Black or white, whichever contrasts more with the background [r, g, b]. */
export function ink([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return lum > 0.179 ? "#111111" : "#ffffff";
}

/** Short, exact-looking text for a value: integers as is, others to 2 decimals. */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "";
  if (v === Infinity) return "∞";
  if (v === -Infinity) return "−∞";
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toExponential(1);
  return String(Number(v.toFixed(a >= 100 ? 1 : 2)));
}

/** Largest |value| among finite numbers in a nested array (1 if none). */
export function maxAbs(nested) {
  let m = 0;
  const walk = (x) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === "number" && Number.isFinite(x)) m = Math.max(m, Math.abs(x));
  };
  walk(nested);
  return m || 1;
}
