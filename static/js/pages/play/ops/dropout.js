// Dropout on the player page: activations, the seeded mask, and the output,
// in training (survivors scaled by 1/(1 - p)) or evaluation (nothing dropped).

import { fmt } from "../../../render/colors.js";
import { ElementwiseView } from "../../../render/elementwise.js";
import { el, replace } from "../../../widgets/dom.js";

export default {
  createView: (canvases) => new ElementwiseView(canvases, { flag: "kept" }),
  renderStep(container, h, step) {
    if (!step) return replace(container, el("p", {}, "Waiting for the trace…"));
    const [c, y, x] = step.cell;
    const where = el("p", { class: "where" }, `channel ${c}, row ${y}, column ${x}`);
    if (!h.params.training) {
      return replace(
        container,
        where,
        el("p", { class: "total" }, `${fmt(step.input)} → ${fmt(step.value)}`),
        el("p", {}, "Evaluation: dropout passes every value through unchanged."),
      );
    }
    const kept = step.kept;
    return replace(
      container,
      where,
      el(
        "p",
        { class: "total" },
        kept ? `${fmt(step.input)} × ${fmt(h.scale)} = ${fmt(step.value)}` : `${fmt(step.input)} → 0`,
      ),
      el(
        "p",
        {},
        kept ? `Kept, and scaled by 1/(1 − p) = ${fmt(h.scale)}.` : "Dropped: set to 0 for this forward pass.",
      ),
    );
  },
  narrate(h, step, total) {
    if (!step) return "";
    const [c, y, x] = step.cell;
    const ch = h.input_shape[0] > 1 ? `channel ${c}, ` : "";
    const what = !h.params.training
      ? "passed through"
      : step.kept
        ? `kept and scaled to ${fmt(step.value)}`
        : "dropped";
    return `Step ${step.index + 1} of ${total}: ${ch}row ${y}, column ${x}: ${fmt(step.input)} ${what}.`;
  },
  renderSide(container, h, _use, done) {
    const p = h.params.p;
    if (!h.params.training) {
      return replace(
        container,
        el("p", { class: "formula-eq" }, "evaluation: y = x"),
        el(
          "p",
          {},
          "At test time dropout is switched off: nothing is dropped and nothing is scaled, so the output equals the input. (PyTorch: model.eval().)",
        ),
        el(
          "p",
          { class: "hint" },
          'Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov (2014), "Dropout: A Simple Way to Prevent Neural Networks from Overfitting".',
        ),
      );
    }
    const dropped = done ? done.dropped : null;
    const unit = h.params.variant === "dropout2d" ? "channel" : "value";
    return replace(
      container,
      el("p", { class: "formula-eq" }, `training: y = mask × x × 1/(1 − ${fmt(p)}) = mask × x × ${fmt(h.scale)}`),
      el(
        "p",
        {},
        `Each ${unit} is dropped with probability p = ${fmt(p)} and otherwise kept and multiplied by ${fmt(h.scale)}.`,
      ),
      el(
        "p",
        {},
        `Expected value of an output: (1 − ${fmt(p)}) × ${fmt(h.scale)} × x + ${fmt(p)} × 0 = x. So on average the next layer sees the same size of signal in training as in evaluation, when nothing is dropped.`,
      ),
      dropped === null
        ? null
        : el(
            "p",
            { class: "formula-shape" },
            `This mask (seed ${h.params.seed}) dropped ${dropped} of ${h.steps.total} values (${fmt(done.dropped_share * 100)}%).`,
          ),
      el(
        "p",
        { class: "hint" },
        'Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov (2014), "Dropout: A Simple Way to Prevent Neural Networks from Overfitting".',
      ),
    );
  },
  captions(h) {
    const shape = h.input_shape.join(" × ");
    const mask = h.params.training ? `1 kept (× ${fmt(h.scale)}), 0 dropped` : "evaluation: all kept";
    return { input: shape, mask, output: shape };
  },
};
