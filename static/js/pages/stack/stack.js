// The layer-stack builder: the stack in a model, cards to edit it, the URL to share it,
// and the engine's answer (POST /api/stack/check, always 200) shown layer by layer, with
// each layer's player link from POST /api/stack/run. The layer types, their fields and the
// caps come from GET /api/ops before the page starts.
// `window.convscope` exposes the state for tests: {ready, pending, answer, body}.

import { postJson } from "../../core/api.js";
import { specs } from "../../core/specs.js";
import { readRawQuery, writeQuery } from "../../core/state.js";
import { copyButton } from "../../widgets/copy.js";
import { el, replace } from "../../widgets/dom.js";
import { layerCard } from "./cards.js";
import { ADD_BUTTONS, DEFAULT_PRESET, LAYER_TYPES, learnLayers, newLayer, PRESETS, toBody } from "./layers.js";
import { decodeStack, encodeStack, UrlError } from "./url.js";
import { renderNotComputed, renderResult, renderStrip, shapeHWC } from "./view.js";

const CHECK_DELAY_MS = 250;
const INPUT_CAPS = ["max_channels", "max_side", "max_side"]; // the caps (GET /api/ops) on C, H and W
const $ = (id) => document.getElementById(id);
const list = $("layers");
const inputs = [$("in-c"), $("in-h"), $("in-w")];

let model = null; // {input, layers}: set by start() once the layer types are known
let limits = null; // GET /api/ops's caps (max_layers, max_side, max_channels...)
let timer = 0;
let sequence = 0;
let controller = null;

const api = { ready: false, pending: true, answer: null, body: null };
window.convscope = api;

function presetModel(name) {
  const preset = PRESETS[name];
  return { input: [...preset.input], layers: preset.layers() };
}

// --- editing ------------------------------------------------------------------------

function renderCards(focus = null) {
  for (const card of list.querySelectorAll("li.layer:not(.input-layer)")) card.remove();
  for (const [i, layer] of model.layers.entries()) list.append(layerCard(layer, i, model.layers.length));
  inputs.forEach((input, i) => {
    input.value = model.input[i];
  });
  for (const card of list.querySelectorAll("li.layer:not(.input-layer) .layer-result")) {
    renderNotComputed(card, "Working it out…");
  }
  if (focus) (list.querySelector(focus) ?? $("add-buttons").querySelector("button"))?.focus();
}

function changed({ structure = false, focus = null } = {}) {
  if (structure) renderCards(focus);
  $("url-error").hidden = true;
  writeQuery(encodeStack(model)); // the stack's own encoding (url.js), written as it is
  schedule();
}

function schedule() {
  api.pending = true;
  sequence += 1; // an answer for an older stack is dropped
  if (controller) controller.abort();
  clearTimeout(timer);
  timer = setTimeout(check, CHECK_DELAY_MS);
}

function addLayer(type, values) {
  if (model.layers.length >= limits.max_layers) {
    $("status").textContent = `A stack has at most ${limits.max_layers} layers.`;
    return;
  }
  model.layers.push(newLayer(type, values));
  const last = model.layers.length - 1;
  changed({
    structure: true,
    focus: `li[data-index="${last}"] input, li[data-index="${last}"] select, li[data-index="${last}"] button[data-action="remove"]`,
  });
}

function onTool(action, index) {
  const layers = model.layers;
  if (action === "remove") {
    layers.splice(index, 1);
    const next = Math.min(index, layers.length - 1);
    changed({
      structure: true,
      focus: next >= 0 ? `li[data-index="${next}"] button[data-action="remove"]` : "#add-buttons button",
    });
    return;
  }
  const to = action === "up" ? index - 1 : index + 1;
  if (to < 0 || to >= layers.length) return;
  [layers[index], layers[to]] = [layers[to], layers[index]];
  const button =
    layers.length > 1 && (to === 0 || to === layers.length - 1) ? (action === "up" ? "down" : "up") : action;
  changed({ structure: true, focus: `li[data-index="${to}"] button[data-action="${button}"]` });
}

function onEdit(event) {
  const target = event.target;
  if (target.dataset.input !== undefined) {
    model.input[Number(target.dataset.input)] = target.value;
  } else if (target.dataset.field) {
    const layer = model.layers[Number(target.dataset.layer)];
    layer.values[target.dataset.field] = target.type === "checkbox" ? target.checked : target.value;
  } else {
    return;
  }
  changed();
}

// --- the engine's answer -----------------------------------------------------------------

const post = (body, signal) => postJson("/api/stack/check", body, { signal });

/**
 * Run a seeded input through the layers the engine accepted (POST /api/stack/run: the whole
 * stack, or the layers before the one that breaks it) and give each of them its run: the
 * links to its player that the server built, or why there is none.
 */
