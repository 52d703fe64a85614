// Which cells feed which: looked up in the trace header (each window's taps per
// axis, each filter's channels), never recomputed from the parameters.

/** Input channels that output map `f` reads (pooling: its own channel). */
export function channelsOf(header, f) {
  return header.filter_channels ? header.filter_channels[f] : [f];
}

/** The window of output cell [f, oy, ox]: channels, padded rows and padded columns. */
export function windowOf(header, [f, oy, ox]) {
  return {
    channels: channelsOf(header, f),
    rows: header.geometry.height.taps[oy],
    cols: header.geometry.width.taps[ox],
  };
}

/** Every output cell [f, oy, ox] whose window reads padded cell (row, col) of channel c. */
export function feeds(header, c, row, col) {
  const ys = [];
  header.geometry.height.taps.forEach((taps, oy) => {
    if (taps.includes(row)) ys.push(oy);
  });
  const xs = [];
  header.geometry.width.taps.forEach((taps, ox) => {
    if (taps.includes(col)) xs.push(ox);
  });
  const maps = header.output_shape[0];
  const cells = [];
  for (let f = 0; f < maps; f += 1) {
    if (!channelsOf(header, f).includes(c)) continue;
    for (const oy of ys) for (const ox of xs) cells.push([f, oy, ox]);
  }
  return cells;
}

/** Padded (row, col) cells of input rows/columns that no window covers. */
export function uncoveredCells(header) {
  const [[top], [left]] = header.padding;
  const [, h, w] = header.input_shape;
  const rows = header.geometry.height.uncovered;
  const cols = header.geometry.width.uncovered;
  const cells = [];
  for (const r of rows) for (let x = 0; x < w; x += 1) cells.push([r + top, x + left]);
  for (const c of cols) for (let y = 0; y < h; y += 1) if (!rows.includes(y)) cells.push([y + top, c + left]);
  return cells;
}
