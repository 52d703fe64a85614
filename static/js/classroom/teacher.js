// The teacher's side of a class (docs/CLASSROOM.md): the panel (the code in large type, the
// join address, its QR code, students present, Follow me, End class), the page's state sent to
// the students while following, "Ask the class" on each lesson exercise, the live histogram of
// the answers and Reveal. The room ({code, teacher_key}) is in sessionStorage (session.js), so
// each page of the teacher's tab reconnects with the key and picks up where the last one was.

import { postJson } from "../core/api.js";
import { el, replace } from "../widgets/dom.js";
import { answerLabel, renderHistogram } from "./histogram.js";
import { currentState, watch } from "./pagestate.js";
import { saveTeacherRoom } from "./session.js";
import { LiveSocket, liveUrl } from "./socket.js";
import { Connection, liveRegion, placeBelowHeader } from "./ui.js";

const RATE_SHARE = 0.8; // of the server's rate (welcome.rate, CONVSCOPE_CLASSROOM_RATE): the states' share, with room for the rest
const SEND_EVERY_MS = 125; // until the welcome says the rate: 8 a second, under the default 10

/** POST /api/classroom: a new room, kept in this tab's sessionStorage. */
export async function createRoom() {
  const made = await postJson("/api/classroom", {});
  const room = {
    code: made.code,
    teacher_key: made.teacher_key,
    join_url: made.join_url,
    qr_url: made.qr_url ?? `/api/classroom/${made.code}/qr.svg`,
    follow: true,
    open: true,
  };
  saveTeacherRoom(room);
  return room;
}

export class Teacher {
  constructor(room, toggle) {
    this.room = room;
    this.toggle = toggle;
    this.say = liveRegion();
    this.question = null;
    this.tally = null;
    this.revealed = null;
    this.lastSent = "";
    this.lastSentAt = 0;
    this.sendEvery = SEND_EVERY_MS;
    this.pending = 0;
    this.buildPanel();
    this.addAskButtons();
    this.socket = new LiveSocket(liveUrl(room.code, { key: room.teacher_key }), {
      onMessage: (message) => this.receive(message),
      onStatus: (status) => {
        this.connection.update("socket", status);
        if (status === "live") this.sendState(true);
      },
      onClosed: ({ reason }) => this.closed(reason),
    });
    this.unwatch = watch(() => this.sendState());
  }

  // ---- the panel ----

  buildPanel() {
    const { code, join_url: joinUrl, qr_url: qrUrl } = this.room;
    this.presentCount = el("strong", { class: "class-present-count" }, "0");
    this.presentWord = el("span", {}, " students present");
    const conn = el("span", { class: "class-conn" });
    this.connection = new Connection(conn, this.say);
    this.connection.update("socket", "connecting");
    this.followButton = el("button", { type: "button", class: "class-follow", "aria-pressed": "true" });
    this.followButton.addEventListener("click", () => this.setFollow(!this.room.follow));
    const end = el("button", { type: "button", class: "class-end" }, "End class");
    end.addEventListener("click", () => this.end());
    this.revealButton = el("button", { type: "button", class: "primary class-reveal", disabled: "" }, "Reveal");
    this.revealButton.addEventListener("click", () => this.socket.send({ type: "reveal" }));
    this.questionText = el("p", { class: "class-question-prompt" });
    this.histogram = el("div", { class: "class-tally", "aria-live": "off" });
    this.revealText = el("p", { class: "class-reveal-text", hidden: "" });
    this.questionBox = el(
      "section",
      { class: "class-question-box", "aria-labelledby": "class-question-title", hidden: "" },
      el("h3", { id: "class-question-title" }, "Question asked"),
      this.questionText,
      this.histogram,
      this.revealButton,
      this.revealText,
    );
    const qr = el("img", {
      class: "class-qr",
      src: qrUrl,
      width: "160",
      height: "160",
      alt: `QR code of the join address ${joinUrl}`,
    });
    this.panel = el(
      "aside",
      { id: "class-panel", class: "class-ui class-panel", "aria-labelledby": "class-panel-title" },
      el("h2", { id: "class-panel-title", class: "class-panel-title" }, "Class ", conn),
      el(
        "div",
        { class: "class-join" },
        el(
          "div",
          { class: "class-join-text" },
          el("p", { class: "class-code-line" }, "Code ", el("span", { class: "class-code" }, code)),
          el("p", { class: "class-url-line" }, "Join at ", el("a", { href: joinUrl, class: "class-url" }, joinUrl)),
          el("p", { class: "class-present" }, this.presentCount, this.presentWord),
        ),
        qr,
      ),
      el("p", { class: "class-actions" }, this.followButton, " ", end),
      this.questionBox,
    );
    placeBelowHeader(this.panel);
    this.paintFollow();
    this.setOpen(this.room.open !== false);
    if (this.toggle) this.toggle.setAttribute("aria-controls", "class-panel");
  }

  setOpen(open) {
    this.room.open = open;
    saveTeacherRoom(this.room);
    this.panel.hidden = !open;
    document.documentElement.classList.toggle("class-docked", open); // wide screens: the page makes room (classroom.css)
    this.toggle?.setAttribute("aria-expanded", String(open));
  }

  /** The header's Class button: show or hide the panel (the class goes on either way). */
  togglePanel() {
    this.setOpen(this.panel.hidden);
    if (!this.panel.hidden) this.followButton.focus();
  }

  paintFollow() {
    const on = this.room.follow !== false;
    this.followButton.setAttribute("aria-pressed", String(on));
    this.followButton.textContent = on ? "Follow me: on" : "Follow me: off";
  }

