// The network's answer: one bar per class it knows (0-4) with the probability it gives it,
// the API's prediction marked. Widths are set through the CSSOM (the page's CSP forbids style="...").

import { el } from "../../widgets/dom.js";

/** "99.9%", "0.3%", "<0.1%": a probability as a person reads it. */
export function percent(p) {
  if (p > 0 && p < 0.001) return "<0.1%";
  return `${(p * 100).toFixed(1)}%`;
}

export function probabilityBars(probabilities, classes, prediction) {
  const top = classes.indexOf(prediction);
  return el(
    "ol",
    { class: "tl-bars", "aria-label": "probability of each class" },
    probabilities.map((p, i) => {
      const fill = el("span", { class: "tl-bar-fill" });
      fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      return el(
        "li",
        { class: `tl-bar${i === top ? " top" : ""}`, "data-class": String(classes[i]), "data-probability": String(p) },
        el("span", { class: "tl-bar-class" }, String(classes[i])),
        el("span", { class: "tl-bar-track" }, fill),
        el(
          "span",
          { class: "tl-bar-value" },
          percent(p),
          i === top ? el("span", { class: "tl-bar-top" }, " ◆ answer") : null,
        ),
      );
    }),
  );
}
