// The player page: parameters in the form and the URL, the trace streamed in,
// the view drawn for the current step, playback from buttons and keys, and
// `window.convscope` for tests and embedding pages. The same module runs the full
// player (/play/{op}) and the embed widget (/embed/{op}, with static/js/embed/).

import { check, streamNdjson } from "../../core/api.js";
import { DEFAULT_SPEED, NARRATE_MAX_SPEED, SPEEDS, URL_WRITE_MS } from "../../core/config.js";
import { Player } from "../../core/player.js";
import { readQuery, writeQuery } from "../../core/state.js";
import { TraceBuffer } from "../../core/trace.js";
import { embedCodeCard } from "../../embed/snippet.js";
import { windowOf } from "../../render/mapping.js";
import { copyButton } from "../../widgets/copy.js";
import { apiQuery, readForm, writeForm } from "../../widgets/params.js";
import { OPS } from "./ops/index.js";
import { Transport } from "./transport.js";

const $ = (id) => document.getElementById(id);
const root = $("player");
const op = root.dataset.op;
const KEEP = (root.dataset.keep || "").split(" ").filter(Boolean); // embed options: kept in the URL, never sent to the API
const STATE = ["step", "speed", ...KEEP];
const form = $("params");
// The query of the form as the server rendered it, when the server has checked it already (data-checked,
// app/pages/players.py): a load with exactly this query skips its /check, one round trip per widget.
const checkedQuery = root.dataset.checked === "true" ? apiQuery(readForm(form)) : null;
const spec = OPS[op];
const canvases = Object.fromEntries([...root.querySelectorAll("canvas[id^=cv-]")].map((c) => [c.id.slice(3), c]));
const view = spec.createView(canvases);
const toggle = $("view-toggle"); // an op whose steps come in several kinds (conv_transpose2d's view, a gradient)
const toggleField = toggle?.dataset.field ?? null;

let buffer = new TraceBuffer();
let controller = null;
let hover = null;
let pinned = null;
let drawQueued = false;
let lastUrlWrite = 0;
let loadTimer = 0;
let kept = {}; // the KEEP options the URL came with
let shownStep = 0; // the step of the last "step" event
let shownPlayback = ""; // playing and speed as of the last "playback" event
const events = new EventTarget();

const player = new Player({ onChange: changed });
const transport = new Transport(root, player);

const api = {
  ready: false,
  complete: false,
  error: null,
  get step() {
    return player.step;
  },
  get total() {
    return player.total;
  },
  get playing() {
    return player.playing;
  },
  /** Steps a second; setSpeed takes one of the transport's speeds (core/config.js SPEEDS). */
  get speed() {
    return player.speed;
  },
  setSpeed: (speed) => {
    if (SPEEDS.includes(speed)) player.setSpeed(speed);
  },
  get header() {
    return buffer.header;
  },
  get output() {
    if (!buffer.header) return [];
    return view.outputAt ? view.outputAt(player.step) : buffer.outputAt(player.step);
  },
  get window() {
    return view.windowAt ? (buffer.header ? view.windowAt(player.step) : null) : currentWindow();
  },
  /** The cells the pointer's (or the pinned) cell links to, as drawn: {input, kernel, output} lists of [slice, r, c]. */
  get hovered() {
    return view.hovered ?? null;
  },
  /** Switch the toggle (conv_transpose2d's view, conv2d_backward's gradient), keeping the step as the op defines. */
  switchTo: (value) => switchTo(value),
  get marker() {
    return view.marker ?? null;
  },
  get pinned() {
    return pinned !== null;
  }, // Esc unpins first (presentation mode leaves on the next Esc)
  get mask() {
    return maskOnScreen();
  },
  play: () => player.play(),
  pause: () => player.pause(),
  seek: (n) => {
    player.pause();
    player.seek(n);
  },
  /** The form's parameters that differ from their defaults, as the URL carries them. */
  get params() {
    return readForm(form);
  },
  /** Each parameter the form takes: name, kind (checkbox | select | number | text), choices, min, max. */
  get paramSpec() {
    return paramSpec();
  },
  setParams,
  /** on(type, fn): "ready" {total, step}, "step" {step, total, playing}, "end" (played to the last step),
   * "complete" {total}, "error" {message}, "params" {params}, "playback" {playing, speed, step} (play,
   * pause or a new speed). fn gets the detail object. */
  on: (type, fn) => events.addEventListener(type, (event) => fn(event.detail)),
};
window.convscope = api;

