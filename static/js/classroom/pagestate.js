// The page's state as the classroom shares it (docs/CLASSROOM.md, `state`): its path, its
// parameters (the URL's query without the presentation flag and without the player's own
// step and speed), and, on a player page, the step, playing or not, and the speed.
// The teacher's page reads it (currentState, watch); a student's page applies it (applyState).
//
// The player pages expose window.convscope (static/js/pages/play/play.js): step, playing,
// speed, ready, seek, play, pause, setSpeed and on("ready" | "step" | "params" | "playback").
// Other pages (lessons, the stack, the image pages) share their path and parameters only.

import { DEFAULT_SPEED, SPEEDS } from "../core/config.js";
import { presentInUrl, readQuery, withPresent } from "../core/state.js";

const PLAYER_STATE = new Set(["step", "speed"]); // in a player's URL, but state fields of their own
const PATH = /^\/(?!\/)[^\s\\]*$/; // a path on this site: one leading slash, never "//host"

/** The player of this page, or null when it has none. */
export function player() {
  const api = window.convscope;
  return api && typeof api.seek === "function" && typeof api.play === "function" ? api : null;
}

/** The page's parameters as an object of names to strings. */
export function pageParams(search = window.location.search) {
  const params = {};
  for (const [name, value] of readQuery(search)) if (!PLAYER_STATE.has(name)) params[name] = value;
  return params;
}

const paramsKey = (params) =>
  JSON.stringify(
    Object.entries(params ?? {})
      .map(([name, value]) => [name, String(value)])
      .sort(),
  );

/** Whether two states show the same page (path and parameters), whatever their step. */
export function samePage(a, b) {
  return a.path === b.path && paramsKey(a.params) === paramsKey(b.params);
}

const SECTIONS = "#lesson h2[id]"; // the parts of a lesson, by their headings

/** The id of the lesson part on screen: the last heading above the top third of the window. */
function sectionOnScreen() {
  let found = null;
  for (const heading of document.querySelectorAll(SECTIONS)) {
    if (heading.getBoundingClientRect().top > window.innerHeight / 3) break;
    found = heading.id;
  }
  return found;
}

/** Scroll to the lesson part `id` (a heading of this page), if there is one. */
export function showSection(id) {
  const heading = typeof id === "string" ? document.getElementById(id) : null;
  if (heading?.matches(SECTIONS)) heading.scrollIntoView({ block: "start" });
}

/** The state of this page now. */
export function currentState() {
  const p = player();
  const state = {
    path: window.location.pathname,
    params: pageParams(),
    step: null,
    playing: false,
    speed: DEFAULT_SPEED,
  };
  const section = sectionOnScreen();
  if (section) state.section = section;
  if (p?.ready) {
    state.step = p.step;
    state.playing = Boolean(p.playing);
    state.speed = typeof p.speed === "number" && p.speed > 0 ? p.speed : DEFAULT_SPEED;
  }
  return state;
}

/** Call `changed()` whenever the page's state may have changed: the player's events, and a slow poll
 * for whatever writes the URL without an event (the stack builder, the image pages). Call it once
 * the page's own modules have run (DOMContentLoaded). Returns a function that stops watching. */
export function watch(changed, pollMs = 500) {
  let on = true;
  const call = () => {
    if (on) changed();
  };
  const p = player();
  if (p?.on) for (const type of ["ready", "step", "params", "playback", "end"]) p.on(type, call);
  const timer = setInterval(call, pollMs);
  return () => {
    on = false;
    clearInterval(timer);
  };
}

/** A query part percent-encoded, but for the separators a query value may hold as they are
 * (`,` `;` `:` `=` `/`): the stack builder's own URL encoding (pages/stack/url.js) stays readable. */
const gentle = (text) => encodeURIComponent(text).replace(/%(2C|3B|3A|3D|2F)/gi, (code) => decodeURIComponent(code));

/** The address of the state's page (path, parameters, and a player's step and speed), keeping this
 * page's presentation flag. */
export function stateUrl(state) {
  if (typeof state.path !== "string" || !PATH.test(state.path)) return null;
  const url = new URL(state.path, window.location.origin);
  if (url.origin !== window.location.origin) return null;
  const query = new URLSearchParams(state.params ?? {});
  if (Number.isInteger(state.step) && state.step > 0) query.set("step", String(state.step)); // the player opens there
  if (SPEEDS.includes(state.speed) && state.speed !== DEFAULT_SPEED) query.set("speed", String(state.speed));
  url.search = [...query].map(([name, value]) => `${gentle(name)}=${gentle(value)}`).join("&");
  return withPresent(url.href, presentInUrl());
}

/**
 * Bring this page to `state`. Returns "navigate" when another page must load (the caller goes
 * there), "wait" when this page's player is not ready yet (call again on its "ready"), else "done".
 */
export function applyState(state, { sameAsHere = false, lastSection = null } = {}) {
  if (!sameAsHere && !samePage(state, currentState())) return "navigate";
  if (state.section && state.section !== lastSection) showSection(state.section);
  const p = player();
  if (!p) return "done";
  if (!p.ready) return "wait";
  if (typeof state.speed === "number" && SPEEDS.includes(state.speed) && p.speed !== state.speed && p.setSpeed)
    p.setSpeed(state.speed);
  if (!Number.isInteger(state.step) || p.total === 0) return "done";
  const step = Math.max(0, Math.min(state.step, p.total - 1));
  if (state.playing) {
    const slack = Math.max(2, Math.ceil((state.speed || DEFAULT_SPEED) / 2)); // half a second of play
    if (!p.playing || Math.abs(p.step - step) > slack) {
      p.seek(step);
      p.play();
    }
  } else {
    if (p.playing) p.pause();
    if (p.step !== step) p.seek(step);
  }
  return "done";
}
