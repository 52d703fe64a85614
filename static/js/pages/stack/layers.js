// The layer types the stack builder offers, their form fields, the presets, and the
// request body for POST /api/stack/check. Field names are PyTorch's (and the API's).
//
// A layer on the page is { type, values }, where values holds each field's text as
// typed (or a boolean for a checkbox). The page never judges a value: toBody turns the
// text into JSON as literally as it can and the engine says what is wrong with it.

const PAIR = "an integer, or two as h,w (5,3)";
const POOL_STRIDE = "empty: kernel_size, as in PyTorch";

// kind: int | float (number inputs), pair | padding (text), bool (checkbox), select.
// initial: the value of a new layer; torch: PyTorch's default (absent when there is none).
const F = {
  out_channels: { kind: "int", label: "out_channels", initial: "6", min: 1, help: "number of filters, the output's channels" },
  kernel_size: { kind: "pair", label: "kernel_size", initial: "5", help: PAIR },
  stride: { kind: "pair", label: "stride", initial: "1", torch: "1", help: PAIR },
  padding: { kind: "padding", label: "padding", initial: "0", torch: "0", help: "an integer, h,w, same or valid" },
  dilation: { kind: "pair", label: "dilation", initial: "1", torch: "1", help: PAIR },
  groups: { kind: "int", label: "groups", initial: "1", torch: "1", min: 1, help: "must divide in and out channels" },
  bias: { kind: "bool", label: "bias", initial: true, torch: true, help: "one bias per output" },
  padding_mode: {
    kind: "select", label: "padding_mode", initial: "zeros", torch: "zeros",
    choices: ["zeros", "reflect", "replicate", "circular"], help: "what the padding holds",
  },
  pool_kernel: { name: "kernel_size", kind: "pair", label: "kernel_size", initial: "2", help: PAIR },
  pool_stride: { name: "stride", kind: "pair", label: "stride", initial: "", torch: "", help: POOL_STRIDE },
  pool_padding: { name: "padding", kind: "pair", label: "padding", initial: "0", torch: "0", help: "at most half the kernel" },
  ceil_mode: { kind: "bool", label: "ceil_mode", initial: false, torch: false, help: "round the output size up" },
  count_include_pad: { kind: "bool", label: "count_include_pad", initial: true, torch: true, help: "padding counts in the mean" },
  divisor_override: { kind: "int", label: "divisor_override", initial: "", torch: "", min: 1, help: "empty: the window size" },
  norm_type: { kind: "float", label: "norm_type", initial: "2", min: 0, step: "any", help: "p of the power average; 2 is L2" },
  p: { kind: "float", label: "p", initial: "0.5", torch: "0.5", min: 0, max: 0.99, step: 0.05, help: "chance of zeroing a value" },
  out_features: { kind: "int", label: "out_features", initial: "10", min: 1, help: "number of outputs" },
};

function fields(...names) {
  return names.map((key) => {
    return { name: key, ...F[key] }; // a pool_ entry names its own field
  });
}

export const LAYER_TYPES = {
  conv2d: {
    title: "Conv2d",
    fields: fields("out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode"),
  },
  relu: { title: "ReLU", fields: [] },
  max_pool2d: { title: "MaxPool2d", fields: fields("pool_kernel", "pool_stride", "pool_padding", "dilation", "ceil_mode") },
  avg_pool2d: {
    title: "AvgPool2d",
    fields: fields("pool_kernel", "pool_stride", "pool_padding", "ceil_mode", "count_include_pad", "divisor_override"),
  },
  lp_pool2d: { title: "LPPool2d", fields: fields("norm_type", "pool_kernel", "pool_stride", "ceil_mode") },
  dropout: { title: "Dropout", fields: fields("p") },
  dropout2d: { title: "Dropout2d", fields: fields("p") },
  flatten: { title: "Flatten", fields: [] },
  linear: { title: "Linear", fields: fields("out_features", "bias") },
};

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

const conv = (out, kernel, extra = {}) => newLayer("conv2d", { out_channels: String(out), kernel_size: String(kernel), ...extra });
const relu = () => newLayer("relu");
const maxPool = () => newLayer("max_pool2d");
const linear = (out) => newLayer("linear", { out_features: String(out) });

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
      conv(6, 5), relu(), maxPool(), conv(16, 5), relu(), maxPool(),
      newLayer("flatten"), linear(120), relu(), linear(84), relu(), linear(10),
    ],
  },
  bottleneck: {
    label: "1x1 bottleneck",
    input: ["64", "28", "28"],
    layers: () => [conv(16, 1), relu(), conv(16, 3, { padding: "1" }), relu(), conv(64, 1)],
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
  if (field.kind === "select") return text;
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
