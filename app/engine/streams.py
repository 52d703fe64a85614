"""Every random stream ConvScope draws from, by name: the one table that numbers them.

A stream is the number after the seed in the key ``[seed, number]`` that
``app.engine.random`` seeds its generator with: two users with the same number would draw
the same words for the same seed. So no user picks a number: it asks for its stream by
name (and, for a per-layer or per-parameter stream, an index), and this table is the only
place numbers are written. A block is
``count`` streams ``first, first + step, ...`` for the indices ``offset .. offset + count - 1``
of its name; a name may take more than one block. ``BLOCKS`` is checked when this module
is imported: no number belongs to two streams (tests/engine/test_streams.py enumerates them all).

The numbers are the ones each user had before the table existed, so every seeded value
stays the same, with one exception: stack layers 25, 26 and 50 and above. Layer i drew
from 100 + 2i and 101 + 2i, which were also the augmentations' streams (150-153: layers
25 and 26) and the exercises' (200-231: layers 50-65). Those layers' streams moved up by
``MOVED`` (layer 25: 2050 and 2051; layers from 50 on in one block, so that it can run to
``LAYERS``); layers 0-24 and 27-49 kept their numbers.

To add a user: add a block whose numbers no other block has (a new range above the
highest, for instance), and ask for it by name.
"""

from __future__ import annotations

from dataclasses import dataclass

LAYERS = 1024  # per-layer streams of a stack: Settings.max_layers may not exceed this (app/config.py)
MOVED = 1900  # a stack layer whose streams collided draws from its old numbers + MOVED
EXERCISE_STREAMS = 32  # an exercise kind's parameters and extra draws (app/lessons/exercises.py)


@dataclass(frozen=True)
class Block:
    name: str
    first: int
    count: int = 1
    step: int = 1
    offset: int = 0  # the index of ``first`` within its name

    @property
    def numbers(self) -> range:
        return range(self.first, self.first + self.step * self.count, self.step)

    def holds(self, index: int) -> bool:
        return self.offset <= index < self.offset + self.count


def _layers(start: int, stop: int, moved: bool = False) -> tuple[Block, Block]:
    """Layers start to stop - 1: weight 100 + 2i, bias 101 + 2i (+ MOVED if moved)."""
    first = 100 + 2 * start + (MOVED if moved else 0)
    count = stop - start
    return Block("stack.weight", first, count, 2, start), Block("stack.bias", first + 1, count, 2, start)


BLOCKS: tuple[Block, ...] = (
    # generated op inputs (app/engine/generated.py) and dropout masks: docs/TRACE_FORMAT.md section 10
    Block("input", 0),
    Block("weight", 1),
    Block("bias", 2),
    Block("mask", 3),
    Block("grad_output", 4),  # conv2d_backward's generated grad_output
    # the stack's seeded weights and biases, layer i (app/stack/run.py)
    *_layers(0, 25),
    *_layers(25, 27, moved=True),  # were the augmentations'
    *_layers(27, 50),
    *_layers(50, LAYERS, moved=True),  # were the exercises'
    # augmentations (app/images/augment.py)
    Block("augment.crop", 150),
    Block("augment.jitter", 151),
    Block("augment.translate", 152),
    Block("augment.rotate", 153),
    # an exercise's n-th parameter or extra draw (app/lessons/exercises.py)
    Block("exercise", 200, EXERCISE_STREAMS),
    # the digits' split and the transfer lesson (app/transfer/)
    Block("digits.split", 1000),
    Block("transfer.examples", 1001),
    Block("transfer.head", 1002),
    Block("transfer.scratch", 1003),
)
NAMES: tuple[str, ...] = tuple(dict.fromkeys(block.name for block in BLOCKS))


def number(name: str, index: int | None = None) -> int:
    """The stream of ``name`` (with its ``index`` when the name has more than one stream)."""
    blocks = [block for block in BLOCKS if block.name == name]
    if not blocks:
        raise KeyError(f"no random stream named {name!r}; the streams are: {', '.join(NAMES)}")
    if indexed(name) != (index is not None):
        raise TypeError(f"stream {name!r} {'needs' if indexed(name) else 'takes no'} index")
    i = index or 0
    for block in blocks:
        if block.holds(i):
            return block.first + block.step * (i - block.offset)
    size = sum(block.count for block in blocks)
    raise IndexError(f"stream {name!r} has indices 0 to {size - 1}; got {i}")


def indexed(name: str) -> bool:
    """Whether ``name`` is a family of streams (per layer, per parameter) asked for with an index."""
    blocks = [block for block in BLOCKS if block.name == name]
    return len(blocks) > 1 or sum(block.count for block in blocks) > 1


def indices(name: str) -> range:
    """Every index ``name`` takes (range(1) for a name with one stream)."""
    return range(sum(block.count for block in BLOCKS if block.name == name))


def _check(blocks: tuple[Block, ...]) -> None:
    """No number in two blocks; each name's blocks cover its indices 0, 1, ... once, in order."""
    owner: dict[int, str] = {}
    for block in blocks:
        for n in block.numbers:
            if n in owner:
                raise AssertionError(f"random stream {n} belongs to both {owner[n]} and {block.name}")
            owner[n] = block.name
    for name in dict.fromkeys(block.name for block in blocks):
        offsets = [(block.offset, block.count) for block in blocks if block.name == name]
        expected = 0
        for offset, count in offsets:
            if offset != expected or count < 1:
                raise AssertionError(f"the blocks of random stream {name!r} must cover its indices once, in order")
            expected += count


_check(BLOCKS)
