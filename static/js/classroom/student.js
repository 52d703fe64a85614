// A student's side of a class (docs/CLASSROOM.md): the page follows the teacher's state (it
// loads the teacher's page when the path or parameters differ, else seeks, plays and pauses),
// a banner says "Following KPRTXW" or, once the student changes anything themselves,
// "Exploring on your own" with "Back to the class"; the teacher's questions appear as a card.
// The room ({code, student, exploring}) is in sessionStorage (session.js): each page of the
// student's tab reconnects as the same student.

import { PLAYER_KEYS } from "../core/present.js";
import { el } from "../widgets/dom.js";
import { applyState, player, samePage, stateUrl } from "./pagestate.js";
import { QuestionCard } from "./question.js";
import { saveStudentRoom, studentId } from "./session.js";
import { LiveSocket, liveUrl } from "./socket.js";
import { Connection, liveRegion, placeBelowHeader } from "./ui.js";

const OWN_UI = ".class-ui";
const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);

/** Join the room `code` in this tab (kept in sessionStorage) and start following. */
export function joinRoom(code) {
  const room = { code, student: studentId(), exploring: false };
  saveStudentRoom(room);
  return new Student(room);
}

export class Student {
  constructor(room) {
    this.room = room;
    this.say = liveRegion();
    this.latest = null;
    this.section = null; // the lesson part last scrolled to: the student may scroll on their own in between
    this.waiting = false;
    this.ended = false;
    this.buildBanner();
    this.card = new QuestionCard(
      this.cardNode,
      (answer) => this.socket.send({ type: "answer", answer }),
      this.say,
      () => {
        this.room.closed = this.card.lastId; // a closed question stays closed on the next pages
        this.saveRoom();
        this.say("Question closed.");
      },
    );
    this.watchOwnChanges();
    player()?.on?.("ready", () => {
      if (this.waiting && this.latest && !this.room.exploring) this.follow(this.latest);
    });
    this.socket = new LiveSocket(liveUrl(room.code, { student: room.student }), {
      onMessage: (message) => this.receive(message),
      onStatus: (status) => this.connection.update("socket", status),
      onClosed: ({ code, reason }) => this.closed(code, reason),
    });
  }

  // ---- the banner ----

  buildBanner() {
    this.text = el("span", { class: "class-banner-text", tabindex: "-1" }); // focus lands here when a button goes
    const conn = el("span", { class: "class-conn" });
    this.connection = new Connection(conn, this.say);
    this.connection.update("socket", "connecting");
    this.backButton = el("button", { type: "button", class: "primary class-back", hidden: "" }, "Back to the class");
    this.backButton.addEventListener("click", () => this.backToClass());
    this.leaveButton = el("button", { type: "button", class: "class-leave" }, "Leave");
    this.leaveButton.addEventListener("click", () => this.leave());
    this.banner = el(
      "div",
      { class: "class-ui class-banner", role: "region", "aria-label": "Class" },
      this.text,
      conn,
      el("span", { class: "class-banner-buttons" }, this.backButton, this.leaveButton),
    );
    this.cardNode = el("section", {
      class: "class-ui class-question",
      "aria-labelledby": "class-q-title",
      hidden: "",
    });
    placeBelowHeader(this.cardNode);
    placeBelowHeader(this.banner);
    this.paintBanner();
  }

  paintBanner() {
    const { code, exploring } = this.room;
    this.banner.dataset.mode = exploring ? "exploring" : "following";
    this.text.textContent = exploring ? "Exploring on your own" : `Following ${code}`;
    this.backButton.hidden = !exploring;
  }

  saveRoom() {
    saveStudentRoom(this.room);
  }

  // ---- following ----

  /** Bring the page to the teacher's state: load the teacher's page, or seek, play and pause here. */
  follow(state) {
    this.waiting = false;
    const arrived = this.room.arrived && samePage(state, this.room.arrived) && state.path === window.location.pathname;
    const done = applyState(state, { sameAsHere: Boolean(arrived), lastSection: this.section });
    this.section = state.section ?? null;
    if (done === "wait") this.waiting = true;
    if (done !== "navigate") return;
    const url = stateUrl(state);
    if (!url) return;
    this.room.arrived = { path: state.path, params: state.params }; // the page we went to, as the teacher named it
    this.saveRoom();
    window.location.assign(url);
  }

