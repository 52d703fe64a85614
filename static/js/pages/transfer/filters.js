// The first layer's 3x3 filters, enlarged, on the diverging colour map (one scale for all of
// them, so they compare), each with its numbers in its title and in data-values.

import { COLORS, TRANSFER } from "../../core/config.js";
import { fmt, maxAbs } from "../../render/colors.js";
import { el, replace } from "../../widgets/dom.js";
import { diverging, gridLines, paintCells, zoom } from "./cells.js";

const rowsText = (kernel) => kernel.map((row) => row.map(fmt).join("  ")).join("\n");

/**
 * `filters`: (8, 1, 3, 3) weights; `bias`: (8,). Hovering or focusing a filter writes its numbers
 * in `readout`. Returns the largest |weight| (the colour scale).
 */
export function renderFilters(container, filters, bias, readout) {
  const scale = maxAbs(filters);
  const colour = diverging(scale);
  const per = container.clientWidth >= 600 ? 8 : 4; // filters on a line: all, or two lines of four
  const fits = Math.floor((container.clientWidth - (per - 1) * 16) / per / 3);
  const cell = Math.max(12, Math.min(Math.round(TRANSFER.filterCell * zoom()), fits));
  const items = filters.map((filter, f) => {
    const kernel = filter[0];
    const canvas = el("canvas", { class: "tl-filter", role: "img" });
    const ctx = paintCells(canvas, kernel, cell, colour);
    gridLines(ctx, kernel.length, kernel[0].length, cell, COLORS.gridLine);
    const words = `filter ${f + 1} weights, row by row:\n${rowsText(kernel)}\nbias ${fmt(bias[f])}`;
    canvas.setAttribute("aria-label", words.replace(/\n/g, "; "));
    canvas.dataset.values = JSON.stringify(kernel);
    const item = el(
      "figure",
      { class: "tl-filter-item", title: words, "data-filter": String(f), tabindex: "0" },
      canvas,
      el("figcaption", {}, `filter ${f + 1}`),
    );
    const show = () =>
      replace(
        readout,
        el("strong", {}, `Filter ${f + 1}`),
        ` weights ${kernel.map((row) => `[${row.map(fmt).join(", ")}]`).join(" ")}, bias ${fmt(bias[f])}`,
      );
    item.addEventListener("mouseenter", show);
    item.addEventListener("focus", show);
    return item;
  });
  replace(container, items);
  return scale;
}
