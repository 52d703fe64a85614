"""Reading a lesson's text for tests/lessons/test_prose_numbers.py: the words and numbers a reader sees
(prose, tables, captions, and the titles and alt texts of its figures), and which of its numbers a
test has claimed.

Numbers a template prints from app/lessons/numbers.py (``{{ ... }}``) are the engine's at render
time: they are left out here. Every other number is typed by hand, and must lie in a fragment that a
test checked against the engine (``claim``) or named as a fact from outside it (``fact``: a year, a
paper's figure, a formula's constant).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from app.api import build
from app.config import get_settings
from app.engine.specs import OPS
from app.schemas.traces import QUERIES
from app.stack.shapes import StackError, stack_shapes

LESSONS = Path(__file__).resolve().parents[2] / "templates" / "lessons"
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
BREAKS = {"p", "td", "th", "tr", "li", "caption", "figcaption", "h2", "h3", "table", "div", "section", "ul", "ol"}
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BREAKS:
            self.parts.append(" ")
        for name, value in attrs:
            if name in ("title", "alt") and value:
                self.parts.append(f" [{value}] ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def reader_text(source: str) -> str:
    """What a reader sees of a lesson template, whitespace collapsed; ``{{ ... }}`` becomes ⟨engine⟩."""
    source = re.sub(r"\{\{.*?\}\}", " ⟨engine⟩ ", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", " ", source, flags=re.S)
    parser = _Text()
    parser.feed(source)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def word(n: int) -> str:
    return WORDS[n]


def query_params(query: str) -> dict[str, Any]:
    """A query string's values, whole numbers as int and decimals as float."""

    def value(text: str) -> Any:
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if re.fullmatch(r"-?\d*\.\d+", text):
            return float(text)
        return {"true": True, "false": False}.get(text, text)

    return {key: value(text) for key, text in parse_qsl(query)}


class Lesson:
    def __init__(self, slug: str) -> None:
        self.slug = slug
        self.source = (LESSONS / f"{slug}.html").read_text()
        self.text = reader_text(self.source)
        self.covered = bytearray(len(self.text))

    def _mark(self, fragment: str) -> None:
        starts = [m.start() for m in re.finditer(re.escape(fragment), self.text)]
        assert starts, f"{self.slug}: this text is not in the lesson (a number in it is wrong?): {fragment!r}"
        for start in starts:
            self.covered[start : start + len(fragment)] = b"\x01" * len(fragment)

    def claim(self, *fragments: str) -> None:
        """Fragments whose numbers the caller computed with the engine."""
        for fragment in fragments:
            self._mark(fragment)

    def fact(self, *fragments: str) -> None:
        """Fragments whose numbers are not the engine's to check: years, papers, formula constants."""
        for fragment in fragments:
            self._mark(fragment)

    def unclaimed(self) -> list[str]:
        """Each number of the text that no claim or fact covers, with a little context."""
        found = []
        for match in NUMBER.finditer(self.text):
            if not all(self.covered[match.start() : match.end()]):
                found.append(self.text[max(0, match.start() - 40) : match.end() + 40])
        return found

    def widget(self, op: str, query: str) -> Any:
        """The engine's trace for a widget of this lesson (its iframe must ask for exactly this query)."""
        assert f'src="/embed/{op}?{query.replace("&", "&amp;")}"' in self.source, f"{self.slug}: no widget {op}?{query}"
        model = QUERIES[op].model_validate({key: value for key, value in parse_qsl(query)})
        return build.from_query(OPS[op], model, get_settings())

    def stack(self, query: str) -> dict[str, Any]:
        """The stack builder's shapes for a link of this lesson (its href must be exactly this query)."""
        shape, layers = self._stack(query)
        return stack_shapes(shape, layers).to_dict()

    def stack_error(self, query: str) -> StackError:
        """The builder's refusal of a stack this lesson links to: where it breaks, and why."""
        shape, layers = self._stack(query)
        try:
            stack_shapes(shape, layers)
        except StackError as err:
            return err
        raise AssertionError(f"{self.slug}: the stack does not break: {query}")

    def _stack(self, query: str) -> tuple[tuple[int, ...], list[dict[str, Any]]]:
        assert f'href="/play/stack?{query.replace("&", "&amp;")}"' in self.source, f"{self.slug}: no stack {query}"
        params = dict(parse_qsl(query))
        shape = tuple(int(v) for v in params["input"].split(","))
        layers = []
        for text in params["layers"].split(";"):
            kind, _, rest = text.partition(":")
            layer: dict[str, Any] = {"type": kind}
            layer.update(query_params(rest.replace(",", "&")) if rest else {})
            layers.append(layer)
        return shape, layers
