// The output-size panel: O = (W - K + 2P)/S + 1 per axis with the numbers in it,
// what PyTorch does when it is not an integer, and the "same padding" helper.
// Every sentence is the engine's; this only lays them out.

import { el, replace } from "../../widgets/dom.js";

export function renderFormula(container, header, onUsePadding) {
  const g = header.geometry;
  const axes = ["height", "width"];
  const same =
    g.height.kernel === g.width.kernel && g.height.stride === g.width.stride && g.height.size === g.width.size;
  const shown =
    same && g.height.padding.join() === g.width.padding.join() && g.height.dilation === g.width.dilation
      ? ["height"]
      : axes;
  const blocks = shown.map((axis) => {
    const f = g[axis].formula;
    const title = shown.length === 1 ? "Height and width" : axis === "height" ? "Height" : "Width";
    return el(
      "div",
      { class: `formula-axis ${f.exact ? "exact" : "inexact"}` },
      el("p", { class: "formula-title" }, title),
      el("p", { class: "formula-eq" }, `${f.symbolic}`),
      el("p", { class: "formula-eq" }, `= ${f.substituted} = ${f.fraction}`),
      f.dilated_kernel ? el("p", { class: "formula-note" }, f.dilated_kernel) : null,
      el("p", { class: "formula-text" }, f.verdict),
    );
  });
  const children = [...blocks];
  const shape = header.output_shape;
  children.push(el("p", { class: "formula-shape" }, `Output: ${shape.join(" × ")} (maps × height × width)`));
  if (header.same_padding) {
    const info = header.same_padding.height;
    const helper = el("div", { class: "same-padding" }, el("p", {}, `Same padding: ${info.text}`));
    const p = [header.same_padding.height.before, header.same_padding.width.before];
    const current = header.padding.map((axis) => axis[0]); // [top, left]: what is padded now
    if (info.exists && header.same_padding.width.exists && (current[0] !== p[0] || current[1] !== p[1])) {
      const value = p[0] === p[1] ? String(p[0]) : `${p[0]},${p[1]}`;
      const button = el("button", { type: "button", id: "btn-same" }, `Use padding ${value}`);
      button.addEventListener("click", () => onUsePadding(value));
      helper.append(button);
    }
    children.push(helper);
  }
  replace(container, children);
}