function emit(type, detail = {}) {
  events.dispatchEvent(new CustomEvent(type, { detail }));
}

function paramSpec() {
  return [...form.querySelectorAll("[name]")].map((field) => {
    const kind =
      field.type === "checkbox"
        ? "checkbox"
        : field.tagName === "SELECT"
          ? "select"
          : field.type === "number"
            ? "number"
            : "text";
    const spec = { name: field.name, kind };
    if (kind === "select") spec.choices = [...field.options].map((o) => o.value);
    if (kind === "number") {
      if (field.min !== "") spec.min = Number(field.min);
      if (field.max !== "") spec.max = Number(field.max);
      spec.integer = field.step === "1";
    }
    return spec;
  });
}

/**
 * Set some parameters (the others keep their values) and load the new trace, as if typed in
 * the form. `values` maps field names to strings, numbers or booleans; unknown names are
 * skipped. Returns the names it set.
 */
function setParams(values) {
  const set = [];
  for (const [name, value] of Object.entries(values)) {
    const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!field) continue;
    if (field.type === "checkbox") field.checked = value === true || value === "true";
    else field.value = String(value);
    set.push(name);
  }
  if (set.length) {
    clearTimeout(loadTimer);
    paramsChanged();
  }
  return set;
}

/** The cells the current step reads: a window (conv2d, pooling) or one cell (relu, dropout). */
function currentWindow() {
  if (!buffer.header) return null;
  const cell = buffer.cellOf(player.step);
  if (buffer.header.geometry) return windowOf(buffer.header, cell);
  return { channels: [cell[0]], rows: [cell[1]], cols: [cell[2]] };
}

/** relu and dropout: the mask as drawn (1 passes or kept, 0 zeroed or dropped, null not yet). */
function maskOnScreen() {
  if (!buffer.header || !view.maskAt) return null;
  const [c, h, w] = buffer.header.input_shape;
  return Array.from({ length: c }, (_, i) =>
    Array.from({ length: h }, (_, y) =>
      Array.from({ length: w }, (_, x) => view.maskAt((i * h + y) * w + x, player.step)),
    ),
  );
}

/** The export links: the GIF of these parameters and the PNG of the current step (app/api/exports.py). */
function updateDownloads() {
  const gif = $("dl-gif");
  const png = $("dl-png");
  if (!gif || !png) return;
  const query = apiQuery(readForm(form));
  gif.href = `/api/${op}/animation.gif${query ? `?${query}` : ""}`;
  png.href = `/api/${op}/frame.png?${query ? `${query}&` : ""}step=${player.step}`;
}

function changed(p, reason) {
  transport.update();
  scheduleDraw();
  if (p.step !== shownStep) {
    // "step" also when play() went back to the first step
    shownStep = p.step;
    emit("step", { step: p.step, total: p.total, playing: p.playing });
  }
  const playback = `${p.playing} ${p.speed}`;
  if (playback !== shownPlayback) {
    shownPlayback = playback;
    emit("playback", { playing: p.playing, speed: p.speed, step: p.step });
  }
  if (!p.playing) updateDownloads();
  if (reason === "step" && p.playing && p.step >= p.total - 1) emit("end", { total: p.total });
  if (reason === "step" && (!p.playing || p.speed <= NARRATE_MAX_SPEED)) narrate();
  if (reason === "pause" || reason === "speed" || !p.playing || performance.now() - lastUrlWrite > URL_WRITE_MS)
    saveUrl();
}

function scheduleDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    draw();
  });
}

function draw() {
  if (!buffer.header || buffer.loaded === 0) return;
  view.draw(player.step, hover || pinned);
  spec.renderStep($("arith"), buffer.header, buffer.step(player.step));
}

function narrate() {
  $("narration").textContent = spec.narrate(buffer.header, buffer.step(player.step), player.total);
}

function saveUrl() {
  lastUrlWrite = performance.now();
  const state = {};
  if (player.step > 0) state.step = String(player.step);
  if (player.speed !== DEFAULT_SPEED) state.speed = String(player.speed);
  writeQuery({ ...readForm(form), ...kept, ...state });
}

