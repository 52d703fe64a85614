// The network as a row of layer boxes (module, output shape, parameters), each marked with what
// happens to it when the network is reused for the new digits: frozen (lock) or replaced (trains).
// Every figure is the API's (GET /api/transfer/model).

import { el, replace } from "../../widgets/dom.js";

const SVG = "http://www.w3.org/2000/svg";

/** A small padlock, drawn (no emoji font needed), hidden from screen readers: the badge says "frozen". */
function lock() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "14");
  svg.setAttribute("height", "14");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "lock");
  const shackle = document.createElementNS(SVG, "path");
  shackle.setAttribute("d", "M4.5 7V5a3.5 3.5 0 0 1 7 0v2");
  shackle.setAttribute("fill", "none");
  shackle.setAttribute("stroke", "currentColor");
  shackle.setAttribute("stroke-width", "1.8");
  const body = document.createElementNS(SVG, "rect");
  body.setAttribute("x", "2.5");
  body.setAttribute("y", "7");
  body.setAttribute("width", "11");
  body.setAttribute("height", "8");
  body.setAttribute("rx", "1.5");
  body.setAttribute("fill", "currentColor");
  svg.append(shackle, body);
  return svg;
}

export const shapeText = (shape) => shape.join("×");
export const count = (n) => n.toLocaleString("en-US");

function badge(role) {
  if (role === "frozen") return el("span", { class: "tl-badge frozen" }, lock(), " frozen");
  return el("span", { class: "tl-badge replaced" }, "replaced: trains");
}

function box(layer) {
  return el(
    "li",
    {
      class: `tl-layer ${layer.when_reused}${layer.params ? " has-params" : ""}`,
      "data-layer": layer.name,
      "data-role": layer.when_reused,
    },
    el("span", { class: "tl-layer-name" }, layer.name),
    el("code", { class: "tl-module" }, layer.module),
    el("span", { class: "tl-out" }, "out ", el("strong", {}, shapeText(layer.output))),
    el("span", { class: "tl-params" }, layer.params ? `${count(layer.params)} params` : "no params"),
    badge(layer.when_reused),
  );
}

/** Fill the list `ol` with the input and one box per layer of `model`. */
export function renderNetwork(ol, model) {
  const input = el(
    "li",
    { class: "tl-layer input", "data-layer": "input" },
    el("span", { class: "tl-layer-name" }, "input"),
    el("span", { class: "tl-module" }, "an 8×8 digit"),
    el("span", { class: "tl-out" }, el("strong", {}, shapeText(model.input))),
  );
  replace(ol, input, model.layers.map(box));
}
