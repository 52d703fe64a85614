// The question card on a student's page: the teacher's exercise (prompt, figures, code), an
// answer field or choices, and Send. The server judges the answer (docs/CLASSROOM.md: `answer`,
// then `answered`, later `reveal`); this card only shows. A student may change their answer
// until the reveal; the reveal shows right or wrong, the expected answer and the explanation.
// The card's state is in data-state: open, sent, revealed.

import { FORMATS, parseAnswer } from "../pages/lesson/exercise.js";
import { figureView } from "../pages/lesson/figures.js";
import { el, replace } from "../widgets/dom.js";
import { answerLabel } from "./histogram.js";

export class QuestionCard {
  /** `node`: the (empty) card element; `send(answer)` returns false when the channel is down;
   * `say(text)` announces; `onClose()` when the student closes a revealed question. */
  constructor(node, send, say, onClose) {
    this.node = node;
    this.send = send;
    this.say = say;
    this.onClose = onClose;
    this.question = null;
    this.sent = null;
    this.justSent = false;
  }

  clear() {
    this.question = null;
    this.node.hidden = true;
    replace(this.node);
  }

  /** A question from the teacher (`question.id` tells one from the next); `fresh`: not shown on an earlier page. */
  show(question, fresh = true) {
    if (this.question?.id === question.id) return;
    this.question = question;
    this.sent = null;
    this.node.hidden = false;
    this.node.dataset.state = "open";
    const id = "class-q";
    const figures = Array.isArray(question.figures) && question.figures.length ? question.figures.map(figureView) : [];
    this.status = el("p", { class: "class-q-status" });
    this.inputError = el("p", { class: "class-q-error", id: `${id}-error`, hidden: "" });
    this.form = el(
      "form",
      { class: "class-q-form", novalidate: "" },
      this.answerField(id),
      el("button", { type: "submit", class: "primary class-q-send" }, "Send"),
      this.inputError,
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.verdict = el("div", { class: "class-q-verdict", hidden: "" });
    replace(
      this.node,
      el("h2", { class: "class-q-title", id: `${id}-title` }, "Question from the teacher"),
      el("p", { class: "class-q-prompt", id: `${id}-prompt` }, String(question.prompt ?? "")),
      figures.length ? el("div", { class: "class-q-figures" }, figures) : null,
      question.code ? el("pre", { class: "class-q-code" }, el("code", {}, String(question.code))) : null,
      this.form,
      this.status,
      this.verdict,
    );
    if (fresh) this.say("The teacher asked a question.");
  }

  answerField(id) {
    const q = this.question;
    this.input = null;
    this.radios = null;
    if (q.answer_format === "choice") {
      this.radios = (q.choices ?? []).map((_c, i) =>
        el("input", { type: "radio", name: `${id}-choice`, value: String(i), id: `${id}-choice-${i}` }),
      );
      return el(
        "fieldset",
        { class: "class-q-choices", "aria-describedby": `${id}-prompt` },
        el("legend", {}, "Your answer"),
        q.choices.map((choice, i) =>
          el("label", { class: "choice", for: `${id}-choice-${i}` }, this.radios[i], " ", choice),
        ),
      );
    }
    const format = FORMATS[q.answer_format] ?? FORMATS.number;
    this.input = el("input", {
      type: "text",
      id: `${id}-answer`,
      class: "class-q-answer",
      autocomplete: "off",
      inputmode: format.inputmode,
      spellcheck: "false",
      "aria-describedby": `${id}-prompt`,
    });
    return el(
      "span",
      { class: "class-q-answer-row" },
      el("label", { for: `${id}-answer` }, "Your answer"),
      this.input,
      q.unit ? el("span", { class: "class-q-unit" }, String(q.unit)) : null,
    );
  }

  submit() {
    const q = this.question;
    let answer;
    if (this.radios) {
      const picked = this.radios.find((radio) => radio.checked);
      if (!picked) return this.complain("Pick one of the choices first.", this.radios[0]);
      answer = Number(picked.value);
    } else {
      const format = FORMATS[q.answer_format] ? q.answer_format : "number";
      answer = parseAnswer(this.input.value, format);
      if (answer === null) return this.complain(FORMATS[format].hint, this.input);
    }
    this.inputError.hidden = true;
    this.input?.removeAttribute("aria-invalid");
    this.justSent = true;
    if (!this.send(answer)) {
      this.justSent = false;
      this.status.textContent = "Not sent: the connection is down. Try again in a moment.";
      this.say(this.status.textContent);
    }
  }

  complain(message, field) {
    this.inputError.textContent = message;
    this.inputError.hidden = false;
    if (field === this.input) {
      this.input.setAttribute("aria-invalid", "true");
      this.input.setAttribute("aria-describedby", "class-q-error class-q-prompt");
    }
    field?.focus();
  }

  /** The server has the answer (`message.answer`, as it read it). */
  answered(message) {
    if (!this.question || message.question !== this.question.id) return;
    this.sent = message.answer;
    this.node.dataset.state = "sent";
    this.status.textContent = `Your answer (${answerLabel(message.answer, this.question)}) was sent. You can change it until the teacher reveals the answer.`;
    if (this.justSent) this.say("Answer sent.");
    this.justSent = false;
    if (this.input && document.activeElement !== this.input)
      this.input.value = answerLabel(message.answer, this.question);
    if (this.radios) {
      const i = Number.isInteger(message.answer)
        ? message.answer
        : (this.question.choices ?? []).indexOf(message.answer);
      if (this.radios[i]) this.radios[i].checked = true; // the server reads a choice as its text
    }
  }

  /** The teacher revealed the answer: right or wrong, the expected answer and why; `fresh`: not shown before. */
  reveal(message, fresh = true) {
    if (!this.question || message.question !== this.question.id) return;
    this.node.dataset.state = "revealed";
    for (const field of this.form.querySelectorAll("input, button")) field.disabled = true;
    const expected = answerLabel(message.expected, this.question);
    let headline;
    let kind;
    if (message.correct === true) [kind, headline] = ["correct", `Right: the answer is ${expected}.`];
    else if (message.correct === false)
      [kind, headline] = [
        "incorrect",
        `Not quite: you answered ${answerLabel(message.answer, this.question)}, the answer is ${expected}.`,
      ];
    else [kind, headline] = ["revealed", `You did not answer. The answer is ${expected}.`];
    const icons = { correct: "✓", incorrect: "✗", revealed: "→" };
    this.verdict.className = `class-q-verdict verdict-${kind}`;
    replace(
      this.verdict,
      el(
        "p",
        { class: "class-q-headline" },
        el("span", { class: "class-q-icon", "aria-hidden": "true" }, icons[kind]),
        " ",
        headline,
      ),
      message.explanation ? el("p", { class: "class-q-explanation" }, String(message.explanation)) : null,
      this.closeButton(),
    );
    this.verdict.hidden = false;
    this.status.textContent = "";
    if (fresh) this.say(headline);
  }

  closeButton() {
    const button = el("button", { type: "button", class: "class-q-close" }, "Close the question");
    button.addEventListener("click", () => {
      this.clear();
      this.onClose?.();
    });
    return button;
  }

  /** An error the server sent about this student's answer. */
  error(text) {
    if (!this.question) return false;
    this.status.textContent = `Not accepted: ${text}`;
    this.say(this.status.textContent);
    return true;
  }
}