  explore() {
    if (this.room.exploring || this.ended) return;
    this.room.exploring = true;
    this.room.arrived = null; // this page is the student's own now: back to the class loads the teacher's again
    this.saveRoom();
    this.paintBanner();
    this.say("Exploring on your own. “Back to the class” follows the teacher again.");
  }

  backToClass() {
    const hadFocus = document.activeElement === this.backButton;
    this.room.exploring = false;
    this.saveRoom();
    this.paintBanner();
    if (hadFocus) this.text.focus(); // the button is gone: keyboard focus stays in the banner
    this.say(`Following ${this.room.code} again.`);
    if (this.latest) this.follow(this.latest);
  }

  /** The student's own changes (trusted events only: the page's own updates never count). */
  watchOwnChanges() {
    const ours = (target) => target instanceof Element && Boolean(target.closest(OWN_UI));
    const fieldChange = (event) => {
      if (!event.isTrusted || ours(event.target)) return;
      if (event.target instanceof Element && event.target.closest(".exercise")) return; // a lesson's own exercise
      this.explore();
    };
    document.addEventListener("input", fieldChange, true);
    document.addEventListener("change", fieldChange, true);
    document.addEventListener(
      "click",
      (event) => {
        if (!event.isTrusted || ours(event.target) || !(event.target instanceof Element)) return;
        if (event.target.closest(".transport button, #view-toggle button, #btn-new-mask")) this.explore();
        const link = event.target.closest("a[href]");
        const here = window.location;
        if (link && link.origin === here.origin && (link.pathname !== here.pathname || link.search !== here.search))
          this.explore(); // off to another page of the site (a link within this page is not)
      },
      true,
    );
    document.addEventListener(
      "keydown",
      (event) => {
        if (!event.isTrusted || !player() || event.ctrlKey || event.metaKey || event.altKey) return;
        const target = event.target;
        if (target instanceof Element && TYPING.has(target.tagName)) return;
        if (
          target instanceof Element &&
          target.closest("button, a, summary") &&
          (event.key === " " || event.key === "Enter")
        )
          return; // a button's own key (its click is counted above)
        if (PLAYER_KEYS.has(event.key)) this.explore();
      },
      true,
    );
  }

  // ---- messages ----

  receive(message) {
    switch (message.type) {
      case "welcome":
        if (message.student && message.student !== this.room.student) {
          this.room.student = message.student;
          this.saveRoom();
        }
        break;
      case "state":
        this.latest = message.state;
        if (!this.room.exploring) this.follow(message.state);
        break;
      case "question": {
        const id = message.question?.id;
        const fresh = this.room.question !== id;
        if (fresh) {
          this.room.question = id;
          this.saveRoom();
        }
        this.card.lastId = id;
        if (this.room.closed !== id) this.card.show(message.question, fresh);
        break;
      }
      case "answered":
        this.card.answered(message);
        break;
      case "reveal": {
        const fresh = this.room.revealed !== message.question;
        if (fresh) {
          this.room.revealed = message.question;
          this.saveRoom();
        }
        this.card.reveal(message, fresh);
        break;
      }
      case "status":
        this.connection.update("store", message.status);
        break;
      case "ended":
        this.end("The class has ended.");
        break;
      case "error":
        if (!this.card.error(message.message)) this.say(`The class server said: ${message.message}`);
        break;
      default:
        break;
    }
  }

  closed(code, reason) {
    if (this.ended) return;
    const words =
      code === 4000
        ? "The class has ended."
        : code === 4004
          ? `There is no class ${this.room.code} any more: it has ended or expired.`
          : `Could not stay in class ${this.room.code}${reason ? `: ${reason}` : "."}`;
    this.end(words);
  }

  /** The class is over for this student: say so, keep the page as it is, forget the room. */
  end(words) {
    this.ended = true;
    this.socket.close();
    saveStudentRoom(null);
    this.banner.dataset.mode = "ended";
    this.text.textContent = words;
    this.backButton.hidden = true;
    this.leaveButton.textContent = "Close";
    this.say(words);
  }

  leave() {
    if (!this.ended) {
      this.socket.close();
      saveStudentRoom(null);
      this.say(`You left class ${this.room.code}.`);
    }
    this.banner.remove();
    this.cardNode.remove();
    this.onLeave?.();
  }
}