  setFollow(on) {
    this.room.follow = on;
    saveTeacherRoom(this.room);
    this.paintFollow();
    this.say(on ? "Students follow your page." : "Students no longer follow your page.");
    if (on) this.sendState(true);
  }

  /** The count of students present, in the panel and in the open question's tally. */
  showPresent(count) {
    this.setPresent(count);
    if (this.tally && !this.revealed) {
      this.tally.present = count;
      this.drawTally();
    }
  }

  setPresent(count) {
    const n = Number(count) || 0;
    this.presentCount.textContent = String(n);
    this.presentWord.textContent = n === 1 ? " student present" : " students present";
  }

  // ---- the state, throttled ----

  /** Send the page's state if it changed: at most one message per sendEvery ms, the last one always. */
  sendState(force = false) {
    if (this.room.follow === false || !this.socket?.isOpen) return;
    const state = currentState();
    const text = JSON.stringify(state);
    if (text === this.lastSent && !force) return;
    const wait = this.lastSentAt + this.sendEvery - performance.now();
    if (wait > 0) {
      if (!this.pending) {
        this.pending = setTimeout(() => {
          this.pending = 0;
          this.sendState();
        }, wait);
      }
      return;
    }
    if (this.socket.send({ type: "state", state })) {
      this.lastSent = text;
      this.lastSentAt = performance.now();
    }
  }

  // ---- questions ----

  /** "Ask the class" under each exercise of a lesson page: its kind, seed and parameters. */
  addAskButtons() {
    const nodes = [...document.querySelectorAll("#lesson .exercise")];
    nodes.forEach((node, i) => {
      const button = el(
        "button",
        { type: "button", class: "class-ask", "aria-describedby": `ex${i + 1}-title` },
        "Ask the class",
      );
      button.addEventListener("click", () => this.ask(node));
      node.after(el("p", { class: "class-ui class-ask-row" }, button));
    });
  }

  ask(node) {
    const seed = Number.parseInt(node.dataset.seed ?? "", 10);
    let params = {};
    try {
      params = JSON.parse(node.dataset.params || "{}");
    } catch {
      // the lesson's own widget says so
    }
    const message = { type: "question", kind: node.dataset.kind, params };
    if (Number.isInteger(seed)) message.seed = seed;
    if (!this.socket.send(message)) this.say("Not asked: the connection is down. Try again in a moment.");
    else this.setOpen(true);
  }

  showQuestion(question) {
    this.question = question;
    this.tally = null;
    this.revealed = null;
    this.questionBox.hidden = false;
    this.questionText.textContent = String(question.prompt ?? "");
    this.revealButton.disabled = false;
    this.revealText.hidden = true;
    this.drawTally();
    if (this.room.question !== question.id) {
      this.room.question = question.id; // a page of the teacher's met this question: not announced again
      saveTeacherRoom(this.room);
      this.say("Question sent to the class.");
    }
  }

  drawTally() {
    const tally = this.tally ?? { counts: [], answered: 0, present: Number(this.presentCount.textContent) };
    renderHistogram(this.histogram, tally, this.question, this.revealed?.expected);
  }

  // ---- messages ----

  receive(message) {
    switch (message.type) {
      case "welcome":
        if (Number.isFinite(message.rate) && message.rate > 0) this.sendEvery = 1000 / (message.rate * RATE_SHARE);
        this.showPresent(message.present);
        break;
      case "presence":
        this.showPresent(message.present);
        break;
      case "question":
        this.showQuestion(message.question);
        break;
      case "tally":
        if (this.question && message.question !== this.question.id) break;
        this.tally = message;
        this.drawTally();
        this.say(`${message.answered} of ${message.present} answered.`);
        break;
      case "reveal":
        if (this.question && message.question !== this.question.id) break;
        this.revealed = message;
        this.tally = message;
        this.revealButton.disabled = true;
        this.revealText.hidden = false;
        this.revealText.textContent = `Revealed: the answer is ${answerLabel(message.expected, this.question)}.`;
        this.drawTally();
        if (this.room.revealed !== message.question) {
          this.room.revealed = message.question;
          saveTeacherRoom(this.room);
          this.say(this.revealText.textContent);
        }
        break;
      case "status":
        this.connection.update("store", message.status);
        if (message.status === "live") this.sendState(true); // what was sent while the store was away was not delivered
        break;
      case "error":
        this.say(`The class server said: ${message.message}`);
        break;
      case "ended": // ended from another of the teacher's pages (another tab with the key)
        this.finish("Class ended.");
        break;
      default:
        break; // "state" (our own latest, on connecting) and anything newer: nothing to show
    }
  }

  end() {
    this.socket.send({ type: "end" });
    this.finish("Class ended.");
  }

  closed(reason) {
    this.finish(`The class is closed${reason ? `: ${reason}` : "."}`);
  }

  finish(words) {
    const hadFocus = this.panel.contains(document.activeElement);
    clearTimeout(this.pending);
    this.unwatch();
    this.socket.close();
    saveTeacherRoom(null);
    for (const node of document.querySelectorAll(".class-ask-row")) node.remove();
    this.room.follow = false;
    replace(this.panel, el("p", { class: "class-ended" }, words));
    document.documentElement.classList.remove("class-docked");

    this.toggle?.removeAttribute("aria-expanded");
    if (hadFocus) this.toggle?.focus(); // the panel's buttons are gone: focus goes back to Class
    this.say(words);
    this.onFinish?.();
  }
}
