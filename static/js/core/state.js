// The page's URL <-> its parameters, in one place. A page reads its parameters with
// readQuery (or readRawQuery, for the stack's own encoding) and writes them with writeQuery
// or updateQuery (history.replaceState: a page's settings are not a history entry each).
//
// The presentation flag (present=1, core/present.js) is not a page parameter: reads leave it
// out, every write keeps it while the URL carries it, and only setPresentFlag sets or clears
// it. So a reload while presenting stays in presentation mode, whatever the page wrote.

export const PRESENT = "present";

/** The query's parts as written (percent-escapes kept), without the leading "?". */
function parts(search) {
  return search
    .replace(/^\?/, "")
    .split("&")
    .filter((part) => part !== "");
}

const isFlag = (part) => part.split("=")[0] === PRESENT;

/** Whether `search` (the page's own by default) asks for presentation mode. */
export function presentInUrl(search = window.location.search) {
  return new URLSearchParams(search).get(PRESENT) === "1";
}

/** The page's parameters, the presentation flag left out. */
export function readQuery(search = window.location.search) {
  const params = new URLSearchParams(search);
  params.delete(PRESENT);
  return params;
}

/** The page's query as written (escapes kept, no "?"), the presentation flag left out. */
export function readRawQuery(search = window.location.search) {
  return parts(search)
    .filter((part) => !isFlag(part))
    .join("&");
}

/** `search` with present=1 at its end (on) or without it (off); every other part kept as written. */
function withFlag(search, on) {
  const kept = parts(search).filter((part) => !isFlag(part));
  if (on) kept.push(`${PRESENT}=1`);
  return kept.length ? `?${kept.join("&")}` : "";
}

/** The address `href` (absolute or relative to the page) with present=1 added or removed. */
export function withPresent(href, on) {
  const url = new URL(String(href), window.location.href);
  url.search = withFlag(url.search, on);
  return url.href;
}

function replaceSearch(search) {
  const { pathname, hash } = window.location;
  const url = `${pathname}${search}${hash}`;
  if (url !== `${pathname}${window.location.search}${hash}`) window.history.replaceState(window.history.state, "", url);
}

/**
 * Replace the page's query with `query`: an object or URLSearchParams (encoded here), or a
 * query string already encoded by the page (written as it is). present=1 stays if it was there.
 */
export function writeQuery(query) {
  const text = typeof query === "string" ? query.replace(/^\?/, "") : new URLSearchParams(query).toString();
  replaceSearch(withFlag(text, presentInUrl()));
}

/** The page's parameters with `changes` applied: null, undefined or "" removes one. */
function changed(changes) {
  const params = readQuery();
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") params.delete(name);
    else params.set(name, String(value));
  }
  return params;
}

/** Set some parameters (null, undefined or "" removes one) and keep every other one. */
export function updateQuery(changes) {
  writeQuery(changed(changes));
}

/** A link to this page (path and query, no fragment) with some parameters changed as updateQuery
 * would change them. It leaves the presentation flag out: a click on a link carries it (present.js). */
export function linkWith(changes) {
  const query = changed(changes).toString();
  return `${window.location.pathname}${query ? `?${query}` : ""}`;
}

/** Set or clear the presentation flag; every other part of the query is kept as written. */
export function setPresentFlag(on) {
  replaceSearch(withFlag(window.location.search, on));
}
