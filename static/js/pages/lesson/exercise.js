// One "predict, then reveal" exercise, built inside a <div class="exercise" data-kind data-params>.
// The server draws the question (GET /api/exercises/{kind}) and judges the answer
// (POST /api/exercises/{kind}/answer); this file only shows them. The node's data-state
// says where it is: loading, ready, correct, incorrect, revealed or error.

import { getJson, postJson } from "../../core/api.js";
import { el, replace } from "../../widgets/dom.js";
import { figureView, formatNumber } from "./figures.js";
import { randomSeed, shareLink } from "./seeds.js";

export const FORMATS = {
  integer: { pattern: /^[+-]?\d+$/, hint: "Type a whole number, like 4.", inputmode: "numeric" },
  number: { pattern: /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/, hint: "Type a number, like 1.5.", inputmode: "decimal" },
};

function readParams(node) {
  const text = node.dataset.params;
  if (!text) return {};
  const parsed = JSON.parse(text);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("data-params must be a JSON object");
  }
  return parsed;
}

export function parseAnswer(text, format) {
  const clean = text.trim().replace(/\u2212/g, "-");
  if (!FORMATS[format].pattern.test(clean)) return null;
  return Number(clean.replace(",", "."));
}

export class Exercise {
  /** `onResult(exercise)` is called after every verdict; `index` numbers the exercise on its page. */
  constructor(node, index, seed, onResult) {
    this.node = node;
    this.index = index;
    this.seed = seed;
    this.onResult = onResult;
    this.kind = node.dataset.kind;
    this.solved = false; // answered right at least once on this visit
    this.data = null;
    this.id = `ex${index + 1}`;
    node.classList.add("exercise-box");
    node.setAttribute("role", "group");
    node.setAttribute("aria-labelledby", `${this.id}-title`);
  }

  set state(value) {
    this.node.dataset.state = value;
  }

  get state() {
    return this.node.dataset.state;
  }

  async load(seed = this.seed, { focus = false } = {}) {
    this.seed = seed;
    this.node.dataset.seed = String(seed);
    this.state = "loading";
    replace(this.node, this.header(), el("p", { class: "exercise-loading" }, "Drawing an exercise…"));
    try {
      this.params = readParams(this.node);
      const query = new URLSearchParams({ seed: String(seed) });
      for (const [key, value] of Object.entries(this.params)) query.set(key, String(value));
      this.data = await getJson(`/api/exercises/${encodeURIComponent(this.kind)}?${query}`);
      this.render();
      this.state = "ready";
      if (focus) (this.input ?? this.radios?.[0])?.focus();
    } catch (error) {
      this.showError(`This exercise could not be drawn: ${error.message}`);
    }
  }

  header() {
    return el(
      "div",
      { class: "exercise-head" },
      el("h3", { class: "exercise-title", id: `${this.id}-title` }, `Exercise ${this.index + 1}`),
      el(
        "span",
        { class: "exercise-seed" },
        "seed ",
        el(
          "a",
          { href: shareLink(this.seed, this.index), title: "A link that gives everyone this same exercise" },
          String(this.seed),
        ),
      ),
    );
  }

