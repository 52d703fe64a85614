"""A trace drawn as pictures (Pillow): the (padded) input with the current window, the output filling in.

Pure: a trace and step numbers in, palette (P) images out; no FastAPI, no I/O. The
colours are the player's (static/js/core/config.js): a purple-orange diverging scale,
hatched grey padding. Every frame uses one fixed 256-colour palette and no dithering,
so the same trace and steps always give the same pixels (and a GIF the same bytes).

Each panel is drawn once in RGB and mapped to the palette once; a frame is then put
together with NumPy (output cells up to the step taken from the filled panel) and the
outlines drawn straight in palette indices.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.engine.conv2d import Conv2dTrace
from app.engine.pad import INPUT, OVERHANG, PADDING
from app.engine.pool import PoolTrace
from app.http.frames import Trace

RGB = tuple[int, int, int]
NEGATIVE, ZERO, POSITIVE = (84, 39, 136), (247, 247, 247), (179, 88, 6)
WHITE, WINDOW, LABEL, MUTED = (255, 255, 255), (17, 17, 17), (27, 27, 31), (85, 88, 94)
EMPTY, GRID, PAD = (241, 242, 244), (184, 188, 196), (230, 231, 234)
HATCH, OVERHANG_FILL = (154, 160, 170), (207, 210, 216)
UI = [WHITE, WINDOW, LABEL, MUTED, EMPTY, GRID, PAD, HATCH, OVERHANG_FILL]
LEVELS = 63  # shades on each side of zero
DIM = 0.72  # white laid over a channel the current step does not read
MARGIN, GAP, LABEL_H, MIN_NUMBER_CELL, WINDOW_LINE = 8, 14, 20, 22, 3
MIN_CELL = 2  # px: the smallest cell drawn
SMALL_CELL = 12  # px: below this a window is outlined as one box
MAX_NUMBERS = 20_000  # cells of one panel beyond which only colours are drawn


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _scale_colors() -> list[RGB]:
    """The diverging scale in 2 * LEVELS + 1 shades, most negative first."""
    return [_mix(ZERO, NEGATIVE, i / LEVELS) for i in range(LEVELS, 0, -1)] + [
        _mix(ZERO, POSITIVE, i / LEVELS) for i in range(LEVELS + 1)
    ]


@lru_cache
def palette() -> Image.Image:
    """The fixed palette: the scale, its dimmed shades, the interface colours and greys."""
    scale = _scale_colors()
    colors = scale + [_mix(c, WHITE, DIM) for c in scale[::4]] + UI + [_mix(c, WHITE, DIM) for c in UI]
    colors += [(g, g, g) for g in range(0, 256, 256 // (256 - len(colors)) + 1)]
    colors = list(dict.fromkeys(colors))[:256]
    colors += [WHITE] * (256 - len(colors))
    image = Image.new("P", (1, 1))
    image.putpalette([v for c in colors for v in c])
    return image


@lru_cache
def palette_bytes() -> bytes:
    """The palette as 768 bytes, r g b for each of the 256 indices."""
    return bytes(palette().getpalette() or [])


def index_of(color: RGB) -> int:
    """The palette index of an exact palette colour (white, the window's black)."""
    flat = list(palette_bytes())
    return next(i for i in range(len(flat) // 3) if tuple(flat[3 * i : 3 * i + 3]) == color)


def fmt(value: float) -> str:
    """As the player writes a number: integers as is, others to 2 decimals."""
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    size = abs(value)
    if size >= 1000:
        return f"{value:.1e}"
    text = f"{value:.{1 if size >= 100 else 2}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def ink(rgb: RGB) -> RGB:
    """Black or white, whichever contrasts more (WCAG luminance, as colors.js)."""

    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
    return WINDOW if lum > 0.179 else WHITE


@lru_cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class Grid:
    """``count`` slices of rows x cols cells, ``per_row`` to a line, each with a label above."""

    count: int
    rows: int
    cols: int
    cell: int

    @property
    def per_row(self) -> int:
        return math.ceil(math.sqrt(self.count))

    @property
    def lines(self) -> int:
        return math.ceil(self.count / self.per_row)

    def origin(self, i: int) -> tuple[int, int]:
        col, line = i % self.per_row, i // self.per_row
        return col * (self.cols * self.cell + GAP), line * (self.rows * self.cell + GAP + LABEL_H) + LABEL_H

    @property
    def size(self) -> tuple[int, int]:
        across = min(self.count, self.per_row)
        width = across * self.cols * self.cell + GAP * (across - 1) + 1
        return width, self.lines * (self.rows * self.cell + GAP + LABEL_H) - GAP + 1


def grids(trace: Trace, cell: int) -> tuple[Grid, Grid]:
    """The input panel (padded for windowed ops) and the output panel."""
    shape = trace.padded.values.shape if isinstance(trace, (Conv2dTrace, PoolTrace)) else trace.input.shape
    out = trace.output.shape
    return Grid(shape[0], shape[1], shape[2], cell), Grid(out[0], out[1], out[2], cell)


def canvas_size(trace: Trace, cell: int) -> tuple[int, int]:
    """Width and height of every frame: the two panels side by side."""
    (iw, ih), (ow, oh) = (g.size for g in grids(trace, cell))
    return 2 * MARGIN + iw + 2 * GAP + ow, 2 * MARGIN + max(ih, oh)


def auto_cell(trace: Trace, frames: int, max_pixels: int, width: int = 960, largest: int = 40) -> int:
    """The largest cell (px) that keeps a frame at most ``width`` wide and all frames under ``max_pixels``."""
    for cell in range(largest, MIN_CELL, -1):
        w, h = canvas_size(trace, cell)
        if w <= width and frames * w * h <= max_pixels:
            return cell
    return MIN_CELL


def _hatch(draw: ImageDraw.ImageDraw, x: int, y: int, cell: int) -> None:
    step = max(4, cell // 4)
    for d in range(-cell, cell, step):
        a, b = (x + d, y + cell - 1), (x + d + cell - 1, y)
        if a[0] < x:  # clip the diagonal to the cell
            a = (x, a[1] - (x - a[0]))
        if b[0] > x + cell - 1:
            b = (x + cell - 1, b[1] + (b[0] - (x + cell - 1)))
        if a[1] >= b[1]:
            draw.line([a, b], fill=HATCH)


def _text(draw: ImageDraw.ImageDraw, text: str, x: int, y: int, cell: int, fill: RGB) -> None:
    size = max(9, int(cell * 0.36))
    while size > 7 and font(size).getlength(text) > cell - 8:
        size -= 1
    draw.text((x + cell / 2, y + cell / 2 + 1), text, fill=fill, font=font(size), anchor="mm")


def _fills(values: np.ndarray, kinds: np.ndarray | None, scale: float, empty: bool) -> np.ndarray:
    """(C, H, W, 3) background colour of every cell, computed at once."""
    levels = np.asarray(_scale_colors(), dtype=np.uint8)
    finite = np.isfinite(values)
    t = np.clip(np.where(finite, values, 0.0) / scale, -1.0, 1.0) if scale > 0 else np.zeros(values.shape)
    fills = levels[LEVELS + np.rint(t * LEVELS).astype(np.int64)]
    fills[~finite | empty] = EMPTY
    if kinds is not None:
        fills[:, kinds == PADDING] = PAD
        fills[:, kinds == OVERHANG] = OVERHANG_FILL
    return fills


def draw_panel(
    grid: Grid,
    values: np.ndarray,
    kinds: np.ndarray | None,
    scale: float,
    labels: Sequence[str],
    empty: bool = False,
) -> Image.Image:
    """One panel in RGB: every slice's cells (or empty cells), hatched padding, grid lines, labels."""
    cell, numbers = grid.cell, grid.cell >= MIN_NUMBER_CELL and values.size <= MAX_NUMBERS
    canvas = np.full((grid.size[1], grid.size[0], 3), 255, dtype=np.uint8)
    fills = _fills(values, kinds, scale, empty)
    for i in range(grid.count):
        ox, oy = grid.origin(i)
        block = np.repeat(np.repeat(fills[i], cell, axis=0), cell, axis=1)
        canvas[oy : oy + block.shape[0], ox : ox + block.shape[1]] = block
    image = Image.fromarray(canvas, "RGB")
    draw = ImageDraw.Draw(image)
    padding = [] if kinds is None or cell < 4 else list(zip(*np.nonzero(kinds != INPUT), strict=True))
    for i in range(grid.count):
        ox, oy = grid.origin(i)
        for r, c in padding:
            _hatch(draw, ox + int(c) * cell, oy + int(r) * cell, cell)
        if numbers and not empty:
            _numbers(draw, values[i], fills[i], kinds, ox, oy, cell)
        width, height = grid.cols * cell, grid.rows * cell
        if cell >= 6:
            for k in range(grid.rows + 1):
                draw.line([(ox, oy + k * cell), (ox + width, oy + k * cell)], fill=GRID)
            for k in range(grid.cols + 1):
                draw.line([(ox + k * cell, oy), (ox + k * cell, oy + height)], fill=GRID)
        draw.rectangle([ox, oy, ox + width, oy + height], outline=GRID)
        if grid.count == 1 or grid.cols * cell >= 60:
            draw.text((ox, oy - 4), labels[i], fill=LABEL, font=font(13), anchor="lb")
    return image


def _numbers(
    draw: ImageDraw.ImageDraw,
    values: np.ndarray,
    fills: np.ndarray,
    kinds: np.ndarray | None,
    ox: int,
    oy: int,
    cell: int,
) -> None:
    """Each cell's number, in ink that reads on its colour (muted on padding)."""
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            kind = INPUT if kinds is None else int(kinds[r, c])
            value = float(values[r, c])
            if kind == OVERHANG or math.isnan(value):
                continue
            back: RGB = tuple(int(v) for v in fills[r, c])  # type: ignore[assignment]
            muted = kind == PADDING or not math.isfinite(value)
            _text(draw, fmt(value), ox + c * cell, oy + r * cell, cell, MUTED if muted else ink(back))


def to_palette(image: Image.Image) -> np.ndarray:
    """RGB -> palette indices: each distinct colour to its nearest palette colour (the first on a tie),
    so palette colours stay exact and the same image always gives the same indices."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int64)
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    keys, inverse = np.unique(packed, return_inverse=True)
    colors = np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=1)
    table = np.frombuffer(palette_bytes(), dtype=np.uint8).reshape(256, 3).astype(np.int64)
    nearest = ((colors[:, None, :] - table[None, :, :]) ** 2).sum(axis=2).argmin(axis=1).astype(np.uint8)
    return nearest[inverse].reshape(packed.shape)


def _dim(image: Image.Image) -> Image.Image:
    return Image.blend(image, Image.new("RGB", image.size, WHITE), DIM)


def _cell_index(grid: Grid) -> np.ndarray:
    """Per pixel of the output panel, the step that fills it (-1 outside every cell)."""
    index = np.full(grid.size[::-1], -1, dtype=np.int64)
    span = grid.rows * grid.cell, grid.cols * grid.cell
    cells = np.arange(grid.rows * grid.cols).reshape(grid.rows, grid.cols)
    block = np.repeat(np.repeat(cells, grid.cell, axis=0), grid.cell, axis=1)
    for i in range(grid.count):
        ox, oy = grid.origin(i)
        index[oy : oy + span[0], ox : ox + span[1]] = block + i * grid.rows * grid.cols
    return index


def _finite_max(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


class Renderer:
    """Frames of one trace at one cell size: panels drawn once, each step put together from them."""

    def __init__(self, trace: Trace, cell: int) -> None:
        self.trace = trace
        self.cell = cell
        self.windowed = isinstance(trace, (Conv2dTrace, PoolTrace))
        self.grid_in, self.grid_out = grids(trace, cell)
        self.size = canvas_size(trace, cell)
        padded = trace.padded if isinstance(trace, (Conv2dTrace, PoolTrace)) else None
        values = trace.input if padded is None else padded.values
        kinds = None if padded is None else padded.kinds
        in_scale = _finite_max(values)
        out_scale = _finite_max(trace.output) if self.windowed else max(in_scale, _finite_max(trace.output))
        in_labels = [f"channel {i}" if self.grid_in.count > 1 else "input" for i in range(self.grid_in.count)]
        out_labels = [f"output {i}" if self.grid_out.count > 1 else "output" for i in range(self.grid_out.count)]
        panel = draw_panel(self.grid_in, values, kinds, in_scale, in_labels)
        self.input = to_palette(panel)
        self.input_dim = to_palette(_dim(panel))
        self.full = to_palette(draw_panel(self.grid_out, trace.output, None, out_scale, out_labels))
        self.empty = to_palette(draw_panel(self.grid_out, trace.output, None, out_scale, out_labels, empty=True))
        self.cells = _cell_index(self.grid_out)
        self.out_x = MARGIN + self.grid_in.size[0] + 2 * GAP
        self.white, self.black = index_of(WHITE), index_of(WINDOW)

    def frame(self, step: int) -> Image.Image:
        """Step ``step``: the window (or cell) it reads outlined, the output filled up to it."""
        row = {name: column[0] for name, column in self.trace.steps(step, step + 1).items()}
        canvas = np.full(self.size[::-1], self.white, dtype=np.uint8)
        if self.windowed:
            slice_out = int(row["filter" if "filter" in row else "channel"])
            read = self._channels(slice_out)
            cells = [(int(r), int(c)) for r in row["rows"] for c in row["cols"]]
        else:
            slice_out = int(row["channel"])
            read = [slice_out]
            cells = [(int(row["y"]), int(row["x"]))]
        self._paste(canvas, self._input_panel(read), MARGIN, MARGIN)
        self._paste(canvas, np.where(self.cells <= step, self.full, self.empty), self.out_x, MARGIN)
        image = Image.fromarray(canvas, "P")
        image.putpalette(palette_bytes())
        draw = ImageDraw.Draw(image)
        for channel in read:
            self._outline(draw, self.grid_in, channel, cells, MARGIN, WINDOW_LINE)
        out_cell = [(int(row["oy"]), int(row["ox"]))] if self.windowed else cells
        self._outline(draw, self.grid_out, slice_out, out_cell, self.out_x, WINDOW_LINE + 1)
        return image

    def frames(self, steps: Sequence[int]) -> Iterator[Image.Image]:
        for step in steps:
            yield self.frame(step)

    def _channels(self, out_slice: int) -> list[int]:
        if isinstance(self.trace, Conv2dTrace):
            return [int(c) for c in self.trace.filter_channels[out_slice]]
        return [out_slice]

    def _input_panel(self, read: list[int]) -> np.ndarray:
        """The input panel with every channel the step does not read dimmed."""
        panel = self.input_dim.copy()
        h, w = self.grid_in.rows * self.cell + 1, self.grid_in.cols * self.cell + 1
        for channel in read:
            ox, oy = self.grid_in.origin(channel)
            panel[oy - LABEL_H : oy + h, ox : ox + w] = self.input[oy - LABEL_H : oy + h, ox : ox + w]
        return panel

    @staticmethod
    def _paste(canvas: np.ndarray, panel: np.ndarray, x: int, y: int) -> None:
        canvas[y : y + panel.shape[0], x : x + panel.shape[1]] = panel

    def _outline(
        self, draw: ImageDraw.ImageDraw, grid: Grid, i: int, cells: list[tuple[int, int]], left: int, line: int
    ) -> None:
        """A dark line with a white halo round each cell, readable on any colour (outlineCells in grid.js);
        below SMALL_CELL px, one round a window of adjacent cells, where one per cell would be a blur."""
        ox, oy = grid.origin(i)
        cell = grid.cell
        width = min(line, max(1, cell // 6))
        boxes = [(r, c, r + 1, c + 1) for r, c in cells]
        if cell < SMALL_CELL and _is_block(cells):
            rows, cols = [r for r, _ in cells], [c for _, c in cells]
            boxes = [(min(rows), min(cols), max(rows) + 1, max(cols) + 1)]
        for r0, c0, r1, c1 in boxes:
            x0, y0 = left + ox + c0 * cell, MARGIN + oy + r0 * cell
            x1, y1 = left + ox + c1 * cell - 1, MARGIN + oy + r1 * cell - 1
            draw.rectangle([x0 - 1, y0 - 1, x1 + 1, y1 + 1], outline=self.white, width=width + 2)
            draw.rectangle([x0, y0, x1, y1], outline=self.black, width=width)


def _is_block(cells: list[tuple[int, int]]) -> bool:
    """Whether the cells fill a rectangle (a window without dilation)."""
    rows, cols = {r for r, _ in cells}, {c for _, c in cells}
    return (
        len(cells) == len(rows) * len(cols)
        and max(rows) - min(rows) + 1 == len(rows)
        and max(cols) - min(cols) + 1 == len(cols)
    )


def sample_steps(total: int, count: int) -> list[int]:
    """``count`` steps spread evenly over ``total``, always the first and the last."""
    if count >= total:
        return list(range(total))
    if count <= 1:
        return [0]
    return sorted({round(i * (total - 1) / (count - 1)) for i in range(count)})
