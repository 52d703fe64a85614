// The two runs' figures after the last epoch (the stream's done frame), side by side, and one
// sentence with both held-out accuracies. Both are printed; neither is called the winner.

import { el, replace } from "../../widgets/dom.js";
import { count } from "./network.js";

export const RUNS = ["transfer", "scratch"];
const TITLES = { transfer: "Frozen features + new last layer", scratch: "Whole network from scratch" };

/** "89.8% (202 of 225)": a share of `total` items, with the count it stands for. */
export function share(accuracy, total) {
  return `${(accuracy * 100).toFixed(1)}% (${Math.round(accuracy * total)} of ${total})`;
}

/** A loss as a person reads it: 3 decimals, or 3 significant digits when that would show 0.000 (0.0000625). */
export function lossText(loss) {
  return loss >= 0.001 || loss === 0 ? loss.toFixed(3) : String(Number(loss.toPrecision(3)));
}

/** share() as nodes: the count kept on one line ("89.8% " then "(202 of 225)"). */
function shareCell(accuracy, total) {
  const [pct, rest] = share(accuracy, total).split(/ (?=\()/);
  return [`${pct} `, el("span", { class: "tl-nowrap" }, rest)];
}

/** Fill `table` (thead/tbody) and `sentence` from the header and the done frame. */
export function renderResults(table, sentence, header, done) {
  const trained = header.examples.length;
  const rows = [
    ["Trainable parameters", (run) => count(header.trainable[run])],
    [`Held-out accuracy (${header.held_out} new digits)`, (run) => shareCell(done[run].test_accuracy, header.held_out)],
    [`Training accuracy (${trained} examples)`, (run) => shareCell(done[run].train_accuracy, trained)],
    ["Training loss", (run) => lossText(done[run].loss)],
  ];
  replace(
    table,
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, `After ${done.epochs} epochs`),
        RUNS.map((run) => el("th", { scope: "col", class: `run-${run}` }, TITLES[run])),
      ),
    ),
    el(
      "tbody",
      {},
      rows.map(([name, value]) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, name),
          RUNS.map((run) => el("td", { class: `run-${run}` }, value(run))),
        ),
      ),
    ),
  );
  replace(
    sentence,
    el("strong", {}, "Held-out accuracy: "),
    `${share(done.transfer.test_accuracy, header.held_out)} with frozen features and a new last layer`,
    ` vs ${share(done.scratch.test_accuracy, header.held_out)} from scratch, after ${done.epochs} epochs on ${header.shots} examples of each new digit.`,
  );
}
