"""A trace drawn as pictures (Pillow): the (padded) input with the current window, the output filling in.

Pure: a trace and step numbers in, palette (P) images out; no FastAPI, no I/O. The colours
and the value -> colour rule are the one palette's (static/palette.json, app/images/palette.py),
which the canvas reads too; number text follows the canvas's rule (docs/PALETTE.md). Every
frame uses one fixed 256-colour palette and no dithering, so the same trace and steps always
give the same pixels (and a GIF the same bytes).

What to draw comes from the trace itself (app/engine/drawing.py: ``input_panel``,
``output_on_input_scale``, ``highlight``): no op type is named here.

Each panel is drawn once in RGB and mapped to the palette once; a frame is then put
together with NumPy (output cells up to the step taken from the filled panel) and the
outlines drawn straight in palette indices.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.engine.pad import INPUT, INSERTED, OVERHANG, PADDING
from app.engine.trace import Trace, filled_at, output_panel
from app.images import palette as P

RGB = tuple[int, int, int]
WHITE, WINDOW, LABEL, MUTED = P.cell("background"), P.cell("window"), P.cell("label"), P.cell("muted")
EMPTY, GRID, PAD = P.cell("empty"), P.cell("gridLine"), P.cell("padding")
HATCH, OVERHANG_FILL, INSERTED_FILL = P.cell("paddingHatch"), P.cell("overhang"), P.cell("inserted")
HALO = P.cell("windowHalo")
UNCOVERED, UNCOVERED_ALPHA = P.parse(P.PALETTE["cell"]["uncovered"])
INK = [P.cell("inkDark"), P.cell("inkLight")]
UI = [WHITE, WINDOW, LABEL, MUTED, EMPTY, GRID, PAD, HATCH, OVERHANG_FILL, INSERTED_FILL, HALO, *INK, UNCOVERED]
DIM_COLOR, DIM = P.parse(P.PALETTE["cell"]["dim"])  # laid over a channel the current step does not read
LAYOUT = P.PALETTE["layout"]  # shared with the canvas (SIZES in static/js/config.js)
GAP, LABEL_H = int(LAYOUT["gap"]), int(LAYOUT["labelHeight"])
MIN_NUMBER_CELL, WINDOW_LINE = int(LAYOUT["minNumberCell"]), int(LAYOUT["windowLine"])
MARGIN = 8  # px round the frame
MIN_CELL = 2  # px: the smallest cell drawn
SMALL_CELL = 12  # px: below this a window is outlined as one box
MAX_NUMBERS = 20_000  # cells of one panel beyond which only colours are drawn


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


@lru_cache
def palette() -> Image.Image:
    """The fixed palette: the scale, its dimmed shades, the interface colours and greys."""
    scale = P.SHADES
    colors = scale + [_mix(c, DIM_COLOR, DIM) for c in scale[::4]] + UI + [_mix(c, DIM_COLOR, DIM) for c in UI]
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


INFINITY, MINUS_INFINITY = "∞", "−∞"  # U+221E, U+2212 U+221E


def _round_half_up(value: Decimal, places: int) -> Decimal:
    """``value`` to ``places`` decimals, a tie away from zero (JS toFixed/toExponential on the exact double)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt(value: float) -> str:
    """A number's text, as static/js/render/colors.js ``fmt`` writes it (docs/PALETTE.md): NaN none,
    ±inf ∞ and −∞, a whole number below 10^15 in full, from 1000 up a mantissa with one decimal
    (1.2e+4), from 100 up one decimal, else two, trailing zeros dropped, -0 as 0."""
    value = float(value)
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return INFINITY if value > 0 else MINUS_INFINITY
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    exact, size = Decimal(value), abs(value)
    if size >= 1000:
        exponent = exact.adjusted()
        mantissa = _round_half_up(exact.scaleb(-exponent), 1)
        if abs(mantissa) >= 10:
            exponent += 1
            mantissa = _round_half_up(exact.scaleb(-exponent), 1)
        return f"{mantissa}e+{exponent}"
    text = str(_round_half_up(exact, 1 if size >= 100 else 2))
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


