// The output-size calculator: W, K, P and S in a small form; the answer, with the formula and
// its numbers, comes from the engine (GET /api/conv2d/check, always 200, then /api/conv2d/shape).
// Each field's bounds are conv2d's own (GET /api/ops), so they follow the server's settings.
// Mounted on <div class="shape-calculator" data-params='{"W": 32, "K": 5, "P": 2, "S": 1}'>.

import { ApiError, check, getJson } from "../../core/api.js";
import { queryField, specs } from "../../core/specs.js";
import { el, replace } from "../../widgets/dom.js";

const OP = "conv2d";
const FIELDS = [
  // letter, the conv2d parameter it sets, label, starting value
  ["W", "height", "Input size W", 7],
  ["K", "kernel_size", "Kernel size K", 3],
  ["P", "padding", "Padding P", 0],
  ["S", "stride", "Stride S", 1],
];
const DELAY_MS = 200;
let counter = 0;

export async function mountCalculator(node) {
  node.dataset.state = "loading";
  let all;
  try {
    all = await specs();
  } catch (error) {
    node.dataset.state = "error";
    replace(node, el("p", { class: "calc-error" }, `The calculator could not reach the server: ${error.message}`));
    return;
  }
  counter += 1;
  const id = `calc${counter}`;
  let start = {};
  try {
    start = JSON.parse(node.dataset.params || "{}");
  } catch {
    start = {};
  }
  const inputs = {};
  const fields = FIELDS.map(([name, param, label, fallback]) => {
    const bounds = queryField(all, OP, param);
    const input = el("input", {
      type: "number",
      id: `${id}-${name}`,
      name,
      min: String(bounds.min),
      max: String(bounds.max),
      step: "1",
      inputmode: "numeric",
      value: String(start[name] ?? fallback),
    });
    inputs[name] = input;
    return el("label", { class: "calc-field", for: `${id}-${name}` }, el("span", {}, label), input);
  });
  const result = el("div", { class: "calc-result", role: "status", "aria-live": "polite" });
  const form = el("form", { class: "calc-form", "aria-label": "Output-size calculator", novalidate: "" }, fields);
  replace(node, el("h3", { class: "calc-title" }, "Output-size calculator"), form, result);

  let timer = 0;
  let sequence = 0;
  const update = async () => {
    const mine = ++sequence;
    const query = new URLSearchParams({ in_channels: "1", out_channels: "1", bias: "false" });
    for (const [name, param] of FIELDS.map((f) => [f[0], f[1]])) query.set(param, inputs[name].value.trim());
    query.set("width", inputs.W.value.trim());
    for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
    try {
      await check(`/api/${OP}/check?${query}`);
      if (mine !== sequence) return;
      const shape = await getJson(`/api/${OP}/shape?${query}`);
      if (mine === sequence) show({ shape });
    } catch (error) {
      if (mine !== sequence) return;
      if (error instanceof ApiError) show({ error: error.message, param: error.param });
      else show({ error: `The calculator could not reach the server: ${error.message}` });
    }
  };
  const show = ({ shape, error, param }) => {
    node.dataset.state = error ? "error" : "ready";
    if (error) {
      const name = FIELDS.find((f) => f[1] === param || (param === "width" && f[0] === "W"))?.[0];
      if (name) inputs[name].setAttribute("aria-invalid", "true");
      replace(result, el("p", { class: "calc-error" }, error));
      return;
    }
    const axis = shape.geometry.width;
    const out = axis.out;
    replace(
      result,
      el("p", { class: "calc-answer" }, "Output: ", el("strong", { class: "calc-out" }, `${out} x ${out}`)),
      el("p", { class: "calc-formula" }, el("code", {}, axis.formula.text)),
    );
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, DELAY_MS);
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  update();
}
