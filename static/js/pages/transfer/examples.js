// The few new examples a training run was given (the header's `examples`), one row per digit.

import { TRANSFER } from "../../core/config.js";
import { el, replace } from "../../widgets/dom.js";
import { zoom } from "./cells.js";
import { digitCanvas } from "./gallery.js";

export function renderExamples(container, header) {
  const rows = header.classes.map((digit) => {
    const mine = header.examples.filter((e) => e.label === digit);
    return el(
      "li",
      { class: "tl-examples-row", "data-label": String(digit) },
      el("span", { class: "tl-examples-label" }, `${digit}`),
      el(
        "span",
        { class: "tl-examples-items" },
        mine.map((e) => {
          const canvas = digitCanvas(
            e.pixels,
            Math.round(TRANSFER.exampleCell * zoom()),
            `a ${digit}, training image ${e.index}`,
          );
          canvas.dataset.index = String(e.index);
          return canvas;
        }),
      ),
    );
  });
  replace(container, rows);
}
