// The output-size calculator: W, K, P and S in a small form; the answer, with the formula and
// its numbers, comes from the engine (GET /api/conv2d/check, always 200, then /api/conv2d/shape).
// Mounted on <div class="shape-calculator" data-params='{"W": 32, "K": 5, "P": 2, "S": 1}'>.

import { el, replace } from "../../widgets/dom.js";

const FIELDS = [
  ["W", "height", "Input size W", 1, 256, 7],
  ["K", "kernel_size", "Kernel size K", 1, 15, 3],
  ["P", "padding", "Padding P", 0, 16, 0],
  ["S", "stride", "Stride S", 1, 16, 1],
];
const DELAY_MS = 200;
let counter = 0;

export function mountCalculator(node) {
  counter += 1;
  const id = `calc${counter}`;
  let start = {};
  try {
    start = JSON.parse(node.dataset.params || "{}");
  } catch {
    start = {};
  }
  const inputs = {};
  const fields = FIELDS.map(([name, , label, min, max, fallback]) => {
    const input = el("input", { type: "number", id: `${id}-${name}`, name, min: String(min), max: String(max),
      step: "1", inputmode: "numeric", value: String(start[name] ?? fallback) });
    inputs[name] = input;
    return el("label", { class: "calc-field", for: `${id}-${name}` }, el("span", {}, label), input);
  });
  const result = el("div", { class: "calc-result", role: "status", "aria-live": "polite" });
  const form = el("form", { class: "calc-form", "aria-label": "Output-size calculator", novalidate: "" }, fields);
  replace(node, el("h3", { class: "calc-title" }, "Output-size calculator"), form, result);
  node.dataset.state = "loading";

  let timer = 0;
  let sequence = 0;
  const update = async () => {
    const mine = ++sequence;
    const query = new URLSearchParams({ in_channels: "1", out_channels: "1", bias: "false" });
    for (const [name, param] of FIELDS.map((f) => [f[0], f[1]])) query.set(param, inputs[name].value.trim());
    query.set("width", inputs.W.value.trim());
    for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
    try {
      const check = await (await fetch(`/api/conv2d/check?${query}`)).json();
      if (mine !== sequence) return;
      if (!check.ok) return show({ error: check.message, param: check.detail?.[0]?.param });
      const shape = await (await fetch(`/api/conv2d/shape?${query}`)).json();
      if (mine !== sequence) return;
      show({ shape });
    } catch (error) {
      if (mine === sequence) show({ error: `The calculator could not reach the server: ${error.message}` });
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
    replace(result,
      el("p", { class: "calc-answer" }, "Output: ", el("strong", { class: "calc-out" }, `${out} x ${out}`)),
      el("p", { class: "calc-formula" }, el("code", {}, axis.formula.text)));
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, DELAY_MS);
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  update();
}