function showError(message, param = null) {
  api.error = message;
  const field = param ? form.elements.namedItem(param) : null;
  if (field) field.setAttribute("aria-invalid", "true");
  $("error").replaceChildren(
    Object.assign(document.createElement("strong"), { textContent: "These settings don't work: " }),
    message,
  );
  $("error").hidden = false;
  root.classList.add("has-error");
  emit("error", { message });
}

function clearError() {
  api.error = null;
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
  $("error").hidden = true;
  root.classList.remove("has-error");
}

// Fields a given array makes irrelevant: shown disabled, so nobody edits what is ignored.
const IGNORED_WITH = {
  input: ["in_channels", "height", "width", op === "dropout" ? "input_seed" : "seed"],
  weight: ["out_channels", "kernel_size"],
};

function syncIgnoredFields() {
  const given = (name) => Boolean(form.elements.namedItem(name)?.value.trim());
  const off = new Set(Object.entries(IGNORED_WITH).flatMap(([name, fields]) => (given(name) ? fields : [])));
  if (op === "conv2d" && !(given("input") && given("weight"))) off.delete("seed"); // the seed still makes what is missing
  for (const name of Object.values(IGNORED_WITH).flat()) {
    const field = form.elements.namedItem(name);
    if (field) {
      field.disabled = off.has(name);
      field.title = off.has(name) ? "Not used: the numbers are given under “Your own numbers”." : "";
    }
  }
  const newMask = $("btn-new-mask");
  if (newMask) newMask.disabled = !form.elements.training.checked; // evaluation drops nothing
}

function usePadding(padding) {
  form.elements.padding.value = padding;
  paramsChanged();
}

function onHeader(h, startStep) {
  view.setTrace(buffer);
  player.reset(h.steps.total, startStep);
  spec.renderSide($("formula"), h, usePadding, null);
  $("code").textContent = h.pytorch.code;
  if (toggle) {
    const current = String(h.params[toggleField]);
    for (const button of toggle.querySelectorAll("button[data-value]"))
      button.setAttribute("aria-pressed", String(button.dataset.value === current));
    $("view-toggle-note").textContent = spec.toggleNote ? spec.toggleNote(h) : "";
  }
  for (const [name, text] of Object.entries(spec.captions(h))) {
    const caption = $(`cap-${name}`);
    if (caption) caption.textContent = text;
  }
}

async function load(startStep = 0) {
  if (controller) controller.abort();
  controller = new AbortController();
  const signal = controller.signal;
  buffer = new TraceBuffer();
  api.ready = false;
  api.complete = false;
  player.reset(0);
  clearError();
  const slow = setTimeout(() => {
    $("loading").hidden = false;
  }, 150);
  try {
    const query = apiQuery(readForm(form));
    updateDownloads();
    if (query !== checkedQuery) await check(`/api/${op}/check?${query}`, { signal });
    await streamNdjson(
      `/api/${op}/trace?${query}`,
      (frame) => {
        if (signal.aborted) return;
        buffer.add(frame);
        if (frame.type === "header") onHeader(frame, startStep);
        else if (frame.type === "steps") {
          player.setAvailable(buffer.loaded);
          $("progress").value = buffer.loaded / buffer.total;
          $("progress-text").textContent = `${buffer.loaded} of ${buffer.total} steps loaded`;
          if (!api.ready) {
            transport.update();
            draw();
            narrate();
            api.ready = true;
            shownStep = player.step;
            emit("ready", { total: player.total, step: player.step });
          }
        } else if (frame.type === "done") {
          spec.renderSide($("formula"), buffer.header, usePadding, frame);
          scheduleDraw();
          api.complete = true;
          emit("complete", { total: player.total });
        }
      },
      { signal },
    );
  } catch (err) {
    if (err.name === "AbortError") return;
    showError(err.message || String(err), err.param);
    api.ready = true; // the page is in its final state: showing the error
  } finally {
    clearTimeout(slow);
    if (!signal.aborted) $("loading").hidden = true;
  }
}

function paramsChanged() {
  pinned = null;
  syncIgnoredFields();
  writeQuery({
    ...readForm(form),
    ...kept,
    ...(player.speed !== DEFAULT_SPEED ? { speed: String(player.speed) } : {}),
  });
  emit("params", { params: readForm(form) });
  load(0);
}

