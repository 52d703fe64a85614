// Every request the pages make to the ConvScope API. The server validates before it answers,
// so a 4xx/5xx is a JSON error ({status, message, detail: [{param, loc, ...}]}, docs/ERRORS.md);
// it becomes one ApiError carrying the server's worded message, its status and the parameter
// it is about. The /check routes always answer 200 ({ok, status, message, detail, steps}):
// check() turns a refusal into the same ApiError, so a page shows both the same way.

export class ApiError extends Error {
  constructor(message, status, { param = null, detail = [] } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.param = param; // the parameter the message is about, when the server named one
    this.detail = detail;
  }
}

/** The error a refused answer (or verdict) stands for: the server's words, else its status. */
function errorOf(body, status) {
  const words = body && typeof body.message === "string" ? body.message : `The server answered ${status}.`;
  const detail = Array.isArray(body?.detail) ? body.detail : [];
  return new ApiError(words, status, { param: detail[0]?.param ?? null, detail });
}

async function request(url, init) {
  const response = await fetch(url, init);
  if (response.ok) return response;
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page, say): the status line is all there is
  }
  throw errorOf(body, response.status);
}

/** GET `url` and read its JSON answer; rejects with ApiError on a 4xx/5xx. */
export async function getJson(url, { signal } = {}) {
  const response = await request(url, { signal, headers: { Accept: "application/json" } });
  return response.json();
}

/** POST `body` (an object sent as JSON, or FormData sent as it is) and read the JSON answer. */
export async function postJson(url, body, { signal } = {}) {
  const form = body instanceof FormData;
  const response = await request(url, {
    method: "POST",
    headers: form ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
    body: form ? body : JSON.stringify(body),
    signal,
  });
  return response.json();
}

/**
 * GET a /check route (always 200) and return its verdict when it is ok; a refusal
 * rejects with the ApiError the refused request itself would have given.
 */
export async function check(url, { signal } = {}) {
  const verdict = await getJson(url, { signal });
  if (verdict.ok) return verdict;
  const refusal = errorOf(verdict, verdict.status);
  refusal.verdict = verdict; // a refusal of the request asked about, not a failure of the check itself
  throw refusal;
}

/**
 * GET `url` as NDJSON and call onFrame(frame) for each line as it arrives.
 * Resolves when the stream ends; rejects with ApiError on a 4xx/5xx.
 */
export async function streamNdjson(url, onFrame, { signal } = {}) {
  const response = await request(url, { signal, headers: { Accept: "application/x-ndjson" } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line) onFrame(JSON.parse(line));
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered.trim()) onFrame(JSON.parse(buffered));
}
