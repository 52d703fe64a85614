// An embedded view that is not a player (/embed/transfer) announces its height to the page that
// frames it, as the players do (docs/EMBED.md): {source: "convscope", version: 1,
// type: "convscope:height", height}, whenever the height of `measured` changes.

import { SOURCE, VERSION } from "./bridge.js";

export function announceHeight(measured, host = window.parent, self = window) {
  if (!host || host === self) return false;
  let height = -1;
  new ResizeObserver(() => {
    const now = Math.ceil(measured.getBoundingClientRect().height);
    if (now === height) return;
    height = now;
    host.postMessage({ source: SOURCE, version: VERSION, type: "convscope:height", height }, "*");
  }).observe(measured);
  return true;
}
