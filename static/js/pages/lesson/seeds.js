// Exercise seeds. `?exercise_seed=N` in the page's URL gives exercise i the seed N + i, so a
// whole class opening the same link meets the same exercises; without it each exercise
// draws its own random seed on every load. Seeds run from 0 to the server's max_seed
// (GET /api/ops), given by useMaxSeed before any seed is drawn.

import { linkWith, readQuery } from "../../core/state.js";

let span = Number.NaN; // max_seed + 1: every seed is taken modulo this

export function useMaxSeed(maxSeed) {
  span = maxSeed + 1;
}

export function wrapSeed(n) {
  return ((n % span) + span) % span;
}

/** The base seed from the URL, or null when absent or not a whole number >= 0. */
export function urlSeed() {
  const text = readQuery().get("exercise_seed");
  if (text === null || !/^\d{1,10}$/.test(text.trim())) return null;
  return wrapSeed(Number(text.trim()));
}

export function randomSeed() {
  const word = new Uint32Array(1);
  window.crypto.getRandomValues(word);
  return word[0] % span;
}

/** A link to this page that gives exercise `index` the seed `seed`. */
export function shareLink(seed, index) {
  return linkWith({ exercise_seed: wrapSeed(seed - index) });
}