ink = P.ink


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
    """The input panel (as the trace draws it: padded for windowed ops) and the output panel."""
    shape = trace.input_panel().values.shape
    out = output_panel(trace).shape
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
    if text in (INFINITY, MINUS_INFINITY):  # the bundled font has no ∞ or − glyph: drawn as lines
        _infinity(draw, text == MINUS_INFINITY, x + cell / 2, y + cell / 2 + 1, min(size, (cell - 8) / 1.6), fill)
        return
    while size > 7 and font(size).getlength(text) > cell - 8:
        size -= 1
    draw.text((x + cell / 2, y + cell / 2 + 1), text, fill=fill, font=font(size), anchor="mm")


def _infinity(draw: ImageDraw.ImageDraw, negative: bool, cx: float, cy: float, size: float, fill: RGB) -> None:
    """∞ (a lemniscate) ``size`` px wide, after a minus bar for −∞, the whole centred on (cx, cy)."""
    line, bar = max(1, round(size / 10)), size * 0.65 if negative else 0.0
    left = cx - (size + bar) / 2
    if negative:
        draw.line([(left, cy), (left + size * 0.5, cy)], fill=fill, width=line)
    middle, half = left + bar + size / 2, size / 2
    turns = [2 * math.pi * k / 48 for k in range(49)]
    points = [
        (
            middle + half * math.cos(t) / (1 + math.sin(t) ** 2),
            cy + 1.4 * half * math.sin(t) * math.cos(t) / (1 + math.sin(t) ** 2),
        )
        for t in turns
    ]
    draw.line(points, fill=fill, width=line, joint="curve")


def _fills(values: np.ndarray, kinds: np.ndarray | None, scale: float, empty: bool) -> np.ndarray:
    """(C, H, W, 3) background colour of every cell, computed at once (palette.diverging)."""
    fills = P.diverging(values, scale)
    if empty:
        fills[...] = EMPTY
    if kinds is not None:
        fills[:, kinds == PADDING] = PAD
        fills[:, kinds == OVERHANG] = OVERHANG_FILL
        fills[:, kinds == INSERTED] = INSERTED_FILL  # a transposed convolution's inserted zeros: not input
    return fills


def draw_panel(
    grid: Grid,
    values: np.ndarray,
    kinds: np.ndarray | None,
    scale: float,
    labels: Sequence[str],
    empty: bool = False,
    uncovered: Sequence[tuple[int, int]] = (),
) -> Image.Image:
    """One panel in RGB: every slice's cells (or empty cells), hatched padding, grid lines, the
    cells no window reads crossed out, labels (the canvas's drawSlice and crossCells)."""
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
    if uncovered:
        _cross(image, grid, uncovered)
    return image


def _cross(image: Image.Image, grid: Grid, cells: Sequence[tuple[int, int]]) -> None:
    """Cross out cells (row, col) of every slice in the translucent 'uncovered' colour."""
    cell = grid.cell
    draw = ImageDraw.Draw(image, "RGBA")
    color = (*UNCOVERED, round(UNCOVERED_ALPHA * 255))
    width, margin = max(1, round(cell / 22)), cell * 0.12
    for i in range(grid.count):
        ox, oy = grid.origin(i)
        for r, c in cells:
            x, y = ox + c * cell, oy + r * cell
            draw.line([(x + margin, y + margin), (x + cell - margin, y + cell - margin)], fill=color, width=width)
            draw.line([(x + cell - margin, y + margin), (x + margin, y + cell - margin)], fill=color, width=width)


