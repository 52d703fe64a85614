// The augmentation gallery: one request to GET /api/augment per card, pictures from the PNG
// endpoints it names, every parameter and difference number as the engine drew them.
// Sample, seed and the difference toggle live in the URL. `window.convscope` exposes
// {ready, answers} for tests.

import { getJson } from "../../core/api.js";
import { readQuery, updateQuery } from "../../core/state.js";
import { showCredit } from "../../widgets/credit.js";

const SCALE = 3; // each image pixel shown as 3x3 screen pixels
const $ = (id) => document.getElementById(id);
const form = { sample: $("sample"), seed: $("seed"), diff: $("show-diff"), newSeed: $("new-seed") };
const MAX_SEED = Number(form.seed.max); // the server's MAX_SEED, in the template
const isSeed = (seed) => Number.isSafeInteger(seed) && seed >= 0 && seed <= MAX_SEED;
const cards = [...document.querySelectorAll("#gallery .card")];
const api = { ready: false, answers: {} };
window.convscope = api;
let sequence = 0;

function readUrl() {
  const params = readQuery();
  const sample = params.get("sample");
  if (sample && [...form.sample.options].some((o) => o.value === sample)) form.sample.value = sample;
  const seed = Number(params.get("seed"));
  if (params.has("seed") && isSeed(seed)) form.seed.value = String(seed);
  form.diff.checked = params.get("diff") === "1";
}

function writeUrl() {
  updateQuery({ sample: form.sample.value, seed: form.seed.value, diff: form.diff.checked ? "1" : null });
}

const fmt = (x, digits = 2) => Number(x.toFixed(digits)).toString();
const signed = (x, digits = 2) => (x > 0 ? "+" : "") + fmt(x, digits);

// Words for what was done, from the parameters the engine drew.
function describe(op, p, sample) {
  switch (op) {
    case "original":
      return `the ${sample} sample, unchanged`;
    case "grayscale":
      return "converted to grayscale with the ITU-R 601-2 weights 0.299 R + 0.587 G + 0.114 B";
    case "hflip":
      return "flipped left to right";
    case "vflip":
      return "flipped top to bottom";
    case "crop":
      return `a ${p.size[0]}x${p.size[1]} crop from row ${p.top}, column ${p.left} of the image padded with ${p.padding} black pixels`;
    case "jitter": {
      const parts = p.order.map((name) =>
        name === "hue" ? `hue shifted by ${signed(p.hue, 3)} turn` : `${name} x${fmt(p[name], 3)}`,
      );
      return parts.length ? `colour-jittered: ${parts.join(", then ")}` : "colour jitter with every range 0: unchanged";
    }
    case "translate": {
      const h = p.dx === 0 ? "" : `${Math.abs(p.dx)} px ${p.dx > 0 ? "right" : "left"}`;
      const v = p.dy === 0 ? "" : `${Math.abs(p.dy)} px ${p.dy > 0 ? "down" : "up"}`;
      return h || v
        ? `shifted ${[h, v].filter(Boolean).join(" and ")}, the gap filled with black`
        : "shifted by 0 px: unchanged";
    }
    case "rotate":
      return `rotated ${fmt(Math.abs(p.angle))} degrees ${p.angle >= 0 ? "counter-clockwise" : "clockwise"} (${p.resample}), corners filled with black`;
    default:
      return op;
  }
}

function paramsText(op, p) {
  const entries = Object.entries(p).filter(([key]) => !(op === "grayscale" && key === "num_output_channels"));
  if (!entries.length) return "no random parameters";
  return entries.map(([key, value]) => `${key}=${Array.isArray(value) ? `[${value.join(", ")}]` : value}`).join("  ");
}

function diffText(d) {
  const [r, g, b] = d.mean_abs.map((v) => fmt(v, 1));
  return `Mean |change| R ${r}, G ${g}, B ${b}; ${fmt(d.changed * 100, 1)}% of pixels changed`;
}

function loaded(img) {
  return new Promise((resolve, reject) => {
    if (img.complete && img.naturalWidth > 0) resolve();
    img.addEventListener("load", () => resolve(), { once: true });
    img.addEventListener("error", () => reject(new Error(`the picture ${img.src} did not load`)), { once: true });
  });
}

function fetchAnswer(op, sample, seed) {
  return getJson(`/api/augment?${new URLSearchParams({ sample, op, seed })}`);
}

function showCard(card, answer, showDiff) {
  const img = card.querySelector("img");
  const what = describe(answer.op, answer.params, answer.sample);
  img.src = showDiff ? answer.diff_image : answer.image;
  img.width = answer.shape[1] * SCALE;
  img.height = answer.shape[0] * SCALE;
  img.alt = showDiff
    ? `Difference heat map (bright = changed) for: ${what}; label ${answer.label}`
    : `${what[0].toUpperCase()}${what.slice(1)}; label ${answer.label}`;
  card.querySelector(".label-value").textContent = answer.label;
  card.querySelector(".params").textContent = paramsText(answer.op, answer.params);
  card.querySelector(".diff-numbers").textContent = diffText(answer.diff);
  return loaded(img);
}

async function render() {
  const mine = ++sequence;
  api.ready = false;
  const seed = Number(form.seed.value);
  const error = $("error");
  if (!isSeed(seed)) {
    error.textContent = `seed: got ${form.seed.value || "nothing"}; must be a whole number from 0 to ${MAX_SEED}`;
    error.hidden = false;
    return;
  }
  writeUrl();
  const sample = form.sample.value;
  const showDiff = form.diff.checked;
  document.getElementById("augment").classList.toggle("showing-diff", showDiff);
  $("status").textContent = "Computing…";
  try {
    const answers = await Promise.all(cards.map((card) => fetchAnswer(card.dataset.op, sample, seed)));
    if (mine !== sequence) return;
    error.hidden = true;
    $("label").textContent = answers[0].label;
    showCredit($("credit"), answers[0].credit);
    api.answers = Object.fromEntries(answers.map((a) => [a.op, a]));
    await Promise.all(cards.map((card, i) => showCard(card, answers[i], showDiff)));
    if (mine !== sequence) return;
    $("status").textContent =
      `${answers.length} pictures of "${answers[0].label}", seed ${seed}${showDiff ? ", difference view" : ""}`;
    api.ready = true;
  } catch (err) {
    if (mine !== sequence) return;
    error.textContent = `Could not show the gallery: ${err.message}`;
    error.hidden = false;
    $("status").textContent = "";
  }
}

form.sample.addEventListener("change", render);
form.diff.addEventListener("change", render);
form.seed.addEventListener("change", render);
form.newSeed.addEventListener("click", () => {
  form.seed.value = String(Math.floor(Math.random() * 1_000_000));
  render();
});
$("augment-form").addEventListener("submit", (event) => {
  event.preventDefault();
  render();
});

readUrl();
render();
