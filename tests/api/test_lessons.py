"""The exercise API and the lesson pages: the contract the lesson templates and lesson.js rely on.

GET /api/exercises/{kind}?seed=S&<params> gives the question, POST .../answer judges it;
bad requests are 422 in the project's error shape and unknown kinds 404. Every lesson
template that exists is checked too: its exercises ask the API for kinds and parameters it
accepts, its widgets are embeds, and it carries no inline script or style (the CSP bans them).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.lessons import exercises as ex
from app.lessons.catalogue import LESSONS
from app.pages.lessons import LESSON_DIR

KINDS = list(ex.KINDS)
WRITTEN = [lesson for lesson in LESSONS if (LESSON_DIR / f"{lesson.slug}.html").is_file()]


def get(client: TestClient, kind: str, **params: Any) -> Any:
    return client.get(f"/api/exercises/{kind}", params=params)


def answer(client: TestClient, kind: str, seed: int, params: dict[str, Any], value: Any) -> Any:
    return client.post(f"/api/exercises/{kind}/answer", json={"seed": seed, "params": params, "answer": value})


def test_kinds_are_listed(client: TestClient) -> None:
    response = client.get("/api/exercises")
    assert response.status_code == 200
    assert [k["kind"] for k in response.json()["kinds"]] == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_an_exercise_has_the_contract_shape(client: TestClient, kind: str) -> None:
    response = get(client, kind, seed=5)
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == kind and body["seed"] == 5
    assert isinstance(body["prompt"], str) and body["prompt"].endswith("?")
    assert body["answer_format"] in ("integer", "number", "choice")
    assert (body["choices"] is not None) == (body["answer_format"] == "choice")
    for figure in body["figures"]:
        assert set(figure) == {"label", "values"}
        values = figure["values"]
        assert isinstance(values, list) and all(isinstance(row, list) for row in values)
    assert "expected" not in body and "explanation" not in body, "the answer must not travel with the question"
    assert response.json() == get(client, kind, seed=5).json(), "same seed, same exercise"


@pytest.mark.parametrize("kind", KINDS)
def test_right_and_wrong_answers_over_http(client: TestClient, kind: str) -> None:
    for seed in (0, 1, 2**31 - 1):
        question = get(client, kind, seed=seed).json()
        params = question["params"]
        revealed = answer(client, kind, seed, params, None)
        assert revealed.status_code == 200
        expected = revealed.json()["expected"]
        assert revealed.json()["correct"] is False
        right = answer(client, kind, seed, params, expected).json()
        assert right["correct"] is True and right["expected"] == expected and right["explanation"]
        if question["answer_format"] == "choice":
            wrong: Any = next(c for c in question["choices"] if c != expected)
            assert answer(client, kind, seed, params, question["choices"].index(expected)).json()["correct"] is True
        else:
            wrong = expected + 1
        assert answer(client, kind, seed, params, wrong).json()["correct"] is False


def test_query_strings_become_numbers_and_booleans(client: TestClient) -> None:
    body = get(client, "avg_pool_value", seed=1, count_include_pad="false", size="4").json()
    assert body["params"] == {"count_include_pad": False, "size": 4}
    body = get(client, "dropout_scale", seed=1, p="0.25", training="true", x="6").json()
    assert body["params"] == {"training": True, "p": 0.25, "x": 6.0}
    body = get(client, "receptive_field", seed=1, layers="conv3s1,pool2s2,conv3s1").json()
    assert body["params"] == {"layers": "conv3s1,pool2s2,conv3s1"}
    verdict = answer(client, "receptive_field", 1, {"layers": "conv3s1,pool2s2,conv3s1"}, 8).json()
    assert verdict["correct"] is True
    assert verdict["explanation"].endswith("1 + (3 - 1)×1 = 3; then 3 + (2 - 1)×1 = 4; then 4 + (3 - 1)×2 = 8.")


def test_a_missing_seed_is_drawn_and_reported(client: TestClient) -> None:
    body = get(client, "flip").json()
    assert 0 <= body["seed"] <= 2**31 - 1
    assert get(client, "flip", seed=body["seed"]).json() == body


def test_the_worked_example_of_lesson_one(client: TestClient) -> None:
    params = {"W": 7, "K": 3, "P": 0, "S": 3}
    body = get(client, "output_size", seed=0, **params).json()
    assert body["prompt"].startswith("A 7x7 input goes through a 3x3 convolution with stride 3")
    verdict = answer(client, "output_size", 0, params, 2).json()
    assert verdict == {
        "correct": True,
        "expected": 2,
        "explanation": "O = (W - K + 2P)/S + 1 = (7 - 3 + 2×0)/3 + 1 = 7/3 ≈ 2.33: not an integer, "
        "so PyTorch floors it to 2; input column 6 is never covered.",
    }
    assert answer(client, "output_size", 0, params, 3).json()["correct"] is False


def test_number_answers_within_two_decimals(client: TestClient) -> None:
    params = {"count_include_pad": True, "size": 4}
    expected = answer(client, "avg_pool_value", 0, params, None).json()["expected"]
    assert answer(client, "avg_pool_value", 0, params, round(expected, 2)).json()["correct"] is True
    assert answer(client, "avg_pool_value", 0, params, round(expected, 2) + 0.01).json()["correct"] is False


# --- errors ---------------------------------------------------------------------------------


def problem(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"message", "detail"}
    assert body["message"] == body["detail"][0]["msg"]
    return dict(body["detail"][0])


def test_unknown_kind_is_404(client: TestClient) -> None:
    for response in (get(client, "nope", seed=1), answer(client, "nope", 1, {}, 3)):
        assert response.status_code == 404
        assert response.json()["message"] == f"no exercise kind 'nope'; the kinds are: {', '.join(KINDS)}"


@pytest.mark.parametrize(
    ("kind", "query", "param", "message"),
    [
        ("output_size", {"W": "0"}, "W", "W: got 0; must be from 1 to 256"),
        ("output_size", {"W": "seven"}, "W", "W: got 'seven'; must be a whole number from 1 to 256"),
        ("output_size", {"Q": "1"}, "Q", "Q: got 1; is not a parameter of output_size, which takes W, K, P, S"),
        (
            "same_padding",
            {"K": "4"},
            "K",
            "K: got 4; must be odd: an even kernel has no centre, so no padding on both sides keeps the size",
        ),
        ("flip", {"seed": "-1"}, "seed", "seed: got -1; must be a whole number from 0 to 2147483647"),
        ("flip", {"seed": "2147483648"}, "seed", "seed: got 2147483648; must be a whole number from 0 to 2147483647"),
        ("flip", {"seed": "x"}, "seed", "seed: got 'x'; must be a whole number from 0 to 2147483647"),
        (
            "dropout_scale",
            {"p": "1"},
            "p",
            "p: got 1.0; must be a probability in [0, 1): the share of values dropped in training",
        ),
    ],
)
def test_bad_query_params_are_422(
    client: TestClient, kind: str, query: dict[str, str], param: str, message: str
) -> None:
    found = problem(client.get(f"/api/exercises/{kind}", params=query))
    assert found["msg"] == message
    assert found["loc"] == ["query", param] and found["param"] == param


def test_bad_answer_bodies_are_422(client: TestClient) -> None:
    found = problem(answer(client, "output_size", 0, {"W": 0}, 3))
    assert found["loc"] == ["body", "params", "W"] and found["msg"] == "W: got 0; must be from 1 to 256"
    found = problem(answer(client, "output_size", 0, {}, "three"))
    assert found["loc"] == ["body", "answer"] and found["msg"] == "answer: got 'three'; must be a whole number"
    found = problem(answer(client, "one_by_one", 0, {"mode": "shape"}, 7))
    assert found["msg"] == "answer: got 7; must be a choice's index, from 0 to 3"
    found = problem(client.post("/api/exercises/flip/answer", json={"params": {}, "answer": 1}))
    assert found["param"] == "seed" and found["rule"] == "this field is required"
    found = problem(client.post("/api/exercises/flip/answer", json={"seed": True, "params": {}, "answer": 1}))
    assert found["param"] == "seed"
    found = problem(client.post("/api/exercises/flip/answer", json={"seed": 1, "answer": 1, "extra": 2}))
    assert found["param"] == "extra" and found["rule"] == "is not a parameter of this operation"
    found = problem(
        client.post("/api/exercises/flip/answer", content=b"[1]", headers={"content-type": "application/json"})
    )
    assert found["param"] == "body"


# --- lesson pages -------------------------------------------------------------------------------


class LessonParser(HTMLParser):
    """The parts of a lesson page the contract is about."""

    def __init__(self) -> None:
        super().__init__()
        self.exercises: list[dict[str, Any]] = []
        self.iframes: list[dict[str, str | None]] = []
        self.inline_scripts = 0
        self.style_attributes: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "style" in a:
            self.style_attributes.append(tag)
        if tag == "script":
            self._in_script = "src" not in a
            if any(name.startswith("on") for name in a):
                self.inline_scripts += 1
        if any(name.startswith("on") for name in a):
            self.inline_scripts += 1
        if tag == "div" and "exercise" in (a.get("class") or "").split():
            self.exercises.append({"kind": a.get("data-kind"), "params": json.loads(a.get("data-params") or "{}")})
        if tag == "iframe":
            self.iframes.append(a)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def parse(html: str) -> LessonParser:
    parser = LessonParser()
    parser.feed(html)
    return parser


def test_the_index_lists_every_lesson_in_order(client: TestClient) -> None:
    response = client.get("/lessons")
    assert response.status_code == 200
    text = response.text
    positions = [text.index(f'data-slug="{lesson.slug}"') for lesson in LESSONS]
    assert positions == sorted(positions) and len(LESSONS) == 12
    for lesson in LESSONS:
        assert lesson.title.replace("'", "&#39;") in text
    links = parse(text).links
    for lesson in WRITTEN:
        assert lesson.url in links
    assert 'id="btn-reset"' in text


def test_unknown_lessons_are_404_and_every_lesson_is_written(client: TestClient) -> None:
    response = client.get("/lessons/99-nothing")
    assert response.status_code == 404
    assert response.json()["message"] == "no lesson '99-nothing'; the lessons are listed at /lessons"
    assert WRITTEN == list(LESSONS), "every catalogue entry has its template (there is no 'not written yet')"


def test_previous_and_next_follow_the_catalogue(client: TestClient) -> None:
    first, middle, last = (client.get(lesson.url).text for lesson in (LESSONS[0], LESSONS[4], LESSONS[-1]))
    assert 'rel="prev"' not in first and f'rel="next" href="{LESSONS[1].url}"' in first
    assert f'rel="prev" href="{LESSONS[3].url}"' in middle and f'rel="next" href="{LESSONS[5].url}"' in middle
    assert f'rel="prev" href="{LESSONS[-2].url}"' in last and 'rel="next"' not in last


@pytest.mark.parametrize("lesson", WRITTEN, ids=[lesson.slug for lesson in WRITTEN])
def test_each_written_lesson_keeps_the_contract(client: TestClient, lesson: Any) -> None:
    response = client.get(lesson.url)
    assert response.status_code == 200
    page = parse(response.text)
    assert f'<h1 id="lesson-title">Lesson {lesson.number}: {lesson.title}</h1>'.replace("'", "&#39;") in response.text
    assert page.inline_scripts == 0, "the CSP bans inline scripts and on* handlers"
    assert page.style_attributes == [], "the CSP bans style attributes: use the classes in lesson.css"
    assert page.iframes or page.exercises, "a lesson is built around widgets and exercises"
    for frame in page.iframes:
        src = str(frame.get("src"))
        assert src.startswith("/embed/"), f"only /embed/ pages may be framed, not {src}"
        assert frame.get("title"), f"the iframe of {src} needs a title"
        classes = str(frame.get("class")).split()
        assert "widget-frame" in classes and any(c.startswith("widget-h-") for c in classes), src
    for item in page.exercises:
        assert item["kind"] in ex.KINDS, f"unknown exercise kind {item['kind']!r}"
        query = {key: json.dumps(value) if isinstance(value, bool) else value for key, value in item["params"].items()}
        checked = client.get(f"/api/exercises/{item['kind']}", params={"seed": 0, **query})
        assert checked.status_code == 200, f"{item}: {checked.text}"
