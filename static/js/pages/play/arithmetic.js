// The arithmetic of the current step, in words and numbers, from the step record.

import { fmt } from "../../render/colors.js";
import { el, replace } from "../../widgets/dom.js";

const num = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));

/** "1×0 + 2×1 + ..." for one channel of a conv2d step. */
function terms(values, weights) {
  return values.flatMap((row, i) => row.map((v, j) => `${num(v)}×${num(weights[i][j])}`)).join(" + ");
}

export function renderConvStep(container, header, step) {
  if (!step) return replace(container, el("p", {}, "Waiting for the trace…"));
  const [f, oy, ox] = step.cell;
  const where = `filter ${f}, output row ${oy}, column ${ox}`;
  if (step.values === undefined) {
    return replace(
      container,
      el("p", {}, `${where}: value ${fmt(step.value)}`),
      el(
        "p",
        { class: "hint" },
        "This trace is large, so it was streamed compact (positions and values only). Make the input smaller to see every product.",
      ),
    );
  }
  const channels = header.filter_channels[f];
  const lines = [el("p", { class: "where" }, where)];
  channels.forEach((c, k) => {
    const label = channels.length > 1 ? `channel ${c}: ` : "";
    lines.push(
      el("p", { class: "sum" }, `${label}${terms(step.values[k], header.weight[f][k])} = ${fmt(step.partial_sums[k])}`),
    );
  });
  const partials = step.partial_sums.map(num);
  const biasText = header.bias ? ` + bias ${num(step.bias)}` : "";
  const total =
    channels.length > 1
      ? `${partials.join(" + ")}${biasText} = ${fmt(step.value)}`
      : `${partials[0]}${biasText} = ${fmt(step.value)}`;
  lines.push(el("p", { class: "total" }, total));
  return replace(container, lines);
}

/** One sentence for the live region: what this step of a windowed op did. */
export function narrateWindow(header, step, total) {
  if (!step) return "";
  const [f, oy, ox] = step.cell;
  const rows = header.geometry.height.taps[oy];
  const cols = header.geometry.width.taps[ox];
  const what = header.op === "conv2d" ? "filter" : "channel";
  const maps = header.output_shape[0] > 1 ? `${what} ${f}, ` : "";
  return (
    `Step ${step.index + 1} of ${total}: ${maps}output row ${oy}, column ${ox}. ` +
    `The window covers padded rows ${rows[0]} to ${rows[rows.length - 1]} and columns ${cols[0]} to ${cols[cols.length - 1]}. ` +
    `Value ${fmt(step.value)}.`
  );
}
