// Every visual constant in one place: sizes and timings here; colours in static/palette.json,
// the one palette the PNG/GIF renderer, the image pages and the CSS read too (docs/PALETTE.md).
// Colours are from palettes that colour-blind viewers can tell apart (Okabe-Ito,
// and a purple-orange diverging scale); nothing is shown by red vs green alone.

import PALETTE from "../../palette.json" with { type: "json" };

export { PALETTE };

/** "#rrggbb" or "#rgb" -> [r, g, b]. */
export function hexRgb(hex) {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((d) => d + d).join("") : hex.slice(1);
  return [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16));
}

// The cell drawings' colours (palette "cell": empty = an output cell not computed yet, ...) and the
// diverging scale's three stops as [r, g, b] (purple, near white, orange: PuOr).
export const COLORS = {
  ...PALETTE.cell,
  negative: hexRgb(PALETTE.scale.negative),
  zero: hexRgb(PALETTE.scale.zero),
  positive: hexRgb(PALETTE.scale.positive),
};

export const SIZES = {
  maxCell: 52, // px (CSS) for the largest cell
  minNumberCell: PALETTE.layout.minNumberCell, // below this, cells show colour only
  gap: PALETTE.layout.gap, // between depth slices
  labelHeight: PALETTE.layout.labelHeight,
  windowLine: PALETTE.layout.windowLine,
};

export const SPEEDS = [0.5, 1, 2, 4, 8, 15, 30, 60, 120, 250, 500]; // steps per second
export const DEFAULT_SPEED = 2;
export const NARRATE_MAX_SPEED = 2; // above this, the live region is not updated every step
export const URL_WRITE_MS = 400; // while playing, the URL's step is written at most this often

// The transfer-learning view (/play/transfer): cell sizes of its small grids, the two runs' colours, the pace of the curves.
export const TRANSFER = {
  filterCell: 30, // px: one weight of a 3x3 first-layer filter
  mapSize: 56, // px: the largest feature map, whatever its rows and columns (8x8 maps: 7 px cells; 2x2: 28 px)
  mapsPerLine: 8, // maps shrink (whole-pixel cells) until this many fit on a line
  mapGap: 5, // px between maps
  inputSize: 96, // px: the input digit among the feature maps
  vectorCell: 14, // px: one of the 64 flattened values
  vectorPerRow: 16,
  galleryCell: 5, // px: one pixel of a gallery digit (8x8 -> 40 px)
  exampleCell: 4, // px: one pixel of a training example
  ink: hexRgb(PALETTE.transfer.ink), // a digit's darkest pixel (16); 0 is white
  runs: {
    transfer: { color: PALETTE.transfer.runTransfer, dash: [], label: "frozen features + new last layer" }, // Okabe-Ito blue, solid
    scratch: { color: PALETTE.transfer.runScratch, dash: [7, 5], label: "whole network from scratch" }, // Okabe-Ito vermillion, dashed
  },
  chartHeight: 220,
  presentZoom: 1.75, // every size above, times this, while presenting (html.present)
  epochsPerSecond: 60, // how fast the curves draw the epochs that have arrived
};