async function attachRun(body, layers, signal) {
  if (!layers.length) return;
  const run = await postJson("/api/stack/run", { ...body, layers: body.layers.slice(0, layers.length) }, { signal });
  run.layers.forEach((ran, i) => {
    if (layers[i]) layers[i].run = ran;
  });
}

/** Where a problem's loc points: { layer, field } for a layer, { input } for the input shape, or {}. */
function locate(problem) {
  const loc = problem?.loc ?? [];
  if (loc[1] === "input_shape") return { input: typeof loc[2] === "number" ? loc[2] : null };
  if (loc[1] !== "layers" || typeof loc[2] !== "number") return {};
  const layer = model.layers[loc[2]];
  const names = layer ? LAYER_TYPES[layer.type].fields.map((f) => f.name) : [];
  return { layer: loc[2], field: loc.slice(3).find((part) => names.includes(part)) ?? null };
}

async function check() {
  const token = sequence;
  controller = new AbortController();
  const body = toBody(model);
  api.body = body;
  try {
    const answer = await post(body, controller.signal);
    let prefix = null;
    const where = answer.ok ? {} : locate(answer.detail?.[0]);
    if (!answer.ok && answer.failed_layer == null && where.layer > 0) {
      // A value the schema refused: ask for the layers before it, to keep their shapes on screen.
      prefix = await post({ ...body, layers: body.layers.slice(0, where.layer) }, controller.signal);
    }
    await attachRun(body, outcome(answer, prefix, where).layers, controller.signal);
    if (token !== sequence) return;
    show(answer, prefix, where);
    api.answer = answer;
  } catch (err) {
    if (err.name === "AbortError" || token !== sequence) return;
    showFailure(`The shapes could not be worked out: ${err.message || err}`);
    api.answer = null;
  }
  api.pending = false;
  api.ready = true;
}

/**
 * Merge an answer (and the answer for the layers before a schema error) into what to show:
 * the layers computed, and the problem: kind "layer" (a layer cannot take its volume),
 * "value" (the schema refused a value of a layer), "input", or "other"; null when ok.
 */
function outcome(answer, prefix, where) {
  if (answer.ok) return { layers: answer.layers, problem: null };
  const problem = (kind, index, message, field = null) => ({ kind, index, message, field });
  if (answer.failed_layer != null) {
    return { layers: answer.layers, problem: problem("layer", answer.failed_layer, answer.message, where.field) };
  }
  if (where.input !== undefined) return { layers: [], problem: problem("input", where.input ?? -1, answer.message) };
  if (where.layer === undefined) return { layers: [], problem: problem("other", null, answer.message) };
  if (prefix && !prefix.ok && prefix.failed_layer != null) {
    const earlier = problem("layer", prefix.failed_layer, prefix.message, locate(prefix.detail?.[0]).field);
    return { layers: prefix.layers, problem: earlier };
  }
  return {
    layers: prefix?.ok ? prefix.layers : [],
    problem: problem("value", where.layer, answer.message, where.field),
  };
}

