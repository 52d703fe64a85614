// ReLU on the player page: input, mask and output cell by cell, and the curve
// f(x) = max(0, x) with the current value on it.

import { fmt } from "../../../render/colors.js";
import { CurveView } from "../../../render/curve.js";
import { ElementwiseView } from "../../../render/elementwise.js";
import { el, replace } from "../../../widgets/dom.js";

// PyTorch's mask is x > 0: at exactly 0 the output is 0 either way, and no gradient flows back.
const ZERO =
  "Zero: the output is 0 either way; the mask is 0, as in PyTorch, where no gradient flows back through a 0.";

export default {
  createView: (canvases) =>
    new ElementwiseView(canvases, { flag: "zeroed", curve: canvases.curve ? new CurveView(canvases.curve) : null }),
  renderStep(container, _h, step) {
    if (!step) return replace(container, el("p", {}, "Waiting for the trace…"));
    const [c, y, x] = step.cell;
    const zeroed = step.zeroed;
    return replace(
      container,
      el("p", { class: "where" }, `channel ${c}, row ${y}, column ${x}`),
      el("p", { class: "total" }, `max(0, ${fmt(step.input)}) = ${fmt(step.value)}`),
      el(
        "p",
        {},
        zeroed
          ? step.input === 0
            ? ZERO
            : "Negative: ReLU sets it to 0 (mask 0)."
          : "Positive: it passes unchanged (mask 1).",
      ),
    );
  },
  narrate(h, step, total) {
    if (!step) return "";
    const [c, y, x] = step.cell;
    const ch = h.input_shape[0] > 1 ? `channel ${c}, ` : "";
    return `Step ${step.index + 1} of ${total}: ${ch}row ${y}, column ${x}. max(0, ${fmt(step.input)}) = ${fmt(step.value)}.`;
  },
  renderSide(container, h, _use, done) {
    const total = h.steps.total;
    const zeroed = done ? done.zeroed : null;
    replace(
      container,
      el("p", { class: "formula-eq" }, "f(x) = max(0, x)"),
      el(
        "p",
        {},
        "Every negative value becomes 0 and every positive value passes unchanged; a 0 stays 0. The mask is 1 where x > 0 and 0 everywhere else, at 0 too, as in PyTorch. The shape does not change, and there is nothing to learn: ReLU has no parameters.",
      ),
      zeroed === null
        ? null
        : el(
            "p",
            { class: "formula-shape" },
            `${total - zeroed} of ${total} values were positive and pass (mask 1); ${zeroed} were negative or 0 and are now 0 (mask 0).`,
          ),
      el(
        "p",
        { class: "hint" },
        'Nair & Hinton (2010), "Rectified Linear Units Improve Restricted Boltzmann Machines"; Krizhevsky, Sutskever & Hinton (2012) showed deep CNNs train several times faster with ReLU than with tanh.',
      ),
    );
  },
  captions(h) {
    const shape = h.input_shape.join(" × ");
    return { input: shape, mask: "1 passes, 0 zeroed", output: shape, curve: "" };
  },
};
