// The whole stack in the URL, so a link shares it:
//
//   ?input=3,32,32&layers=conv2d:out_channels=6,kernel_size=5;relu;max_pool2d:kernel_size=2
//
//   input   C,H,W: three whole numbers.
//   layers  layers joined by ";"; a layer is its type, then ":" and its parameters as
//           name=value joined by ",". An empty `layers=` is a stack with no layers.
//   value   the field's text, percent-encoded with encodeURIComponent (so "," ";" ":" "="
//           "&" "#" "%" never appear raw inside a value), except that a pair is written
//           "5x3": a value of two whole numbers joined by a lower-case "x" always means the
//           pair (height 5, width 3), shown in the field as "5,3". Checkboxes are true/false.
//           A parameter left out takes PyTorch's default (or stays empty if PyTorch has none,
//           and the engine then says it is required).
//
// Pair and padding fields keep any text, even text the engine refuses, so a link can
// show a broken stack where it breaks. If the whole `layers` value arrives
// percent-encoded once more (no raw ":" ";" "=" but %3A, %3B or %3D in it, as
// URLSearchParams writes it), it is decoded once before it is read.

import { isDefault, LAYER_TYPES, layerFromUrl, PAIR_TEXT } from "./layers.js";

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export class UrlError extends Error {}

function encodeValue(field, value) {
  if (field.kind === "bool") return value ? "true" : "false";
  const text = String(value ?? "").trim();
  const pair = PAIR_TEXT.exec(text);
  if (pair && (field.kind === "pair" || field.kind === "padding")) return `${pair[1]}x${pair[2]}`;
  return encodeURIComponent(text);
}

export function encodeLayer(layer) {
  const parts = LAYER_TYPES[layer.type].fields
    .filter((f) => !isDefault(f, layer.values[f.name]))
    .map((f) => `${f.name}=${encodeValue(f, layer.values[f.name])}`);
  return parts.length ? `${layer.type}:${parts.join(",")}` : layer.type;
}

/** "?input=...&layers=..." for the model. */
export function encodeStack(model) {
  const input = model.input.map((v) => encodeURIComponent(String(v ?? "").trim())).join(",");
  return `?input=${input}&layers=${model.layers.map(encodeLayer).join(";")}`;
}

function decodeText(text, what) {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw new UrlError(`${what}: "${text}" is not valid percent-encoding`);
  }
}

/** The query's parameters with their values still raw (percent-escapes kept). */
function rawParams(search) {
  const out = new Map();
  for (const part of search.replace(/^\?/, "").split("&")) {
    if (!part) continue;
    const at = part.indexOf("=");
    const key = at < 0 ? part : part.slice(0, at);
    out.set(decodeText(key, "a parameter name"), at < 0 ? "" : part.slice(at + 1));
  }
  return out;
}

function decodeInput(raw) {
  const text = decodeText(raw, "input");
  const parts = text.split(",").map((s) => s.trim());
  if (parts.length !== 3 || !parts.every((p) => p === "" || NUMBER_TEXT.test(p))) {
    throw new UrlError(`input: expected three numbers C,H,W such as 3,32,32, got "${text}"`);
  }
  return parts;
}

function decodeValue(field, raw, where) {
  const text = decodeText(raw, where);
  if (field.kind === "bool") {
    if (text !== "true" && text !== "false") throw new UrlError(`${where}: expected true or false, got "${text}"`);
    return text === "true";
  }
  if (field.kind === "select" && !field.choices.includes(text)) {
    throw new UrlError(`${where}: expected one of ${field.choices.join(", ")}, got "${text}"`);
  }
  if ((field.kind === "int" || field.kind === "float") && text !== "" && !NUMBER_TEXT.test(text)) {
    throw new UrlError(`${where}: expected a number, got "${text}"`);
  }
  const pair = /^(\d+)x(\d+)$/.exec(text);
  return pair && (field.kind === "pair" || field.kind === "padding") ? `${pair[1]},${pair[2]}` : text;
}

function decodeLayer(segment, index) {
  const colon = segment.indexOf(":");
  const type = decodeText(colon < 0 ? segment : segment.slice(0, colon), `layer ${index}`);
  const spec = LAYER_TYPES[type];
  if (!spec) {
    throw new UrlError(
      `layer ${index}: "${type}" is not a layer type; the types are ${Object.keys(LAYER_TYPES).join(", ")}`,
    );
  }
  const given = {};
  const params =
    colon < 0
      ? []
      : segment
          .slice(colon + 1)
          .split(",")
          .filter(Boolean);
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0) throw new UrlError(`layer ${index} (${type}): "${decodeText(param, "")}" should be name=value`);
    const name = decodeText(param.slice(0, eq), `layer ${index}`);
    const field = spec.fields.find((f) => f.name === name);
    if (!field) {
      const takes = spec.fields.length ? `it takes ${spec.fields.map((f) => f.name).join(", ")}` : "it takes none";
      throw new UrlError(`layer ${index} (${type}): "${name}" is not one of its parameters; ${takes}`);
    }
    given[name] = decodeValue(field, param.slice(eq + 1), `layer ${index} (${type}) ${name}`);
  }
  return layerFromUrl(type, given);
}

function decodeLayers(raw, maxLayers) {
  let text = raw;
  if (!/[:;=]/.test(text) && /%3[ABD]/i.test(text)) text = decodeText(text, "layers");
  const segments = text.split(";").filter((s) => s.trim() !== "");
  if (segments.length > maxLayers) {
    throw new UrlError(`layers: ${segments.length} layers, and a stack has at most ${maxLayers}`);
  }
  return segments.map(decodeLayer);
}

/**
 * The stack a URL's query describes: { input, layers } with each part null when the
 * query does not give it. A link never builds more than `maxLayers` cards (the server's
 * max_layers). Throws UrlError, whose message says what could not be read.
 */
export function decodeStack(search, maxLayers = Number.POSITIVE_INFINITY) {
  const params = rawParams(search);
  return {
    input: params.has("input") ? decodeInput(params.get("input")) : null,
    layers: params.has("layers") ? decodeLayers(params.get("layers"), maxLayers) : null,
  };
}
