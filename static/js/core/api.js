// Read an NDJSON trace stream frame by frame. The server validates everything
// before the first byte, so a non-200 answer is a JSON error with a message.

export class TraceError extends Error {
  constructor(message, status, param = null) {
    super(message);
    this.name = "TraceError";
    this.status = status;
    this.param = param; // the parameter the message is about, when the server named one
  }
}

/**
 * Ask the server whether a GET trace with `query` would stream. The answer is always a
 * 200 ({ok, status, message}), so an invalid setting shows its message on the page
 * without the browser logging a failed request.
 */
export async function checkTrace(op, query, signal) {
  const response = await fetch(`/api/${op}/check?${query}`, { signal });
  if (!response.ok) throw new TraceError(`The server answered ${response.status}.`, response.status);
  return response.json();
}

/**
 * Fetch `url` and call onFrame(frame) for each line as it arrives.
 * Resolves when the stream ends; rejects with TraceError on a 4xx/5xx.
 */
export async function streamTrace(url, onFrame, signal) {
  const response = await fetch(url, { signal, headers: { Accept: "application/x-ndjson" } });
  if (!response.ok) {
    let message = `The server answered ${response.status}.`;
    try {
      const body = await response.json();
      if (body && typeof body.message === "string") message = body.message;
    } catch {
      // the body was not JSON: keep the status line
    }
    throw new TraceError(message, response.status);
  }
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
