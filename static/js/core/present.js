// Presentation mode, on every page: the "Present" toggle in the site header, `?present=1`
// in the URL, P to toggle it, F for full screen, Esc to leave. The look (large type, high
// contrast, nav and parameter form hidden) is static/css/present.css, keyed on
// `html.present`; this file switches classes, sets the URL's flag (core/state.js keeps it
// through the pages' own URL writes), hides the controls while
// the mouse rests and handles P, F and Esc. The player's own keys (Space, arrows, +/-,
// Home/End) belong to the page's script and pass through untouched.
//
// Page contract: `.transport`, `header.site` and anything marked `data-present-control`
// are controls (shown when the mouse moves); `.step-label` stays visible and large;
// `data-present-hide` is hidden while presenting.
//
// Pages with embedded players (a lesson's <iframe src="/embed/...">): while presenting,
// each widget is zoomed (present.css) and shows large black-on-white type, and the player
// keys drive the widget that fills most of the screen (outlined), so a lesson runs from
// the keyboard alone. P, F and Esc also work while keyboard focus is inside a widget.

import { SIZES } from "./config.js";
import { presentInUrl, setPresentFlag, withPresent } from "./state.js";

const IDLE_MS = 2500; // controls hide after this long without the mouse moving
const MOVE_PX = 4; // smaller moves (jitter, the browser's synthetic moves) do not wake the controls
const STATUS_MS = 5000;
const PRESENT_MAX_CELL = 96; // CSS px: the players draw larger cells (and numbers) while presenting
const CONTROLS = "header.site, .transport, [data-present-control]";
const HINT = "Presenting: P or Esc leaves · F full screen";
const WIDGETS = 'iframe[src^="/embed/"]';
const WIDGET_CLASS = "present-widget";
// present.css's URL for the widgets' frames: hashed when built (templates/base.html, app/http/assets.py)
const PRESENT_CSS = document.querySelector('meta[name="convscope-present-css"]')?.content;
export const PLAYER_KEYS = new Set([" ", "ArrowLeft", "ArrowRight", "+", "=", "-", "Home", "End"]); // also the classroom's (a student's own step)
const MIN_VISIBLE = 0.35; // a widget drives from the keyboard when this share of it is on screen

const root = document.documentElement;
const toggle = document.getElementById("present-toggle");
const status = document.getElementById("present-status");
const normalMaxCell = SIZES.maxCell;

let idleTimer = 0;
let statusTimer = 0;
let lastPointer = null;

const presenting = () => root.classList.contains("present");

function say(text) {
  if (!status) return;
  clearTimeout(statusTimer);
  status.textContent = text;
  if (text)
    statusTimer = setTimeout(() => {
      status.textContent = "";
    }, STATUS_MS);
}

/** Enter or leave presentation mode: the class, the toggle, the URL, the players' cell size. */
function setPresenting(on) {
  root.classList.toggle("present", on);
  toggle?.setAttribute("aria-pressed", String(on));
  if (typeof normalMaxCell === "number") SIZES.maxCell = on ? PRESENT_MAX_CELL : normalMaxCell;
  setPresentFlag(on); // the pages' own URL writes keep it (core/state.js)
  dressWidgets(on);
  pickWidget();
  if (on) {
    say(HINT);
    wake();
  } else {
    clearTimeout(idleTimer);
    root.classList.remove("present-idle");
    say("");
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  }
}

// ---- embedded players (lessons) ----

/**
 * Dress one widget for the projector, or undress it: inside the (same-origin) frame, the
 * class `present-widget` on its <html> and this site's present.css, whose
 * `html.present-widget` rules give it large type and black-on-white colours. Nothing reloads.
 */
function dressWidget(frame, on) {
  try {
    const doc = frame.contentDocument;
    if (!doc?.head || !new URL(doc.URL).pathname.startsWith("/embed/")) return;
    doc.documentElement.classList.toggle(WIDGET_CLASS, on);
    if (!doc.documentElement.hasAttribute("data-present-keys")) {
      doc.documentElement.setAttribute("data-present-keys", "");
      doc.addEventListener("keydown", modeKey);
    }
    if (on && PRESENT_CSS && !doc.querySelector("link[data-present]")) {
      const link = doc.createElement("link");
      link.rel = "stylesheet";
      link.href = PRESENT_CSS;
      link.dataset.present = "";
      doc.head.append(link);
    }
  } catch {
    // a frame from another origin: left as its author made it
  }
}

const dressWidgets = (on) => {
  for (const frame of document.querySelectorAll(WIDGETS)) dressWidget(frame, on);
};

let target = null;

/** The widget that takes the player keys: the one with most of the screen, if enough of it shows. */
function pickWidget() {
  let best = null;
  let bestArea = 0;
  if (presenting()) {
    for (const frame of document.querySelectorAll(WIDGETS)) {
      const box = frame.getBoundingClientRect();
      const w = Math.min(box.right, window.innerWidth) - Math.max(box.left, 0);
      const h = Math.min(box.bottom, window.innerHeight) - Math.max(box.top, 0);
      const area = Math.max(0, w) * Math.max(0, h);
      const enough = area >= MIN_VISIBLE * Math.min(box.width * box.height, window.innerWidth * window.innerHeight);
      if (enough && area > bestArea) [best, bestArea] = [frame, area];
    }
  }
  if (best === target) return;
  target?.classList.remove("present-target");
  best?.classList.add("present-target");
  target = best;
}