/**
 * Switch the toggled field to `value` and load that trace at the step the op maps the current one
 * to (spec.mapStep: conv_transpose2d keeps the output cell; a gradient starts again at 0).
 */
function switchTo(value) {
  const field = form.elements.namedItem(toggleField);
  if (!field) return;
  const from = buffer.header ? String(buffer.header.params[toggleField]) : null;
  field.value = value;
  if (from === value) return;
  const target = buffer.header && spec.mapStep ? spec.mapStep(buffer.header, player.step, value) : 0;
  clearTimeout(loadTimer);
  pinned = null;
  syncIgnoredFields();
  writeQuery({
    ...readForm(form),
    ...kept,
    ...(target > 0 ? { step: String(target) } : {}),
    ...(player.speed !== DEFAULT_SPEED ? { speed: String(player.speed) } : {}),
  });
  emit("params", { params: readForm(form) });
  load(target);
}

toggle?.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-value]");
  if (button) switchTo(button.dataset.value);
});

form.addEventListener("change", (event) => {
  clearTimeout(loadTimer);
  if (toggleField && event.target.name === toggleField) {
    const value = event.target.value;
    event.target.value = buffer.header ? String(buffer.header.params[toggleField]) : value;
    switchTo(value);
    return;
  }
  paramsChanged();
});
form.addEventListener("input", (event) => {
  if (event.target.type === "checkbox" || event.target.tagName === "SELECT") return;
  clearTimeout(loadTimer);
  loadTimer = setTimeout(paramsChanged, 400);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  paramsChanged();
});

for (const [panel, canvas] of Object.entries(view.canvases)) {
  canvas.addEventListener("pointermove", (e) => {
    if (e.pointerType === "touch") return;
    hover = view.hitAt(panel, e.offsetX, e.offsetY);
    scheduleDraw();
  });
  canvas.addEventListener("pointerleave", () => {
    hover = null;
    scheduleDraw();
  });
  canvas.addEventListener("pointerdown", (e) => {
    const cell = view.hitAt(panel, e.offsetX, e.offsetY);
    const same =
      pinned &&
      cell &&
      pinned.panel === cell.panel &&
      pinned.slice === cell.slice &&
      pinned.r === cell.r &&
      pinned.c === cell.c;
    pinned = same ? null : cell;
    scheduleDraw();
  });
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = e.target.tagName;
  if (
    tag === "INPUT" ||
    tag === "SELECT" ||
    tag === "TEXTAREA" ||
    (tag === "BUTTON" && (e.key === " " || e.key === "Enter"))
  )
    return;
  const big = e.shiftKey ? 10 : 1;
  const actions = {
    " ": () => player.toggle(),
    ArrowRight: () => player.forward(big),
    ArrowLeft: () => player.back(big),
    "+": () => player.faster(),
    "=": () => player.faster(),
    "-": () => player.slower(),
    Home: () => {
      player.pause();
      player.seek(0);
    },
    End: () => {
      player.pause();
      player.seek(player.total - 1);
    },
    Escape: () => {
      pinned = null;
      scheduleDraw();
    },
  };
  const action = actions[e.key];
  if (!action) return;
  e.preventDefault();
  action();
});

$("btn-new-mask")?.addEventListener("click", () => {
  form.elements.seed.value = String((Number(form.elements.seed.value) || 0) + 1);
  paramsChanged();
});

copyButton($("btn-copy"), $("code"), $("copied"));
if ($("btn-embed")) embedCodeCard(root, api);

new ResizeObserver(() => {
  if (buffer.header) {
    view.resize();
    scheduleDraw();
  }
}).observe(root.querySelector(".views"));

const urlParams = {};
const state = {}; // the player's own state in the URL: step, speed and the embed options
for (const [name, value] of readQuery()) (STATE.includes(name) ? state : urlParams)[name] = value;
kept = Object.fromEntries(KEEP.filter((name) => name in state).map((name) => [name, state[name]]));
writeForm(form, urlParams);
syncIgnoredFields();
const speed = Number(state.speed);
if (SPEEDS.includes(speed)) player.speed = speed;
transport.update();
load(Number.parseInt(state.step ?? "0", 10) || 0);
