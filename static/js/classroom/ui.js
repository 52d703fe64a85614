// What the teacher's panel and the student's banner share: the polite live region that
// announces the class's changes to screen readers, the words for the channel's status, and
// where the classroom's own elements go on a page.

import { el } from "../widgets/dom.js";

const STATUS_WORDS = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  closed: "disconnected",
};

export const statusWords = (status) => STATUS_WORDS[status] ?? status;

/** The page's polite live region for the class (one per page), and `say(text)` to announce in it. */
export function liveRegion() {
  let region = document.getElementById("class-announce");
  if (!region) {
    region = el("p", {
      id: "class-announce",
      class: "class-ui visually-hidden",
      role: "status",
      "aria-live": "polite",
    });
    document.body.append(region);
  }
  return (text) => {
    region.textContent = "";
    // a fresh text node a moment later: screen readers announce it even when the words repeat
    setTimeout(() => {
      region.textContent = text;
    }, 50);
  };
}

/** Put `node` just below the site's header (before <main>), or at the top of the body. */
export function placeBelowHeader(node) {
  const header = document.querySelector("header.site");
  if (header) header.after(node);
  else document.body.prepend(node);
}

/** The channel's status, the socket's and the shared store's (a `status` message) in one word. */
export class Connection {
  constructor(node, say) {
    this.node = node;
    this.say = say;
    this.socket = "connecting";
    this.store = "live";
    this.wasLive = false;
  }

  get shown() {
    return this.socket === "live" ? this.store : this.socket;
  }

  update(part, value) {
    const before = this.shown;
    this[part] = value;
    const now = this.shown;
    this.node.textContent = statusWords(now);
    this.node.dataset.status = now;
    if (now === before) return;
    if (now === "live" && this.wasLive) this.say("Live again.");
    else if (now === "reconnecting") this.say("Connection lost: reconnecting…");
    if (now === "live") this.wasLive = true;
  }
}
