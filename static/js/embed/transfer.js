// The transfer-learning view embedded (/embed/transfer): the page's module, the height
// announced to the framing page, and the ConvScope link opening the full view in its current state.

import "../pages/transfer/transfer.js";
import { readQuery } from "../core/state.js";
import { announceHeight } from "./bridge.js";

const brand = document.getElementById("embed-brand");
const fresh = () => {
  const query = readQuery();
  query.delete("theme");
  const text = query.toString();
  brand.href = `/play/transfer${text ? `?${text}` : ""}`;
};
for (const type of ["pointerenter", "focus", "click"]) brand.addEventListener(type, fresh);

announceHeight(document.getElementById("embed"));