let pickQueued = false;
function queuePick() {
  if (pickQueued) return;
  pickQueued = true;
  requestAnimationFrame(() => {
    pickQueued = false;
    pickWidget();
  });
}

/** Replay a player key inside the target widget (same origin only); true if its player took it. */
function forwardKey(event) {
  if (!target || !PLAYER_KEYS.has(event.key) || document.getElementById("player")) return false;
  if (event.key === " " && event.target instanceof Element && event.target.closest("button, a, summary")) return false;
  try {
    const win = target.contentWindow;
    const doc = target.contentDocument;
    if (!win || !doc?.body) return false;
    const copy = new win.KeyboardEvent("keydown", {
      key: event.key,
      code: event.code,
      shiftKey: event.shiftKey,
      bubbles: true,
      cancelable: true,
    });
    doc.body.dispatchEvent(copy);
    return copy.defaultPrevented;
  } catch {
    return false; // a frame from another origin: it takes its own keys when focused
  }
}

/** The controls stay while the pointer is over them or keyboard focus is inside them. */
function controlsInUse() {
  if (document.querySelector(`:is(${CONTROLS}):hover`)) return true;
  const focused = document.activeElement;
  return Boolean(
    focused && focused !== document.body && focused.matches(":focus-visible") && focused.closest(CONTROLS),
  );
}

function rest() {
  if (!presenting()) return;
  if (controlsInUse()) {
    idleTimer = setTimeout(rest, IDLE_MS);
    return;
  }
  root.classList.add("present-idle");
}

/** Show the controls, and hide them again after IDLE_MS of rest. */
function wake() {
  if (!presenting()) return;
  root.classList.remove("present-idle");
  clearTimeout(idleTimer);
  idleTimer = setTimeout(rest, IDLE_MS);
}

function pointerMoved(event) {
  if (event.pointerType !== "touch" && lastPointer) {
    const dx = Math.abs(event.screenX - lastPointer[0]);
    const dy = Math.abs(event.screenY - lastPointer[1]);
    if (dx + dy < MOVE_PX) return;
  }
  lastPointer = [event.screenX, event.screenY];
  wake();
}

async function toggleFullscreen() {
  try {
    if (document.fullscreenElement) {
      await document.exitFullscreen();
    } else {
      if (!document.fullscreenEnabled || !root.requestFullscreen) throw new Error("no Fullscreen API");
      await root.requestFullscreen({ navigationUI: "hide" });
    }
  } catch {
    say("Full screen is not available here: try the browser's own key (F11).");
    wake();
  }
}

/** A field taking text, on this page or inside a widget (another realm: no instanceof). */
function typing(target) {
  if (target?.nodeType !== 1) return false;
  return target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName);
}

/** A cell pinned on a player: Esc unpins it first (the player's own Esc), before it leaves presenting. */
const pinned = () => Boolean(window.convscope?.pinned);

/** P, F and Esc, from this page or from inside a widget; true if the key was one of them. */
function modeKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || typing(event.target)) return false;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (key === "p" && !event.repeat) {
    event.preventDefault();
    setPresenting(!presenting());
  } else if (key === "f" && !event.repeat) {
    event.preventDefault();
    toggleFullscreen();
  } else if (key === "Escape" && presenting() && !document.fullscreenElement && !pinned()) {
    setPresenting(false); // not prevented: the page's own Esc still runs
  } else {
    return false;
  }
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.key === "Tab") wake();
  if (modeKey(event) || typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (presenting() && forwardKey(event)) event.preventDefault(); // the widget took it: the page does not scroll
});

toggle?.addEventListener("click", () => {
  const on = !presenting();
  setPresenting(on);
  if (on) toggle.blur(); // Space must drive the player, not press this button again
});

// While presenting, a link to another page of the site (a player, a lesson) keeps presenting:
// `present=1` is added to its address for the moment of the click.
const PRESENTABLE = /^\/($|play\/|lessons)/;
function carryPresent(event) {
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!presenting() || !link || link.origin !== window.location.origin || !PRESENTABLE.test(link.pathname)) return;
  const href = link.getAttribute("href");
  link.href = withPresent(link.href, true);
  setTimeout(() => link.setAttribute("href", href), 0);
}
document.addEventListener("click", carryPresent, true);
document.addEventListener("auxclick", carryPresent, true);

document.addEventListener("pointermove", pointerMoved, { passive: true });
window.addEventListener("scroll", queuePick, { passive: true });
// a widget's frame loads late (loading="lazy"): dress it when it does (load does not bubble; capture sees it)
document.addEventListener(
  "load",
  (event) => {
    if (event.target instanceof HTMLIFrameElement && event.target.matches(WIDGETS))
      dressWidget(event.target, presenting());
  },
  true,
);
window.addEventListener("resize", queuePick, { passive: true });
document.addEventListener("pointerdown", wake, { passive: true });
document.addEventListener("focusin", (event) => {
  if (event.target instanceof Element && event.target.matches(":focus-visible") && event.target.closest(CONTROLS))
    wake();
});

// The server renders `html.present` for ?present=1 (no flash of the normal page); this
// makes the rest agree with the URL (also after back/forward restores a page).
setPresenting(presentInUrl());
