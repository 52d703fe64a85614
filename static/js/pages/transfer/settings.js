// The view's settings in the URL: index (the digit shown), shots, epochs, lr, seed (the training).
// Values are kept as written: the server checks them and says what is wrong, in words.

import { readQuery, updateQuery } from "../../core/state.js";

export const DEFAULTS = { shots: "5", epochs: "100", lr: "0.01", seed: "0" };
export const NAMES = ["index", "shots", "epochs", "lr", "seed"];

/** {index, shots, epochs, lr, seed} from the page's query; index is null when absent. */
export function readSettings() {
  const params = readQuery();
  const get = (name) => (params.has(name) ? params.get(name).trim() : null);
  const settings = { index: get("index") };
  for (const [name, fallback] of Object.entries(DEFAULTS)) settings[name] = get(name) ?? fallback;
  return settings;
}

/** Write `settings` into the URL, keeping any other parameter (present, theme) as it is. */
export function writeSettings(settings) {
  updateQuery(Object.fromEntries(NAMES.map((name) => [name, settings[name]])));
}

/** The training settings as the query of GET /api/transfer/train. */
export const trainQuery = (s) =>
  new URLSearchParams({ shots: s.shots, epochs: s.epochs, lr: s.lr, seed: s.seed }).toString();
