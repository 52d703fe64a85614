// The lesson pages: exercises, the output-size calculator and the "done" mark on a lesson
// (/lessons/{slug}), and the table of contents with progress (/lessons).
// `window.convscope` exposes the state for tests: {ready, exercises, done}.

import { specs } from "../../core/specs.js";
import { el, replace } from "../../widgets/dom.js";
import { mountCalculator } from "./calculator.js";
import { Exercise } from "./exercise.js";
import { fitFramesToTheirWidgets } from "./frames.js";
import { doneSlugs, isDone, resetProgress, setDone } from "./progress.js";
import { randomSeed, urlSeed, useMaxSeed, wrapSeed } from "./seeds.js";

const $ = (id) => document.getElementById(id);
const api = { ready: false, exercises: [], done: false };
window.convscope = api;

async function lessonPage(article) {
  fitFramesToTheirWidgets(article);
  const slug = article.dataset.slug;
  const button = $("btn-done");
  const status = $("done-status");

  const paint = () => {
    const done = isDone(slug);
    api.done = done;
    button.setAttribute("aria-pressed", String(done));
    button.textContent = done ? "✓ Done" : "Mark as done";
    button.classList.toggle("is-done", done);
  };
  const mark = (done, message) => {
    const saved = setDone(slug, done);
    paint();
    status.textContent = saved ? message : "This browser is not saving progress (storage is off or full).";
  };
  button.addEventListener("click", () => {
    const done = !isDone(slug);
    mark(done, done ? "Lesson marked as done." : "Lesson no longer marked as done.");
  });
  paint();
  for (const node of article.querySelectorAll(".shape-calculator")) mountCalculator(node);

  const exerciseNodes = [...article.querySelectorAll(".exercise")];
  if (!exerciseNodes.length) return;
  try {
    useMaxSeed((await specs()).limits.max_seed);
  } catch (error) {
    for (const node of exerciseNodes) {
      node.dataset.state = "error";
      replace(
        node,
        el("p", { class: "exercise-error", role: "alert" }, `This exercise could not be drawn: ${error.message}`),
      );
    }
    return;
  }
  const base = urlSeed();
  const exercises = exerciseNodes.map(
    (node, i) =>
      new Exercise(node, i, base === null ? randomSeed() : wrapSeed(base + i), () => {
        if (exercises.every((e) => e.solved) && !isDone(slug)) {
          mark(true, "Every exercise answered right: lesson marked as done.");
        }
      }),
  );
  api.exercises = exercises;
  if (base !== null && exercises.length) {
    const note = $("seed-note");
    note.textContent = `Everyone opening this link gets the same exercises (exercise seed ${base}).`;
    note.hidden = false;
  }
  await Promise.all(exercises.map((e) => e.load()));
}

function indexPage() {
  const summary = $("progress-summary");
  const items = [...document.querySelectorAll(".toc-item")];
  const paint = (message = "") => {
    const done = new Set(doneSlugs());
    for (const item of items) {
      const mark = item.querySelector(".toc-done");
      mark.hidden = !done.has(item.dataset.slug);
      item.classList.toggle("is-done", done.has(item.dataset.slug));
    }
    const count = items.filter((item) => done.has(item.dataset.slug)).length;
    summary.textContent = `${message}${count} of ${items.length} lessons done.`;
    api.done = count;
  };
  $("btn-reset").addEventListener("click", () => {
    paint(resetProgress() ? "Progress cleared. " : "This browser would not clear progress. ");
  });
  paint();
  return Promise.resolve();
}

const article = $("lesson");
(article ? lessonPage(article) : indexPage()).finally(() => {
  api.ready = true;
});
