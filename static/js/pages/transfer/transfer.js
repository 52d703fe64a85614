// The transfer-learning view (/play/transfer, /embed/transfer): the trained network and what is
// frozen or replaced when it is reused, its first-layer filters, a held-out digit through every
// layer, and live training of a new last layer on frozen features vs the whole network from
// scratch. Every number shown comes from /api/transfer/*; the browser computes nothing of the network.
// `window.convscope` exposes the state for tests: {ready, model, gallery, activations, settings,
// training: {query, header, epochs, done, shown, finished, error}}.

import { ApiError, check, getJson } from "../../core/api.js";
import { el, replace } from "../../widgets/dom.js";
import { setFieldValue } from "../../widgets/params.js";
import { renderFilters } from "./filters.js";
import { Gallery } from "./gallery.js";
import { renderMaps } from "./maps.js";
import { count, renderNetwork } from "./network.js";
import { readSettings, trainQuery, writeSettings } from "./settings.js";
import { Training } from "./training.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["shots", "epochs", "lr", "seed"];
const fields = Object.fromEntries(FIELDS.map((name) => [name, $(`tl-${name}`)]));

const api = { ready: false, model: null, gallery: null, activations: null, settings: readSettings(), training: {} };
window.convscope = api;
let gallery = null;
let sequence = 0;
let mapsWidth = 0; // the width the maps were drawn for

const range = (digits) => `${digits[0]}-${digits.at(-1)}`;

function pageError(lead, message) {
  replace($("tl-error"), el("strong", {}, lead), message);
  $("tl-error").hidden = false;
}

function showModel(model) {
  const known = range(model.classes);
  const fresh = range(model.new_task.classes);
  replace(
    $("tl-net-summary"),
    `Trained on the handwritten digits ${known} (${count(model.split.train)} images, ${model.training.optimizer}, `,
    `${model.training.epochs} epochs): it gets ${model.held_out.correct} of ${model.held_out.total} held-out digits ${known} right. `,
    `${count(model.params)} parameters in all.`,
  );
  replace(
    $("tl-net-reuse"),
    `To recognise ${fresh} instead, the layers marked `,
    el("strong", {}, "frozen"),
    " are kept exactly as they are, and the last layer, ",
    "whose 5 outputs stand for ",
    known,
    ", is ",
    el("strong", {}, "replaced"),
    ` by a new one with 5 outputs for ${fresh}, `,
    `starting from random weights. Only it trains: ${count(model.new_task.trainable)} of the ${count(model.params)} parameters.`,
  );
  renderNetwork($("tl-net"), model);
  renderFilters($("tl-filters"), model.filters, model.filter_bias, $("tl-filter-readout"));
  $("tl-credit").textContent = `Data: ${model.data}.`;
  for (const node of document.querySelectorAll("[data-known]")) node.textContent = known;
  for (const node of document.querySelectorAll("[data-new]")) node.textContent = fresh;
}

function verdict(answer, model) {
  const known = range(model.classes);
  const said = el("strong", {}, String(answer.prediction));
  if (answer.task === "new") {
    return [
      el("strong", {}, `A ${answer.label}: a digit this network never saw. `),
      `It was trained on ${known} only, and its last layer has one output for each of ${known}, so whatever it is shown, `,
      "its answer is one of them: here it says ",
      said,
      ". That is why, to recognise the new digits, the last layer is replaced ",
      "by a new one for them (trained below) while the layers before it are kept.",
    ];
  }
  const right = answer.prediction === answer.label;
  return [
    el("strong", {}, `A ${answer.label}: one of the digits it was trained on (${known}). `),
    "It says ",
    said,
    right ? ", which is right." : `, which is wrong: it is a ${answer.label}.`,
  ];
}

async function showDigit(index) {
  const mine = ++sequence;
  api.settings.index = String(index);
  writeSettings(api.settings);
  $("tl-error").hidden = true;
  const query = `index=${encodeURIComponent(index)}`;
  try {
    await check(`/api/transfer/activations/check?${query}`);
    if (mine !== sequence) return;
    const answer = await getJson(`/api/transfer/activations?${query}`);
    if (mine !== sequence) return;
    api.activations = answer;
    const where = answer.split === "held_out" ? "held-out image" : "training image";
    $("tl-digit-title").textContent = `a ${answer.label} (${where} ${answer.index})`;
    replace($("tl-verdict"), verdict(answer, api.model));
    $("tl-verdict").dataset.task = answer.task;
    mapsWidth = renderMaps($("tl-maps"), answer, api.model, $("tl-map-readout"));
  } catch (err) {
    if (mine !== sequence) return;
    const refused = err instanceof ApiError && err.verdict; // the check refused this digit
    pageError(refused ? "This digit cannot be shown: " : "The digit could not be shown: ", err.message || String(err));
  }
}

function readFields() {
  for (const name of FIELDS) api.settings[name] = fields[name].value.trim();
}

function setupTraining() {
  const ui = {
    fields,
    error: $("tl-train-error"),
    examples: $("tl-examples"),
    accuracy: $("tl-chart-accuracy"),
    loss: $("tl-chart-loss"),
    live: $("tl-live"),
    table: $("tl-results"),
    sentence: $("tl-sentence"),
    run: $("tl-run"),
  };
  const training = new Training(ui, api.training, () => {
    $("tl-train").textContent = "Train again";
  });
  for (const name of FIELDS) setFieldValue(fields[name], api.settings[name]);
  $("tl-form").addEventListener("change", () => {
    readFields();
    writeSettings(api.settings);
  });
  $("tl-form").addEventListener("submit", (event) => {
    event.preventDefault();
    readFields();
    writeSettings(api.settings);
    training.run(trainQuery(api.settings));
  });
  return training;
}

/** Redraw the maps when the room for them changes (a phone turned, a window or frame resized). */
function refitMaps() {
  let queued = false;
  new ResizeObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      if (!api.activations || !api.model) return;
      const list = $("tl-maps");
      if (Math.abs(list.clientWidth - mapsWidth) < 1) return;
      mapsWidth = renderMaps(list, api.activations, api.model, $("tl-map-readout"));
    });
  }).observe($("tl-maps"));
}

/** Presentation mode on or off (present.js switches html.present): draw every grid again at its size. */
function followPresenting(training) {
  let presenting = document.documentElement.classList.contains("present");
  new MutationObserver(() => {
    const now = document.documentElement.classList.contains("present");
    if (now === presenting) return;
    presenting = now;
    if (api.model) renderFilters($("tl-filters"), api.model.filters, api.model.filter_bias, $("tl-filter-readout"));
    gallery?.repaint();
    if (api.activations) mapsWidth = renderMaps($("tl-maps"), api.activations, api.model, $("tl-map-readout"));
    training.redraw();
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
}

async function start() {
  const training = setupTraining();
  refitMaps();
  followPresenting(training);
  try {
    const [model, items] = await Promise.all([getJson("/api/transfer/model"), getJson("/api/transfer/gallery")]);
    api.model = model;
    api.gallery = items.items;
    showModel(model);
    gallery = new Gallery($("tl-gallery"), items.items, model.classes, (index) => showDigit(index));
    const wanted = api.settings.index ?? String(items.items[0].index);
    gallery.pick(Number(wanted));
    await showDigit(wanted);
  } catch (err) {
    pageError("The network could not be loaded: ", err.message || String(err));
  }
  api.ready = true;
}

start();
