// The postMessage bridge of an embedded widget (the protocol is in docs/EMBED.md).
//
// In: the host page (our window.parent, and only it) may send plain objects
//   {type: "convscope:play"} | {type: "convscope:pause"}
//   {type: "convscope:step", delta?: integer}   (default 1, may be negative)
//   {type: "convscope:seek", step: integer}     (0 <= step < total)
//   {type: "convscope:set", params: {name: string | number | boolean, ...}}
// Each is checked field by field against window.convscope (its total and its parameter
// list); anything else is ignored without a word. Nothing received is ever evaluated or
// turned into markup: values only reach form fields' .value, as if typed.
//
// Out, to window.parent with targetOrigin "*" (the host's origin is not known; nothing
// private is ever sent): ready, step (once per animation frame at most), done, height,
// error; each with source: "convscope" and version: 1.

export const VERSION = 1;
export const SOURCE = "convscope";
const MAX_DELTA = 1_000_000;
const MAX_KEYS = 40;
const MAX_TEXT = 20_000; // characters in one text parameter (the API caps arrays well below this)
const STEP_FALLBACK_MS = 250; // rAF does not run in a hidden frame: send the step anyway
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: a parameter never holds one
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function isPlainObject(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** One parameter value as the form field takes it (a string), or null when it does not fit the field. */
export function parseValue(value, field) {
  const type = typeof value;
  if (type !== "string" && type !== "number" && type !== "boolean") return null;
  if (type === "number" && !Number.isFinite(value)) return null;
  if (field.kind === "checkbox") {
    if (type === "boolean") return value ? "true" : "false";
    return value === "true" || value === "false" ? value : null;
  }
  const text = String(value).trim();
  if (field.kind === "select") return field.choices.includes(text) ? text : null;
  if (text === "") return ""; // back to the field's default
  if (field.kind === "number") {
    if (type === "boolean") return null;
    const n = Number(text);
    if (!Number.isFinite(n) || (field.integer && !Number.isInteger(n))) return null;
    if ((field.min !== undefined && n < field.min) || (field.max !== undefined && n > field.max)) return null;
    return String(n);
  }
  return text.length <= MAX_TEXT && !CONTROL_CHARS.test(text) ? text : null; // text: "2", "2,3", "same", "true", "1,2;3,4"...
}

/** All of `params` checked against the parameter list `spec`, or null if any name or value is wrong. */
export function parseParams(params, spec) {
  if (!isPlainObject(params)) return null;
  const names = Object.keys(params);
  if (names.length === 0 || names.length > MAX_KEYS) return null;
  const fields = new Map(spec.map((field) => [field.name, field]));
  const values = {};
  for (const name of names) {
    const field = fields.get(name);
    const value = field ? parseValue(params[name], field) : null;
    if (value === null) return null;
    values[name] = value;
  }
  return values;
}

/**
 * A host message as a command ({action, ...}), or null when it is not one we accept.
 * Pure: `total` is the current trace's step count, `spec` the widget's parameter list.
 */
export function parseCommand(data, { total, spec }) {
  if (!isPlainObject(data) || typeof data.type !== "string") return null;
  if (data.version !== undefined && data.version !== VERSION) return null;
  switch (data.type) {
    case "convscope:play":
      return { action: "play" };
    case "convscope:pause":
      return { action: "pause" };
    case "convscope:step": {
      const delta = data.delta === undefined ? 1 : data.delta;
      return Number.isSafeInteger(delta) && Math.abs(delta) <= MAX_DELTA ? { action: "step", delta } : null;
    }
    case "convscope:seek": {
      const { step } = data;
      return Number.isSafeInteger(step) && step >= 0 && step < total ? { action: "seek", step } : null;
    }
    case "convscope:set": {
      const params = parseParams(data.params, spec);
      return params ? { action: "set", params } : null;
    }
    default:
      return null;
  }
}

/**
 * Announce the height of `measured` to the page that frames this one ({source: "convscope",
 * version: 1, type: "convscope:height", height}) whenever it changes: every embedded view does,
 * players and /embed/transfer alike. Does nothing when the page is not in a frame.
 */
export function announceHeight(measured, host = window.parent, self = window) {
  if (!host || host === self) return false;
  let height = -1;
  new ResizeObserver(() => {
    const now = Math.ceil(measured.getBoundingClientRect().height);
    if (now === height) return;
    height = now;
    host.postMessage({ source: SOURCE, version: VERSION, type: "convscope:height", height }, "*");
  }).observe(measured);
  return true;
}

/**
 * Connect `api` (window.convscope) to the page that frames this one. Does nothing when the
 * page is not in a frame. `measured` is the element whose height is announced.
 */
export function startBridge(api, { op, measured, host = window.parent, self = window }) {
  if (!host || host === self) return false;
  const post = (type, fields) =>
    host.postMessage({ source: SOURCE, version: VERSION, type: `convscope:${type}`, ...fields }, "*");

  let sentStep = -1; // the step of the last step message
  let moved = false; // the step changed since that message (maybe and back: a loop from 8 to 0 to 8)
  let doneSent = false; // done was sent and the player has not left the last step since
  let queued = false;
  let frame = 0;
  let timer = 0;

  const announceDone = () => {
    if (api.total > 0 && api.step === api.total - 1 && !doneSent) {
      post("done", { total: api.total });
      doneSent = true;
    }
  };
  const flush = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    queued = false;
    if (moved || api.step !== sentStep) {
      sentStep = api.step;
      moved = false;
      post("step", { step: api.step, total: api.total, playing: api.playing === true });
    }
    announceDone();
  };
  const onStep = ({ step, total }) => {
    if (step !== sentStep) moved = true;
    if (step !== total - 1) doneSent = false;
    if (queued) return;
    queued = true;
    frame = requestAnimationFrame(flush);
    timer = setTimeout(flush, STEP_FALLBACK_MS);
  };
  const announceReady = (total, step) => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    queued = false;
    moved = false;
    sentStep = step;
    doneSent = false;
    post("ready", { op, total, step });
    announceDone();
  };

  api.on("ready", ({ total, step }) => announceReady(total, step));
  api.on("step", onStep);
  api.on("error", ({ message }) => post("error", { message: String(message).slice(0, 500) }));

  announceHeight(measured, host, self);

  const run = {
    play: () => api.play(),
    pause: () => api.pause(),
    step: ({ delta }) => api.seek(api.step + delta),
    seek: ({ step }) => api.seek(step),
    set: ({ params }) => api.setParams(params),
  };
  self.addEventListener("message", (event) => {
    if (event.source !== host) return; // only the framing page drives the widget
    const command = parseCommand(event.data, { total: api.total, spec: api.paramSpec });
    if (command) run[command.action](command);
  });
  if (api.ready && api.error === null) announceReady(api.total, api.step); // ready before the bridge started
  return true;
}
