// The held-out digits to choose from, as one radio group: click a digit, or Tab into the group
// and move with the arrow keys (Home/End for the ends); the chosen one takes the focus.
// Digits 0-4 (the network's own classes) and 5-9 (new to it) are shown as two rows.

import { TRANSFER } from "../../core/config.js";
import { el, replace } from "../../widgets/dom.js";
import { grey, paintCells, zoom } from "./cells.js";

const KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

/** A small canvas of an 8x8 digit (0..16 pixels): an image named `label`, or hidden from assistive
 * technology without one (inside a button that names it). */
export function digitCanvas(pixels, cell, label) {
  const named = label ? { role: "img", "aria-label": label } : { "aria-hidden": "true" };
  const canvas = el("canvas", { class: "tl-digit", ...named });
  paintCells(canvas, pixels, cell, grey);
  return canvas;
}

export class Gallery {
  /** `items`: [{index, label, pixels}]; `known`: the classes it was trained on; `onPick(index)`. */
  constructor(container, items, known, onPick) {
    this.container = container;
    this.onPick = onPick;
    this.items = items;
    this.buttons = items.map((item) => {
      const seen = known.includes(item.label);
      const button = el(
        "button",
        {
          type: "button",
          role: "radio",
          class: `tl-pick ${seen ? "seen" : "new"}`,
          "aria-checked": "false",
          tabindex: "-1",
          "data-index": String(item.index),
          "data-label": String(item.label),
          "aria-label": `a ${item.label}, held-out image ${item.index}${seen ? "" : " (a digit new to the network)"}`,
        },
        digitCanvas(item.pixels, Math.round(TRANSFER.galleryCell * zoom()), ""),
        el("span", { class: "tl-pick-label", "aria-hidden": "true" }, String(item.label)),
      );
      button.addEventListener("click", () => this.pick(item.index, true));
      return button;
    });
    const byDigit = (buttons) => {
      const groups = new Map();
      for (const b of buttons) groups.set(b.dataset.label, [...(groups.get(b.dataset.label) ?? []), b]);
      return [...groups.values()].map((group) => el("span", { class: "tl-gallery-digit" }, group));
    };
    const row = (seen, title) =>
      el(
        "div",
        { class: "tl-gallery-row" },
        el("span", { class: "tl-gallery-title", "aria-hidden": "true" }, title),
        el(
          "div",
          { class: "tl-gallery-items" },
          byDigit(this.buttons.filter((b) => b.classList.contains(seen ? "seen" : "new"))),
        ),
      );
    replace(container, row(true, "trained on"), row(false, "new to it"));
    container.addEventListener("keydown", (event) => this.key(event));
  }

  /** Draw the digits again at the current size (presentation mode on or off). */
  repaint() {
    const cell = Math.round(TRANSFER.galleryCell * zoom());
    for (const [i, button] of this.buttons.entries()) {
      paintCells(button.querySelector("canvas"), this.items[i].pixels, cell, grey);
    }
  }

  /** Mark `index` as chosen (and focus it when `focus`); tell onPick when `notify`. */
  pick(index, notify = false, focus = false) {
    let chosen = null;
    for (const button of this.buttons) {
      const on = Number(button.dataset.index) === index;
      button.setAttribute("aria-checked", String(on));
      button.tabIndex = on ? 0 : -1;
      if (on) chosen = button;
    }
    if (!chosen && this.buttons.length) this.buttons[0].tabIndex = 0; // not a gallery image: Tab still reaches the group
    if (chosen && focus) chosen.focus();
    if (notify) this.onPick(index);
  }

  key(event) {
    const at = this.buttons.indexOf(document.activeElement);
    if (at < 0) return;
    let to = null;
    if (event.key in KEYS) to = (at + KEYS[event.key] + this.buttons.length) % this.buttons.length;
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = this.buttons.length - 1;
    if (to === null) return;
    event.preventDefault();
    this.pick(Number(this.buttons[to].dataset.index), true, true);
  }
}
