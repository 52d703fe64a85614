// The stack builder's layer cards: type, parameter controls, move/remove buttons, and
// the empty places where the engine's answer goes (result, error).

import { el } from "../../widgets/dom.js";
import { LAYER_TYPES } from "./layers.js";

function control(field, value, index) {
  const data = { "data-layer": String(index), "data-field": field.name, name: field.name };
  if (field.kind === "bool") {
    const box = el("input", { type: "checkbox", ...data });
    box.checked = Boolean(value);
    return box;
  }
  if (field.kind === "select") {
    const select = el(
      "select",
      data,
      field.choices.map((c) => el("option", { value: c }, c)),
    );
    select.value = value;
    return select;
  }
  const attrs = { ...data, spellcheck: "false", autocomplete: "off" };
  if (field.kind === "int" || field.kind === "float") {
    Object.assign(attrs, {
      type: "number",
      step: field.step ?? "1",
      inputmode: field.kind === "int" ? "numeric" : "decimal",
    });
    if (field.min !== undefined) attrs.min = String(field.min);
    if (field.max !== undefined) attrs.max = String(field.max);
  } else {
    Object.assign(attrs, { type: "text", size: "6" });
    if (field.name === "stride" && field.torch === "") attrs.placeholder = "kernel";
  }
  const input = el("input", attrs);
  input.value = value ?? "";
  return input;
}

function tool(label, text, action, index, disabled = false) {
  const button = el(
    "button",
    {
      type: "button",
      class: "tool",
      "aria-label": label,
      title: label,
      "data-action": action,
      "data-layer": String(index),
    },
    text,
  );
  button.disabled = disabled;
  return button;
}

/** One card for layer `index` of `count`. */
export function layerCard(layer, index, count) {
  const spec = LAYER_TYPES[layer.type];
  const name = `layer ${index} (${spec.title})`;
  const head = el(
    "div",
    { class: "layer-head" },
    el("span", { class: "layer-index" }, `layer ${index}`),
    el("h3", { class: "layer-title", id: `layer-title-${index}` }, spec.title),
    el("span", { class: "badge", hidden: "" }, el("span", { "aria-hidden": "true" }, "✖ "), "Breaks here"),
    el(
      "span",
      { class: "layer-tools", role: "group", "aria-label": `Move or remove ${name}` },
      tool(`Move ${name} up`, "↑", "up", index, index === 0),
      tool(`Move ${name} down`, "↓", "down", index, index === count - 1),
      tool(`Remove ${name}`, "✕", "remove", index),
    ),
  );
  const params = spec.fields.length
    ? el(
        "div",
        { class: "layer-params", role: "group", "aria-labelledby": `layer-title-${index}` },
        spec.fields.map((f) =>
          el(
            "label",
            { class: "field", title: f.help },
            el("span", {}, f.label),
            control(f, layer.values[f.name], index),
          ),
        ),
      )
    : el("p", { class: "layer-params none" }, "No parameters.");
  return el(
    "li",
    { class: "layer", "data-index": String(index), "data-type": layer.type },
    head,
    el("div", { class: "layer-body" }, params, el("div", { class: "layer-result" })),
    el("p", { class: "layer-error", role: "alert", hidden: "" }),
  );
}
