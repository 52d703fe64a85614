// max_pool2d, avg_pool2d and lp_pool2d on the player page: the windowed view
// without a kernel, the maximum marked, and each window's arithmetic.

import { fmt } from "../../../render/colors.js";
import { WindowedView } from "../../../render/windowed.js";
import { el, replace } from "../../../widgets/dom.js";
import { narrateWindow } from "../arithmetic.js";
import { renderFormula } from "../formula.js";

const num = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));

/** The window's cells as [value, kind] pairs, row by row (kind from the header's cell map). */
function cells(h, step) {
  return step.rows.flatMap((r, i) => step.cols.map((c, j) => [step.values[i][j], h.cells[r]?.[c] ?? 2]));
}

function renderMax(_container, h, step) {
  const [ti, tj] = step.argmax_tap;
  const [y, x] = step.argmax_yx;
  const shown = cells(h, step)
    .filter(([, kind]) => kind === 0)
    .map(([v]) => fmt(v));
  const lines = [
    el(
      "p",
      { class: "sum" },
      shown.length ? `max(${shown.join(", ")}) = ${fmt(step.value)}` : `max of padding only = ${fmt(step.value)}`,
    ),
    ti >= 0
      ? el(
          "p",
          {},
          `The maximum sits at window row ${ti}, column ${tj}: input row ${y}, column ${x} (PyTorch's index ${step.argmax}).`,
        )
      : el("p", {}, "This window reads only padding, so its maximum is −∞."),
  ];
  if (h.padding.flat().some((p) => p > 0))
    lines.push(el("p", { class: "hint" }, "Max pooling pads with −∞, so padding never wins."));
  return lines;
}

function renderAvg(_container, h, step) {
  const terms = cells(h, step)
    .filter(([, kind]) => kind === 0 || (kind === 1 && h.padding_counts))
    .map(([v]) => num(v));
  const why = h.divisor_rule; // the engine's words for what the mean divides by
  return [
    el(
      "p",
      { class: "sum" },
      `(${terms.join(" + ")}) / ${fmt(step.divisor)} = ${fmt(step.sum)} / ${fmt(step.divisor)} = ${fmt(step.value)}`,
    ),
    el("p", { class: "hint" }, `Divided by ${fmt(step.divisor)}: ${why}.`),
  ];
}

function renderLp(_container, h, step) {
  const p = h.params.norm_type;
  const inside = cells(h, step)
    .filter(([, kind]) => kind === 0)
    .map(([v]) => v);
  const powers = inside.map((v) => (p === 2 ? `${num(v)}²` : `|${fmt(v)}|^${fmt(p)}`));
  const text =
    p === 2
      ? `sqrt(${powers.join(" + ")}) = sqrt(${fmt(step.sum)}) = ${fmt(step.value)}`
      : `(${powers.join(" + ")})^(1/${fmt(p)}) = (${fmt(step.sum)})^(1/${fmt(p)}) = ${fmt(step.value)}`;
  const lines = [el("p", { class: "sum" }, text)];
  if (step.scale !== 1) {
    lines.push(
      el(
        "p",
        { class: "hint" },
        `This window hangs over the edge: PyTorch multiplies the sum by ${fmt(step.scale)} (kernel cells / cells inside) before the root.`,
      ),
    );
  }
  return lines;
}

const RENDER = { max_pool2d: renderMax, avg_pool2d: renderAvg, lp_pool2d: renderLp };

function renderPoolStep(container, h, step) {
  if (!step) return replace(container, el("p", {}, "Waiting for the trace…"));
  const [c, oy, ox] = step.cell;
  const where = el("p", { class: "where" }, `channel ${c}, output row ${oy}, column ${ox}`);
  if (step.values === undefined) {
    return replace(
      container,
      where,
      el("p", {}, `value ${fmt(step.value)}`),
      el("p", { class: "hint" }, "This trace is large, so it was streamed compact (positions and values only)."),
    );
  }
  return replace(container, where, RENDER[h.op](container, h, step));
}

function renderSide(container, h, onUsePadding) {
  renderFormula(container, h, onUsePadding);
  const [c, hi, wi] = h.input_shape;
  const [, ho, wo] = h.output_shape;
  // h.reduction: the engine's words for what becomes of the values (only max pooling discards any)
  container.append(
    el(
      "p",
      { class: "formula-shape" },
      `Depth stays ${c}; ${hi} × ${wi} becomes ${ho} × ${wo} (${hi * wi * c} values in, ${ho * wo * c} out). ${h.reduction}`,
    ),
  );
}

export default {
  createView: (canvases) => new WindowedView(canvases, { marker: true }),
  renderStep: renderPoolStep,
  narrate: narrateWindow,
  renderSide,
  captions(h) {
    const [c, hp, wp] = h.padded_shape;
    const [, hi, wi] = h.input_shape;
    const pads = hp !== hi || wp !== wi ? `, padded to ${hp} × ${wp}` : "";
    return { input: `${c} × ${hi} × ${wi}${pads}`, output: h.output_shape.join(" × ") };
  },
};
