// The "Train on a few new examples" panel: ask the server whether the settings are accepted
// (GET /api/transfer/train/check, always 200), then read GET /api/transfer/train's NDJSON lines
// into `state` as they arrive, and draw the curves at TRANSFER.epochsPerSecond so the learner
// watches both runs learn (all at once for people who asked for reduced motion). A token stops
// the loop of an older run when Train is pressed again.
//
// state = {query, header, epochs: [epoch frames received], done, shown (epochs drawn), finished, error}

import { check, streamNdjson } from "../../core/api.js";
import { TRANSFER } from "../../core/config.js";
import { el, replace } from "../../widgets/dom.js";
import { zoom } from "./cells.js";
import { draw } from "./curves.js";
import { renderExamples } from "./examples.js";
import { count } from "./network.js";
import { percent } from "./probabilities.js";
import { lossText, RUNS, renderResults } from "./results.js";

const ACCURACY_TICKS = [0, 0.25, 0.5, 0.75, 1];

/** Round ticks from 0 to at least x: a step of 1, 2 or 5 times a power of ten, at most 5 steps. */
export function niceTicks(x) {
  if (!(x > 0)) return [0, 1];
  const rough = x / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s * 5 >= x * (1 - 1e-12));
  const ticks = [];
  for (let i = 0; i * step < x * (1 - 1e-12) + step; i += 1) ticks.push(Number((i * step).toPrecision(6)));
  return ticks;
}

export class Training {
  /** `ui`: {form, fields: {name: input}, error, examples, accuracy, loss, live, table, sentence, run}. */
  constructor(ui, state, onFinished) {
    this.ui = ui;
    this.state = state;
    this.onFinished = onFinished;
    this.token = 0;
    this.controller = null;
    this.still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new ResizeObserver(() => this.drawCharts()).observe(ui.accuracy.parentElement);
  }

  reset(query) {
    Object.assign(this.state, { query, header: null, epochs: [], done: null, shown: 0, finished: false, error: null });
    this.ui.error.hidden = true;
    for (const input of Object.values(this.ui.fields)) input.removeAttribute("aria-invalid");
    replace(this.ui.sentence);
    replace(this.ui.table);
  }

  fail(message, param = null) {
    this.state.error = message;
    replace(this.ui.error, el("strong", {}, "Not trained: "), message);
    this.ui.error.hidden = false;
    this.ui.fields[param]?.setAttribute("aria-invalid", "true");
    this.ui.live.textContent = "";
  }

  async run(query) {
    const mine = ++this.token;
    this.controller?.abort();
    this.controller = new AbortController();
    const { signal } = this.controller;
    this.reset(query);
    this.ui.live.textContent = "Checking the settings…";
    try {
      await check(`/api/transfer/train/check?${query}`, { signal });
      if (mine !== this.token) return;
      this.ui.live.textContent = "Training…";
      this.ui.run.hidden = false;
      this.animate(mine);
      await streamNdjson(`/api/transfer/train?${query}`, (frame) => this.receive(frame, mine), { signal });
      if (mine === this.token && !this.state.done) this.fail("the training stream ended before its last line.");
    } catch (err) {
      if (err.name === "AbortError" || mine !== this.token) return;
      if (err.verdict)
        this.fail(err.message, err.param); // the check refused these settings
      else this.fail(`the training could not be read: ${err.message || err}`);
    }
  }

  receive(frame, mine) {
    if (mine !== this.token) return;
    if (frame.type === "header") {
      this.state.header = frame;
      renderExamples(this.ui.examples, frame);
      for (const node of document.querySelectorAll(".tl-trainable[data-run]")) {
        node.textContent = ` (${count(frame.trainable[node.dataset.run])} trainable parameters)`;
      }
    } else if (frame.type === "epoch") {
      this.state.epochs.push(frame);
    } else if (frame.type === "done") {
      this.state.done = frame;
    }
  }

  animate(mine) {
    let last = performance.now();
    const tick = (now) => {
      if (mine !== this.token || this.state.error) return;
      const received = this.state.epochs.length;
      const step = this.still ? Infinity : ((now - last) / 1000) * TRANSFER.epochsPerSecond;
      last = now;
      this.state.shown = Math.min(received, this.state.shown + step);
      this.drawCharts();
      if (this.state.done && this.state.shown >= received) {
        this.finish();
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  finish() {
    const { header, done } = this.state;
    this.state.shown = this.state.epochs.length;
    renderResults(this.ui.table, this.ui.sentence, header, done);
    this.ui.live.textContent = `Done: ${done.epochs} epochs.`;
    this.state.finished = true;
    this.onFinished?.();
  }

  /** Draw the examples and charts again at the current size (presentation mode on or off). */
  redraw() {
    if (this.state.header) renderExamples(this.ui.examples, this.state.header);
    this.drawCharts();
  }

  /** Both charts, with the epochs shown so far (nothing before a header has arrived). */
  drawCharts() {
    const { header, epochs } = this.state;
    if (!header) return;
    const shown = epochs.slice(0, Math.floor(this.state.shown));
    const series = (key) => RUNS.map((run) => ({ ...TRANSFER.runs[run], values: shown.map((e) => e[run][key]) }));
    const width = Math.max(240, Math.floor(this.ui.accuracy.parentElement.clientWidth));
    const base = { width, height: Math.round(TRANSFER.chartHeight * zoom()), epochs: header.epochs, zoom: zoom() };
    draw(this.ui.accuracy, {
      ...base,
      yMax: 1,
      ticks: ACCURACY_TICKS,
      format: (y) => `${Math.round(y * 100)}%`,
      series: series("test_accuracy"),
    });
    const lossTicks = niceTicks(Math.max(0, ...epochs.map((e) => Math.max(e.transfer.loss, e.scratch.loss))));
    draw(this.ui.loss, {
      ...base,
      yMax: lossTicks.at(-1),
      ticks: lossTicks,
      format: (y) => String(y),
      series: series("loss"),
    });
    const now = shown.at(-1);
    if (now && !this.state.finished) {
      this.ui.live.textContent =
        `Epoch ${now.epoch} of ${header.epochs}: held-out accuracy ${percent(now.transfer.test_accuracy)} ` +
        `(frozen + new layer) and ${percent(now.scratch.test_accuracy)} (from scratch); training loss ` +
        `${lossText(now.transfer.loss)} and ${lossText(now.scratch.loss)}.`;
    }
  }
}
