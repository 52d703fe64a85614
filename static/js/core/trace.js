// A trace as it streams in: the header, the step batches (columnar, as sent),
// and the done frame. Nothing here computes geometry or values: it only looks
// up what the engine sent.

const FLAGS = ["zeroed", "kept"];

export class TraceBuffer {
  constructor() {
    this.header = null;
    this.batches = [];
    this.loaded = 0; // steps received so far
    this.done = null;
    this.output = null; // Float64Array of output values by flat index, NaN until received
    this.filled = null; // Uint8Array: 1 where the value has arrived
    this.flags = {}; // per-step booleans of elementwise ops: "zeroed" (relu), "kept" (dropout)
  }

  get total() {
    return this.header ? this.header.steps.total : 0;
  }

  get complete() {
    return this.done !== null;
  }

  add(frame) {
    if (frame.type === "header") {
      this.header = frame;
      this.output = new Float64Array(frame.steps.total).fill(NaN);
      this.filled = new Uint8Array(frame.steps.total);
    } else if (frame.type === "steps") {
      this.batches.push(frame);
      const values = frame.value;
      // null stands for what JSON cannot write: -inf in max pooling (a window of padding
      // only), NaN elsewhere (lp_pool2d of a negative sum); see docs/TRACE_FORMAT.md
      const missing = this.header.op === "max_pool2d" ? -Infinity : NaN;
      // a step that is not an output cell (a scatter's input cell) carries no `value` in full detail
      for (let k = 0; values && k < frame.count; k += 1) {
        const v = values[k];
        this.output[frame.start + k] = v === null ? missing : v;
        this.filled[frame.start + k] = 1;
      }
      for (const name of FLAGS) {
        if (!frame[name]) continue;
        this.flags[name] ??= new Uint8Array(this.header.steps.total);
        frame[name].forEach((v, k) => {
          this.flags[name][frame.start + k] = v ? 1 : 0;
        });
      }
      this.loaded = frame.start + frame.count;
    } else if (frame.type === "done") {
      this.done = frame;
      this.flagsFromMask(frame.mask);
    }
  }

  /** Compact steps carry no flags: read them from the engine's mask (relu: 0 = zeroed; dropout: 1 = kept). */
  flagsFromMask(mask) {
    if (!mask || Object.keys(this.flags).length) return;
    const flat = mask.flat(2);
    const name = this.header.op === "relu" ? "zeroed" : "kept";
    this.flags[name] = Uint8Array.from(flat, (m) => (name === "zeroed" ? (m === 0 ? 1 : 0) : m));
  }

  /** The batch holding step i and i's position in it, or null if not loaded yet. */
  locate(i) {
    if (i < 0 || i >= this.loaded) return null;
    const size = this.header.steps.batch;
    let b = Math.floor(i / size);
    if (b >= this.batches.length || this.batches[b].start > i) b = this.batches.findIndex((x) => x.start + x.count > i);
    const batch = this.batches[b];
    return { batch, k: i - batch.start };
  }

  /** Step i as one object: every column's entry for that step, plus `cell`. */
  step(i) {
    const at = this.locate(i);
    if (!at) return null;
    const { batch, k } = at;
    const step = {};
    for (const [name, column] of Object.entries(batch)) {
      if (name !== "type" && name !== "start" && name !== "count") step[name] = column[k];
    }
    // compact frames carry `index` ([a, b, c] per step); full frames one column per name
    step.cell = batch.index ? batch.index[k] : this.header.steps.order.map((name) => step[name]);
    step.index = i;
    step.value = this.output[i]; // with null read back as -inf or NaN
    for (const [name, flags] of Object.entries(this.flags)) if (step[name] === undefined) step[name] = flags[i] === 1;
    return step;
  }

  /** Cell [a, b, c] of step i: step order is the row-major order of the stepped shape. */
  cellOf(i) {
    const [, b, c] = this.stepShape();
    return [Math.floor(i / (b * c)), Math.floor(i / c) % b, i % c];
  }

  stepShape() {
    const op = this.header.op;
    return op === "relu" || op === "dropout" ? this.header.input_shape : this.header.output_shape;
  }

  /** Output values on screen at step n (cells after n not yet computed): nested lists. */
  outputAt(n) {
    const [a, b, c] = this.header.output_shape;
    const result = [];
    for (let i = 0; i < a; i += 1) {
      const plane = [];
      for (let y = 0; y < b; y += 1) {
        const row = [];
        for (let x = 0; x < c; x += 1) {
          const flat = (i * b + y) * c + x;
          row.push(flat <= n && this.filled[flat] ? this.output[flat] : null); // -inf and NaN stay numbers
        }
        plane.push(row);
      }
      result.push(plane);
    }
    return result;
  }
}
