// An exercise's figures as small HTML tables: text a screen reader can read cell by cell,
// with row and column numbers (counted from 0, as the prompts count them).

import { el } from "../../widgets/dom.js";

function isPlane(values) {
  return Array.isArray(values) && values.every((row) => Array.isArray(row) && row.every((v) => typeof v === "number"));
}

export function formatNumber(value) {
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value).replace("-", "−");
  return String(Number(value.toFixed(2))).replace("-", "−");
}

function table(plane, caption) {
  const width = plane[0]?.length ?? 0;
  const head = el(
    "tr",
    {},
    el("td", { class: "corner" }),
    ...Array.from({ length: width }, (_, j) => el("th", { scope: "col", class: "index" }, String(j))),
  );
  const rows = plane.map((row, i) =>
    el(
      "tr",
      {},
      el("th", { scope: "row", class: "index" }, String(i)),
      ...row.map((v) => el("td", v < 0 ? { class: "neg" } : {}, formatNumber(v))),
    ),
  );
  return el("table", { class: "matrix" }, el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, rows));
}

/** One figure: a table for a 2-D list, one table per channel for a 3-D list. */
export function figureView(figure) {
  const { label, values } = figure;
  if (isPlane(values)) return el("div", { class: "figure" }, table(values, label));
  if (Array.isArray(values) && values.every(isPlane)) {
    const many = values.length > 1;
    return el(
      "div",
      { class: "figure figure-3d" },
      values.map((plane, c) => table(plane, many ? `${label}, channel ${c}` : label)),
    );
  }
  throw new Error(`figure "${label}" is not a 2-D or 3-D list of numbers`);
}
