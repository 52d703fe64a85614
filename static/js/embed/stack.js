// The layer-stack builder embedded (/embed/stack): the page's own module runs from the template;
// this announces the height to the framing page and keeps the ConvScope link on the stack shown
// (the builder writes the stack into the URL as it changes: pages/stack/url.js).

import { readRawQuery } from "../core/state.js";
import { announceHeight } from "./bridge.js";

const brand = document.getElementById("embed-brand");
const fresh = () => {
  const query = readRawQuery();
  brand.href = `/play/stack${query ? `?${query}` : ""}`;
};
for (const type of ["pointerenter", "focus", "click"]) brand.addEventListener(type, fresh);

announceHeight(document.getElementById("embed"));