  render() {
    const d = this.data;
    const figures = d.figures.length ? el("div", { class: "exercise-figures" }, d.figures.map(figureView)) : null;
    const code = d.code ? el("pre", { class: "exercise-code" }, el("code", {}, d.code)) : null;
    this.feedback = el("div", {
      class: "exercise-feedback",
      id: `${this.id}-feedback`,
      tabindex: "-1",
      "aria-live": "polite",
    });
    this.inputError = el("p", { class: "exercise-input-error", id: `${this.id}-input-error`, hidden: "" });
    const form = el(
      "form",
      { class: "exercise-form", novalidate: "" },
      this.answerField(),
      el(
        "span",
        { class: "exercise-buttons" },
        el("button", { type: "submit", class: "primary" }, "Check"),
        this.button("Show the answer", "reveal", () => this.submit(null)),
        this.button("New exercise", "new", () => this.load(randomSeed(), { focus: true })),
      ),
      this.inputError,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.check();
    });
    replace(
      this.node,
      this.header(),
      el("p", { class: "exercise-prompt", id: `${this.id}-prompt` }, d.prompt),
      figures,
      code,
      form,
      this.feedback,
    );
  }

  button(label, name, action) {
    const button = el("button", { type: "button", class: `exercise-${name}` }, label);
    button.addEventListener("click", action);
    return button;
  }

  answerField() {
    const d = this.data;
    if (d.answer_format === "choice") {
      this.radios = d.choices.map((_choice, i) =>
        el("input", { type: "radio", name: `${this.id}-choice`, value: String(i), id: `${this.id}-choice-${i}` }),
      );
      return el(
        "fieldset",
        { class: "exercise-choices", "aria-describedby": `${this.id}-prompt` },
        el("legend", {}, "Your answer"),
        d.choices.map((choice, i) =>
          el("label", { class: "choice", for: `${this.id}-choice-${i}` }, this.radios[i], " ", choice),
        ),
      );
    }
    const format = FORMATS[d.answer_format];
    this.input = el("input", {
      type: "text",
      id: `${this.id}-answer`,
      class: "exercise-answer",
      autocomplete: "off",
      inputmode: format.inputmode,
      spellcheck: "false",
      "aria-describedby": `${this.id}-prompt`,
    });
    const unit = d.unit ? el("span", { class: "exercise-unit" }, d.unit) : null;
    const hint = d.answer_format === "number" ? el("span", { class: "exercise-hint" }, "(to 2 decimals)") : null;
    return el(
      "span",
      { class: "exercise-answer-row" },
      el("label", { for: `${this.id}-answer` }, "Your answer"),
      this.input,
      unit,
      hint,
    );
  }

  check() {
    const d = this.data;
    let answer;
    if (d.answer_format === "choice") {
      const picked = this.radios.find((radio) => radio.checked);
      if (!picked) return this.complain("Pick one of the choices first.", this.radios[0]);
      answer = Number(picked.value);
    } else {
      answer = parseAnswer(this.input.value, d.answer_format);
      if (answer === null) return this.complain(FORMATS[d.answer_format].hint, this.input);
    }
    this.inputError.hidden = true;
    this.input?.removeAttribute("aria-invalid");
    this.submit(answer, this.input ? this.input.value.trim() : d.choices[answer]);
  }

  complain(message, field) {
    this.inputError.textContent = message;
    this.inputError.hidden = false;
    if (field === this.input) {
      this.input.setAttribute("aria-invalid", "true");
      this.input.setAttribute("aria-describedby", `${this.id}-input-error ${this.id}-prompt`);
    }
    field.focus();
  }

  /** `said` is the answer as the learner gave it, for the feedback. */
  async submit(answer, said = "") {
    const body = { seed: this.seed, params: this.params, answer };
    let verdict;
    try {
      verdict = await postJson(`/api/exercises/${encodeURIComponent(this.kind)}/answer`, body);
    } catch (error) {
      this.showFeedback("error", "Could not check the answer", error.message);
      return;
    }
    const expected =
      typeof verdict.expected === "number" && Math.abs(verdict.expected) >= 10000
        ? verdict.expected.toLocaleString("en-US", { maximumFractionDigits: 2 }).replace("-", "−")
        : formatNumber(verdict.expected);
    if (answer === null) {
      this.state = "revealed";
      this.showFeedback("revealed", `The answer is ${expected}.`, verdict.explanation);
    } else if (verdict.correct) {
      this.state = "correct";
      this.solved = true;
      this.showFeedback("correct", `Correct: ${expected}.`, verdict.explanation);
    } else {
      this.state = "incorrect";
      this.showFeedback(
        "incorrect",
        `Not quite: you answered ${said}, the answer is ${expected}.`,
        verdict.explanation,
      );
    }
    this.onResult(this);
  }

  showFeedback(kind, headline, explanation) {
    const icons = { correct: "✓", incorrect: "✗", revealed: "→", error: "!" };
    this.feedback.className = `exercise-feedback feedback-${kind}`;
    replace(
      this.feedback,
      el(
        "p",
        { class: "feedback-headline" },
        el("span", { class: "feedback-icon", "aria-hidden": "true" }, icons[kind]),
        " ",
        headline,
      ),
      el("p", { class: "feedback-explanation" }, explanation),
    );
    this.feedback.focus();
  }

  showError(message) {
    this.state = "error";
    replace(this.node, this.header(), el("p", { class: "exercise-error", role: "alert" }, message));
  }
}
