// Value -> colour on the one diverging scale (static/palette.json "scale": purple-orange, zero
// near white), a text colour that stays readable on it, and a number's text. The PNG/GIF renderer
// follows the same rules (app/images/palette.py, app/export/render_png.py; docs/PALETTE.md).

import { COLORS, hexRgb, PALETTE } from "../core/config.js";

const LEVELS = PALETTE.scale.levels;

/** Shade i of LEVELS from zero towards `end`, each channel rounded half up. */
function shade(end, i) {
  return COLORS.zero.map((z, k) => Math.floor(z + ((end[k] - z) * i) / LEVELS + 0.5));
}

// The scale's 2 * LEVELS + 1 shades, most negative first: SHADES[LEVELS] is zero's.
const SHADES = [];
for (let i = LEVELS; i > 0; i -= 1) SHADES.push(shade(COLORS.negative, i));
for (let i = 0; i <= LEVELS; i += 1) SHADES.push(shade(COLORS.positive, i));
const EMPTY = hexRgb(COLORS.empty);

/**
 * [r, g, b] for value v on the scale symmetric around 0 reaching `scale` (maxAbs): t = v / scale
 * clamped to [-1, 1] (so ±Infinity are its ends), one of LEVELS shades each side of zero, the
 * nearest (a tie away from zero). NaN: the empty cell's colour. A scale that is not a positive
 * finite number puts every finite value at zero.
 */
export function rgb(v, scale) {
  if (Number.isNaN(v)) return EMPTY;
  const t = scale > 0 && scale < Infinity ? Math.max(-1, Math.min(1, v / scale)) : 0;
  if (Number.isNaN(t)) return EMPTY;
  const k = Math.sign(t) * Math.floor(Math.abs(t) * LEVELS + 0.5);
  return SHADES[LEVELS + k];
}

export function css([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

/** Dark or light, whichever contrasts more with the background [r, g, b] (WCAG luminance). */
export function ink([r, g, b]) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return lum > PALETTE.scale.inkLuminance ? COLORS.inkDark : COLORS.inkLight;
}

/**
 * A number's text (docs/PALETTE.md): none for NaN or null, ∞ and −∞, a whole number below 10^15 in
 * full, from 1000 up a mantissa with one decimal (1.2e+4), from 100 up one decimal, else two,
 * trailing zeros dropped, -0 as 0. A tie rounds away from zero (toFixed on the exact double).
 */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "";
  if (v === Infinity) return "∞";
  if (v === -Infinity) return "−∞";
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e15) return String(v);
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
