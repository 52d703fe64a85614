// Exercise seeds. `?exercise_seed=N` in the page's URL gives exercise i the seed N + i, so a
// whole class opening the same link meets the same exercises; without it each exercise
// draws its own random seed on every load.

export const MAX_SEED = 2 ** 31 - 1;
const SPAN = MAX_SEED + 1;

export function wrapSeed(n) {
  return ((n % SPAN) + SPAN) % SPAN;
}

/** The base seed from the URL, or null when absent or not a whole number >= 0. */
export function urlSeed(search = window.location.search) {
  const text = new URLSearchParams(search).get("exercise_seed");
  if (text === null || !/^\d{1,10}$/.test(text.trim())) return null;
  return wrapSeed(Number(text.trim()));
}

export function randomSeed() {
  const word = new Uint32Array(1);
  window.crypto.getRandomValues(word);
  return word[0] % SPAN;
}

/** A link to this page that gives exercise `index` the seed `seed`. */
export function shareLink(seed, index) {
  const url = new URL(window.location.href);
  url.searchParams.set("exercise_seed", String(wrapSeed(seed - index)));
  url.hash = "";
  return url.pathname + url.search;
}
