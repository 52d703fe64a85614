// The layer types the stack builder offers, their form fields, the presets, and the
// request body for POST /api/stack/check. The types, their titles and fields (PyTorch's
// names and defaults, the bounds in the server's settings) are the server's own: GET
// /api/ops's `layers`, read by learnLayers before the page starts. The buttons and the
// presets below are this page's choices.
//
// A layer on the page is { type, values }, where values holds each field's text as
// typed (or a boolean for a checkbox). The page never judges a value: toBody turns the
// text into JSON as literally as it can and the engine says what is wrong with it.

/** type -> { title, fields }, in the server's menu order. A field here: { name, label, kind
 * (int | float | pair | padding | text: typed; bool: a checkbox; select), initial (a new
 * layer's text or boolean), torch (PyTorch's default as text; absent when there is none),
 * min, max, step, choices, help }. */
export const LAYER_TYPES = {};

/** A server value as a field's text: null is empty, a pair of equal numbers one number. */
function asText(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.every((v) => v === value[0]) ? String(value[0]) : value.join(",");
  return String(value);
}

function pageField(f) {
  const field = { name: f.name, label: f.label, kind: f.kind === "choice" ? "select" : f.kind, help: f.help };
  field.initial = f.kind === "bool" ? Boolean(f.initial) : asText(f.initial);
  if (f.default !== null) field.torch = f.kind === "bool" ? f.default : asText(f.default);
  else if (f.optional) field.torch = ""; // empty is PyTorch's default (a pool's stride: its kernel_size)
  if (f.min !== null && f.min !== undefined) field.min = f.min;
  if (f.max !== null && f.max !== undefined) field.max = f.max;
  if (f.step !== null && f.step !== undefined) field.step = String(f.step);
  if (f.choices) field.choices = f.choices.map(String);
  return field;
}

/** Fill LAYER_TYPES from GET /api/ops's `layers`. */
export function learnLayers(layers) {
  for (const layer of layers) LAYER_TYPES[layer.type] = { title: layer.title, fields: layer.fields.map(pageField) };
}

/** The "Add layer" buttons: label, type, values that differ from the type's initial ones. */
export const ADD_BUTTONS = [
  ["Conv", "conv2d", {}],
  ["1x1 conv", "conv2d", { kernel_size: "1" }],
  ["ReLU", "relu", {}],
  ["Max pool", "max_pool2d", {}],
  ["Avg pool", "avg_pool2d", {}],
  ["L2 pool", "lp_pool2d", { norm_type: "2" }],
  ["Dropout", "dropout", {}],
  ["Dropout2d", "dropout2d", {}],
  ["Flatten", "flatten", {}],
  ["Linear", "linear", {}],
  ["Transposed conv", "conv_transpose2d", {}],
];

export function newLayer(type, values = {}) {
  const spec = LAYER_TYPES[type];
  const initial = Object.fromEntries(spec.fields.map((f) => [f.name, f.initial]));
  return { type, values: { ...initial, ...values } };
}

/** A layer as the URL decoder finds it: fields it leaves out take PyTorch's default, or stay empty. */
export function layerFromUrl(type, given) {
  const spec = LAYER_TYPES[type];
  const values = Object.fromEntries(spec.fields.map((f) => [f.name, f.torch ?? (f.kind === "bool" ? false : "")]));
  return { type, values: { ...values, ...given } };
}

const conv = (out, kernel, extra = {}) =>
  newLayer("conv2d", { out_channels: String(out), kernel_size: String(kernel), ...extra });
const relu = () => newLayer("relu");
const maxPool = () => newLayer("max_pool2d");
const linear = (out) => newLayer("linear", { out_features: String(out) });
const up = (out, kernel, extra = {}) =>
  newLayer("conv_transpose2d", { out_channels: String(out), kernel_size: String(kernel), stride: "2", ...extra });

export const PRESETS = {
  article: {
    label: "Article: 5x5 filters, no padding",
    input: ["3", "32", "32"],
    layers: () => [conv(6, 5), relu(), maxPool()],
  },
  padded: {
    label: "Article: padding 2",
    input: ["3", "32", "32"],
    layers: () => [conv(6, 5, { padding: "2" }), relu(), maxPool()],
  },
  lenet: {
    label: "LeNet-like",
    input: ["3", "32", "32"],
    layers: () => [
      conv(6, 5),
      relu(),
      maxPool(),
      conv(16, 5),
      relu(),
      maxPool(),
      newLayer("flatten"),
      linear(120),
      relu(),
      linear(84),
      relu(),
      linear(10),
    ],
  },
  bottleneck: {
    label: "1x1 bottleneck",
    input: ["64", "28", "28"],
    layers: () => [conv(16, 1), relu(), conv(16, 3, { padding: "1" }), relu(), conv(64, 1)],
  },
  encoder_decoder: {
    label: "Encoder-decoder",
    input: ["1", "16", "16"],
    layers: () => [
      conv(8, 3, { padding: "1" }),
      relu(),
      maxPool(),
      conv(16, 3, { stride: "2", padding: "1" }),
      relu(),
      up(8, 3, { padding: "1", output_padding: "1" }),
      relu(),
      up(1, 2),
    ],
  },
};
export const DEFAULT_PRESET = "article";

// --- text -> JSON ---------------------------------------------------------------------

const INT = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
export const PAIR_TEXT = /^(\d+)\s*[,x×]\s*(\d+)$/; // "5,3", "5x3" and "5×3" all mean (5, 3)

function number(text) {
  return INT.test(text) || NUMBER.test(text) ? Number(text) : text;
}

/** One field's JSON value, or undefined to leave it out (PyTorch's default, or "required" from the engine). */
export function jsonValue(field, raw) {
  if (field.kind === "bool") return Boolean(raw);
  const text = String(raw ?? "").trim();
  if (field.kind === "select" || field.kind === "text") return text;
  if (text === "") return undefined;
  if (field.kind === "padding" && /^(same|valid)$/i.test(text)) return text.toLowerCase();
  if (field.kind === "pair" || field.kind === "padding") {
    const pair = PAIR_TEXT.exec(text);
    if (pair) return [Number(pair[1]), Number(pair[2])];
  }
  return number(text);
}

function inputValue(text) {
  const t = String(text ?? "").trim();
  return t === "" ? null : number(t);
}

/** Whether a field holds PyTorch's default (left out of the body and the URL). */
export function isDefault(field, value) {
  if (!("torch" in field)) return false; // no PyTorch default: always sent, even empty
  if (field.kind === "bool") return value === field.torch;
  return String(value ?? "").trim() === field.torch;
}

/** The body of POST /api/stack/check for the page's model; PyTorch's defaults are left out. */
export function toBody(model) {
  return {
    input_shape: model.input.map(inputValue),
    layers: model.layers.map((layer) => {
      const out = { type: layer.type };
      for (const field of LAYER_TYPES[layer.type].fields) {
        if (isDefault(field, layer.values[field.name])) continue;
        const value = jsonValue(field, layer.values[field.name]);
        if (value !== undefined) out[field.name] = value;
      }
      return out;
    }),
  };
}
