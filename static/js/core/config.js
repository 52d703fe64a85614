// Every visual constant in one place: colours, sizes, timings.
// Colours are from palettes that colour-blind viewers can tell apart (Okabe-Ito,
// and a purple-orange diverging scale); nothing is shown by red vs green alone.

export const COLORS = {
  negative: [84, 39, 136], // purple end of the diverging scale (PuOr)
  zero: [247, 247, 247],
  positive: [179, 88, 6], // orange end
  empty: "#f1f2f4", // an output cell not computed yet
  gridLine: "#b8bcc4",
  padding: "#e6e7ea",
  paddingHatch: "#9aa0aa",
  overhang: "#cfd2d8",
  uncovered: "rgba(27, 27, 31, 0.6)",
  window: "#111111",
  windowHalo: "#ffffff",
  hover: "#0072b2", // Okabe-Ito blue
  hoverFill: "rgba(0, 114, 178, 0.22)",
  dim: "rgba(255, 255, 255, 0.72)",
  label: "#1b1b1f",
  muted: "#55585e",
};

export const SIZES = {
  maxCell: 52, // px (CSS) for the largest cell
  minNumberCell: 22, // below this, cells show colour only
  gap: 14, // between depth slices
  labelHeight: 20,
  windowLine: 3,
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
  ink: [27, 27, 31], // a digit's darkest pixel (16); 0 is white
  runs: {
    transfer: { color: "#0072b2", dash: [], label: "frozen features + new last layer" }, // Okabe-Ito blue, solid
    scratch: { color: "#d55e00", dash: [7, 5], label: "whole network from scratch" }, // Okabe-Ito vermillion, dashed
  },
  chartHeight: 220,
  presentZoom: 1.75, // every size above, times this, while presenting (html.present)
  epochsPerSecond: 60, // how fast the curves draw the epochs that have arrived
};