def _numbers(
    draw: ImageDraw.ImageDraw,
    values: np.ndarray,
    fills: np.ndarray,
    kinds: np.ndarray | None,
    ox: int,
    oy: int,
    cell: int,
) -> None:
    """Each cell's number, in ink that reads on its colour (muted on padding and inserted zeros); none on
    overhang or NaN."""
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            kind = INPUT if kinds is None else int(kinds[r, c])
            value = float(values[r, c])
            if kind == OVERHANG or math.isnan(value):
                continue
            back: RGB = tuple(int(v) for v in fills[r, c])  # type: ignore[assignment]
            _text(
                draw,
                fmt(value),
                ox + c * cell,
                oy + r * cell,
                cell,
                MUTED if kind in (PADDING, INSERTED) else ink(back),
            )


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
    return Image.blend(image, Image.new("RGB", image.size, DIM_COLOR), DIM)


def _cell_index(grid: Grid, filled: np.ndarray) -> np.ndarray:
    """Per pixel of the output panel, the step after which its cell is final (``filled``, one per cell;
    a cell is drawn empty before it; -1 outside every cell)."""
    index = np.full(grid.size[::-1], -1, dtype=np.int64)
    span = grid.rows * grid.cell, grid.cols * grid.cell
    for i in range(grid.count):
        ox, oy = grid.origin(i)
        block = np.repeat(np.repeat(filled[i], grid.cell, axis=0), grid.cell, axis=1)
        index[oy : oy + span[0], ox : ox + span[1]] = block
    return index


class Renderer:
    """Frames of one trace at one cell size: panels drawn once, each step put together from them."""

    def __init__(self, trace: Trace, cell: int) -> None:
        self.trace = trace
        self.cell = cell
        self.grid_in, self.grid_out = grids(trace, cell)
        self.size = canvas_size(trace, cell)
        panel_in = trace.input_panel()
        in_scale = P.finite_scale(panel_in.values)
        out_values = output_panel(trace)
        out_scale = P.finite_scale(out_values)
        if trace.output_on_input_scale():
            out_scale = max(in_scale, out_scale)
        in_labels = [f"channel {i}" if self.grid_in.count > 1 else "input" for i in range(self.grid_in.count)]
        out_labels = [f"output {i}" if self.grid_out.count > 1 else "output" for i in range(self.grid_out.count)]
        values, kinds, uncovered = panel_in.values, panel_in.kinds, panel_in.uncovered
        panel = draw_panel(self.grid_in, values, kinds, in_scale, in_labels, uncovered=uncovered)
        self.input = to_palette(panel)
        self.input_dim = to_palette(_dim(panel))
        self.full = to_palette(draw_panel(self.grid_out, out_values, None, out_scale, out_labels))
        self.empty = to_palette(draw_panel(self.grid_out, out_values, None, out_scale, out_labels, empty=True))
        self.cells = _cell_index(self.grid_out, filled_at(trace))
        self.out_x = MARGIN + self.grid_in.size[0] + 2 * GAP
        self.white, self.black = index_of(HALO), index_of(WINDOW)

    def frame(self, step: int) -> Image.Image:
        """Step ``step``: the window (or cell) it reads outlined, the output filled up to it."""
        mark = self.trace.highlight(step)
        canvas = np.full(self.size[::-1], index_of(WHITE), dtype=np.uint8)
        read = list(mark.channels)
        self._paste(canvas, self._input_panel(read), MARGIN, MARGIN)
        self._paste(canvas, np.where(self.cells <= step, self.full, self.empty), self.out_x, MARGIN)
        image = Image.fromarray(canvas, "P")
        image.putpalette(palette_bytes())
        draw = ImageDraw.Draw(image)
        for channel in read:
            self._outline(draw, self.grid_in, channel, list(mark.cells), MARGIN, WINDOW_LINE)
        written = [(mark.out_slice, *mark.out_cell)] if mark.written is None else list(mark.written)
        for out_slice in dict.fromkeys(s for s, _, _ in written):
            cells = [(r, c) for s, r, c in written if s == out_slice]
            self._outline(draw, self.grid_out, out_slice, cells, self.out_x, WINDOW_LINE + 1)
        return image

    def frames(self, steps: Sequence[int]) -> Iterator[Image.Image]:
        for step in steps:
            yield self.frame(step)

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
        """A dark line with a light halo round each cell, readable on any colour (outlineCells in grid.js);
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
