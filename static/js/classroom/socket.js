// The classroom's live channel (docs/CLASSROOM.md): one WebSocket to
// /api/classroom/{code}/live, JSON objects both ways, and automatic reconnection after a drop,
// with exponential backoff and jitter so a room of 200 does not reconnect in one burst.
//
// Status callbacks say where the channel is: "connecting" (first try), "live" (welcomed in the room),
// "reconnecting" (dropped, trying again) or "closed" (the server refused or ended it for good:
// no such room, a wrong key, the room full, the class ended; `onClosed` gets the code and reason).

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 15_000;
// Close codes after which trying again cannot help (docs/CLASSROOM.md, "Refused connections").
export const FINAL_CLOSES = new Set([4000, 4003, 4004, 4029, 4400]);

/** The live channel's address on this site, ws: or wss: as the page's own scheme. */
export function liveUrl(code, query = {}) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const search = new URLSearchParams(query).toString();
  return `${scheme}//${window.location.host}/api/classroom/${encodeURIComponent(code)}/live${search ? `?${search}` : ""}`;
}

/** The wait before reconnection attempt `n` (0, 1, 2...): between half and all of a cap that doubles
 * each attempt (from BACKOFF_START_MS up to BACKOFF_MAX_MS), the point in between drawn at random. */
export function backoff(n, random = Math.random) {
  const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** n);
  return Math.round(cap / 2 + random() * (cap / 2));
}

export class LiveSocket {
  /** `url`: from liveUrl; `onMessage(message)`, `onStatus(status)`, `onClosed({code, reason})`. */
  constructor(url, { onMessage, onStatus = () => {}, onClosed = () => {} }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onClosed = onClosed;
    this.attempt = 0;
    this.timer = 0;
    this.ws = null;
    this.stopped = false;
    this.final = false;
    this.status = "";
    this.lastError = "";
    this.open();
    // a page leaving (navigation) closes its socket quietly: no "reconnecting" flash
    window.addEventListener("pagehide", () => this.close());
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted || !this.stopped || this.final) return; // back to a page from the browser's cache: open again
      this.stopped = false;
      this.attempt = 0;
      this.open();
    });
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.onStatus(status);
  }

  open() {
    this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;

    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // the server sends JSON only; anything else is not ours to act on
      }
      if (message && typeof message === "object") {
        if (message.type === "error") this.lastError = String(message.message ?? "");
        if (message.type === "welcome") {
          // in the room: live, and the backoff starts again from its shortest wait (an opened socket
          // that is refused and closed at once, say while the shared store is down, keeps backing off)
          this.attempt = 0;
          this.setStatus("live");
        }
        this.onMessage(message);
      }
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      if (FINAL_CLOSES.has(event.code)) {
        this.stopped = true;
        this.final = true;
        this.setStatus("closed");
        this.onClosed({ code: event.code, reason: event.reason || this.lastError });
        return;
      }
      this.setStatus("reconnecting");
      this.timer = setTimeout(() => this.open(), backoff(this.attempt));
      this.attempt += 1;
    });
    // "error" is always followed by "close", where the retry is scheduled
  }

  /** Send one message; false when the channel is not open (the caller keeps what it must resend). */
  send(message) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  get isOpen() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Stop for good: no reconnection. */
  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, "page closed");
  }
}
