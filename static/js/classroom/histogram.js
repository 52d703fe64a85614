// The class's answers as a histogram: one bar per answer given, most first, with its count, and
// "3 of 3 answered" above. HTML, not a canvas: a screen reader reads each answer and its count,
// and the bars follow the page's theme (presentation mode included). After the reveal the right
// answer's bar is marked (a tick and the word, never colour alone).

import { formatNumber } from "../pages/lesson/figures.js";
import { el, replace } from "../widgets/dom.js";

/** An answer as the person gave it: a choice's text for a choice question, else the number. */
export function answerLabel(answer, question) {
  if (question?.answer_format === "choice" && Array.isArray(question.choices)) {
    if (Number.isInteger(answer) && answer >= 0 && answer < question.choices.length) return question.choices[answer];
  }
  return formatNumber(answer);
}

function isExpected(answer, expected, question) {
  if (expected === undefined || expected === null) return false;
  if (answerLabel(answer, question) === answerLabel(expected, question)) return true;
  const tolerance = question?.tolerance;
  return typeof answer === "number" && typeof expected === "number" && Math.abs(answer - expected) <= (tolerance ?? 0);
}

/** "3 of 3 answered" */
export function answeredText(answered, present) {
  return `${answered} of ${present} answered`;
}

/**
 * Draw the tally into `node`. `tally`: {counts: [{answer, count}], answered, present};
 * `question`: the exercise (for choice texts); `expected`: the right answer once revealed.
 */
export function renderHistogram(node, tally, question, expected) {
  const counts = Array.isArray(tally?.counts) ? tally.counts : [];
  const most = Math.max(1, ...counts.map((c) => c.count));
  const total = el("p", { class: "class-answered" }, answeredText(tally?.answered ?? 0, tally?.present ?? 0));
  const bars = counts.map(({ answer, count }) => {
    const right = isExpected(answer, expected, question);
    const bar = el("span", { class: "class-bar" });
    bar.style.width = `${(100 * count) / most}%`; // CSSOM, allowed by the style-src 'self' policy
    return el(
      "li",
      { class: right ? "class-bar-row is-right" : "class-bar-row" },
      el(
        "span",
        { class: "class-bar-label" },
        right ? "✓ " : "",
        answerLabel(answer, question),
        right ? " (right)" : "",
      ),
      el("span", { class: "class-bar-track", "aria-hidden": "true" }, bar),
      el("span", { class: "class-bar-count" }, String(count)),
    );
  });
  const list = counts.length
    ? el("ul", { class: "class-histogram", "aria-label": "Answers so far" }, bars)
    : el("p", { class: "class-histogram-empty" }, "No answers yet.");
  replace(node, total, list);
}
