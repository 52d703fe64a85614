// One digit through the network: every layer's output as the API computed it
// (GET /api/transfer/activations). Maps on the diverging colour map, one scale per layer
// (its largest |value|, printed); hovering a cell writes its value in the readout. Maps are as
// large as TRANSFER.mapSize allows while TRANSFER.mapsPerLine of them fit the width, with whole-pixel cells.

import { COLORS, TRANSFER } from "../../core/config.js";
import { fmt, maxAbs } from "../../render/colors.js";
import { el, replace } from "../../widgets/dom.js";
import { cellAt, diverging, gridLines, paintCells, zoom } from "./cells.js";
import { count, shapeText } from "./network.js";
import { probabilityBars } from "./probabilities.js";

const DESCRIBE = {
  input: "the digit, each pixel 0 to 1",
  flatten: "pool2's 16 maps of 2×2, one after another, 16 to a row",
  fc: "one score per class 0-4",
  softmax: "the scores as probabilities",
};

function hoverable(canvas, values, cell, where, readout) {
  const show = (event) => {
    const { r, c } = cellAt(event, cell);
    if (values[r] === undefined || values[r][c] === undefined) return;
    readout.textContent = `${where(r, c)}: ${fmt(values[r][c])}`;
  };
  canvas.addEventListener("pointermove", show); // a mouse pointing
  canvas.addEventListener("pointerdown", show); // a finger tapping
}

function mapCanvas(values, size, colour, label, where, readout) {
  const cell = size / values[0].length;
  const canvas = el("canvas", { class: "tl-map", role: "img", "aria-label": label, title: label });
  const ctx = paintCells(canvas, values, cell, colour);
  if (cell >= 12) gridLines(ctx, values.length, values[0].length, cell, COLORS.gridLine);
  hoverable(canvas, values, cell, where, readout);
  return canvas;
}

/** The side of one map of `cols` columns in a body `width` px wide: whole-pixel cells, mapsPerLine to a line. */
export function mapSide(width, cols) {
  const per = TRANSFER.mapsPerLine;
  const fits = Math.floor((width - (per - 1) * TRANSFER.mapGap) / per / cols) * cols;
  return Math.max(cols * 2, Math.min(Math.floor((TRANSFER.mapSize * zoom()) / cols) * cols, fits));
}

function mapsOf(layer, colour, readout, width) {
  const cols = layer.shape[2];
  const size =
    layer.name === "input"
      ? Math.min(Math.floor((TRANSFER.inputSize * zoom()) / cols) * cols, width)
      : mapSide(width, cols);
  return layer.values.map((map, m) => {
    const label = layer.values.length === 1 ? layer.name : `${layer.name} map ${m + 1}`;
    return mapCanvas(map, size, colour, label, (r, c) => `${label}, row ${r + 1}, column ${c + 1}`, readout);
  });
}

function vectorOf(layer, colour, readout) {
  const per = TRANSFER.vectorPerRow;
  const rows = [];
  for (let i = 0; i < layer.values.length; i += per) rows.push(layer.values.slice(i, i + per));
  const canvas = el("canvas", {
    class: "tl-map tl-vector",
    role: "img",
    "aria-label": `the ${layer.values.length} values of ${layer.name}`,
  });
  const cell = Math.round(TRANSFER.vectorCell * zoom());
  const ctx = paintCells(canvas, rows, cell, colour);
  gridLines(ctx, rows.length, per, cell, COLORS.gridLine);
  hoverable(canvas, rows, cell, (r, c) => `${layer.name} value ${r * per + c + 1} of ${layer.values.length}`, readout);
  return [canvas];
}

function scoresOf(layer, colour, classes) {
  return [
    el(
      "ol",
      { class: "tl-scores", "aria-label": "scores" },
      layer.values.map((v, i) => {
        const cell = el(
          "li",
          { class: "tl-score", "data-class": String(classes[i]) },
          el("span", { class: "tl-score-class" }, String(classes[i])),
          el("span", { class: "tl-score-value" }, fmt(v)),
        );
        cell.style.backgroundColor = colour(v);
        return cell;
      }),
    ),
  ];
}

function row(layer, modules, classes, prediction, readout, width) {
  const scale = maxAbs(layer.values);
  const colour = diverging(scale);
  const module = modules[layer.name];
  let body;
  if (layer.name === "softmax") body = [probabilityBars(layer.values, classes, prediction)];
  else if (layer.name === "fc") body = scoresOf(layer, colour, classes);
  else if (layer.shape.length === 1) body = vectorOf(layer, colour, readout);
  else body = mapsOf(layer, colour, readout, width);
  const maps =
    layer.shape.length === 3 && layer.shape[0] > 1
      ? `${count(layer.shape[0])} maps of ${layer.shape[1]}×${layer.shape[2]}`
      : null;
  const head = el(
    "div",
    { class: "tl-row-head" },
    el("span", { class: "tl-row-name" }, layer.name),
    el("span", { class: "tl-row-shape" }, shapeText(layer.shape)),
    module ? el("code", { class: "tl-row-module" }, module) : null,
    el("span", { class: "tl-row-note" }, maps ?? DESCRIBE[layer.name] ?? ""),
    layer.name === "softmax" ? null : el("span", { class: "tl-row-scale" }, `colour scale ±${fmt(scale)}`),
  );
  return el(
    "li",
    { class: `tl-row tl-row-${layer.name}`, "data-layer": layer.name },
    head,
    el("div", { class: "tl-row-body" }, body),
  );
}

/** The width of a row's body in `list` as laid out now (a probe row is added and removed). */
function bodyWidth(list) {
  const probe = el("li", { class: "tl-row" }, el("div", { class: "tl-row-head" }), el("div", { class: "tl-row-body" }));
  list.append(probe);
  const width = probe.lastChild.clientWidth;
  probe.remove();
  return width;
}

/** Fill `list` with one row per layer of `answer`; `model` gives the modules and the classes 0-4. Returns the list's width. */
export function renderMaps(list, answer, model, readout) {
  const modules = Object.fromEntries(model.layers.map((l) => [l.name, l.module]));
  modules.softmax = "softmax";
  replace(list);
  const width = bodyWidth(list);
  replace(
    list,
    answer.layers.map((layer) => row(layer, modules, model.classes, answer.prediction, readout, width)),
  );
  readout.textContent = "Point at (or tap) a cell for its value.";
  return list.clientWidth; // what the maps were fitted to
}