function clearMarks() {
  for (const node of document.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  for (const card of list.querySelectorAll("li.layer")) {
    card.classList.remove("failed", "skipped");
    card.querySelector(".badge").hidden = true;
    const error = card.querySelector(".layer-error");
    error.hidden = true;
    error.textContent = "";
  }
}

function markFailed(card, lead, message) {
  card.classList.add("failed");
  card.querySelector(".badge").hidden = false;
  const error = card.querySelector(".layer-error");
  replace(error, el("strong", {}, lead), message);
  error.hidden = false;
}

const INPUT_FIELD = { whole_input: false, height: { size: 1, jump: 1 }, width: { size: 1, jump: 1 } }; // r = 1, j = 1
const NOT_COMPUTED = {
  layer: (p) => `not computed: the stack breaks at layer ${p.index}`,
  value: (p) => `not computed: the stack breaks at layer ${p.index}`,
  input: () => "not computed: the input is not accepted",
  other: () => "not computed: see the message above",
};

function showInput(shape, problem) {
  const card = $("input-row");
  if (problem?.kind !== "input") {
    renderResult(
      $("input-result"),
      { output_shape: shape, receptive_field: INPUT_FIELD, axes: null },
      { isInput: true },
    );
    return;
  }
  markFailed(card, "This input is not accepted: ", problem.message);
  for (const input of problem.index >= 0 ? [inputs[problem.index]] : inputs) input.setAttribute("aria-invalid", "true");
  renderNotComputed($("input-result"), "not computed");
}

function showLayers(layers, problem) {
  const cards = [...list.querySelectorAll("li.layer:not(.input-layer)")];
  cards.forEach((card, i) => {
    const result = card.querySelector(".layer-result");
    if (i < layers.length) {
      renderResult(result, layers[i]);
    } else if (problem && i === problem.index) {
      markFailed(card, "This layer breaks the stack: ", problem.message);
      const why = problem.kind === "layer" ? "it cannot take the volume it receives" : "a value is not accepted";
      renderNotComputed(result, `not computed: ${why}`);
      const field = problem.field && card.querySelector(`[data-field="${problem.field}"]`);
      if (field) field.setAttribute("aria-invalid", "true");
    } else {
      card.classList.add("skipped");
      renderNotComputed(result, problem ? NOT_COMPUTED[problem.kind](problem) : "not computed");
    }
  });
}

function show(answer, prefix, where) {
  const { layers, problem } = outcome(answer, prefix, where);
  const input = api.body.input_shape; // what the page sent: the input volume itself is not computed
  clearMarks();
  showInput(input, problem);
  showLayers(layers, problem);
  if (problem?.kind === "other") showFailure(problem.message);
  const atLayer = problem?.kind === "layer" || problem?.kind === "value" ? problem.index : null;
  const volumes =
    problem?.kind === "input" || problem?.kind === "other" ? [] : [input, ...layers.map((l) => l.output_shape)];
  renderStrip(
    $("strip"),
    volumes.map((shape) => ({ shape })),
    atLayer,
  );
  showTotals(answer, problem, atLayer);
  showCode(answer, atLayer);
}

function showTotals(answer, problem, atLayer) {
  $("total-params").textContent = answer.ok ? answer.total_params.toLocaleString("en-US") : "—";
  $("final-shape").textContent = answer.ok ? shapeHWC(answer.output_shape) : "—";
  let status = "";
  if (atLayer !== null) status = `The stack breaks at layer ${atLayer}: see its message below.`;
  else if (problem?.kind === "input") status = "The input volume is not accepted: see its message below.";
  $("status").textContent = status;
}

function showCode(answer, atLayer) {
  $("copied").textContent = "";
  $("btn-copy").disabled = !answer.ok;
  if (answer.ok) $("code").textContent = answer.code;
  else
    $("code").textContent =
      `# No code while the stack breaks at ${atLayer !== null ? `layer ${atLayer}` : "the input"}: fix it first.`;
}

function showFailure(message) {
  const box = $("url-error");
  replace(box, el("strong", {}, "Something went wrong: "), message);
  box.hidden = false;
}

// --- wiring --------------------------------------------------------------------------

function buttons() {
  const presets = Object.entries(PRESETS).map(([name, preset]) => {
    const button = el("button", { type: "button", class: "preset", "data-preset": name }, preset.label);
    button.addEventListener("click", () => {
      model = presetModel(name);
      changed({ structure: true });
    });
    return button;
  });
  replace($("preset-buttons"), presets);
  const adds = ADD_BUTTONS.map(([label, type, values]) => {
    const button = el(
      "button",
      { type: "button", class: "add-layer", "data-type": type, "aria-label": `Add ${label} layer` },
      `+ ${label}`,
    );
    button.addEventListener("click", () => addLayer(type, values));
    return button;
  });
  replace($("add-buttons"), adds);
}

$("stack-form").addEventListener("input", onEdit);
$("stack-form").addEventListener("change", onEdit);
$("stack-form").addEventListener("submit", (event) => event.preventDefault());
list.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (button) onTool(button.dataset.action, Number(button.dataset.layer));
});

copyButton($("btn-copy"), $("code"), $("copied"));

async function start() {
  try {
    const all = await specs();
    learnLayers(all.layers);
    limits = all.limits;
  } catch (err) {
    showFailure(`The layer types could not be loaded: ${err.message || err}`);
    api.pending = false;
    api.ready = true;
    return;
  }
  for (const [i, cap] of INPUT_CAPS.entries()) inputs[i].max = String(limits[cap]);
  model = presetModel(DEFAULT_PRESET);
  buttons();
  try {
    const fromUrl = decodeStack(readRawQuery(), limits.max_layers);
    if (fromUrl.input || fromUrl.layers) {
      model = {
        input: fromUrl.input ?? [...PRESETS[DEFAULT_PRESET].input],
        layers: fromUrl.layers ?? PRESETS[DEFAULT_PRESET].layers(),
      };
    }
  } catch (err) {
    if (!(err instanceof UrlError)) throw err;
    const box = $("url-error");
    replace(
      box,
      el("strong", {}, "This link's stack could not be read. "),
      `${err.message}. Showing the article's stack instead.`,
    );
    box.hidden = false;
  }
  renderCards();
  schedule();
}

start();
