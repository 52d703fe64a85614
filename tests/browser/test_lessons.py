"""The lessons in a real browser: the table of contents and its progress marks, every lesson
page (no console error, every embedded widget ready, every exercise drawn),
exercises judged right and wrong, shared exercise seeds, progress that survives a reload
and a reset, previous/next links, the calculator, and screenshots.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.lessons.catalogue import LESSONS, Lesson

KEY = "convscope.lessons.done"
READY = "() => Boolean(window.convscope && convscope.ready)"  # a function: the CSP forbids eval
# The widget in an <iframe> element is ready, asked from the page: a Frame taken before a lazy frame
# navigates can stay the first, empty document's, where convscope never appears.
FRAME_READY = "(el) => Boolean(el.contentWindow && el.contentWindow.convscope && el.contentWindow.convscope.ready)"


def open_lesson(page: Page, base_url: str, slug: str, query: str = "") -> None:
    page.goto(f"{base_url}/lessons/{slug}{query}")
    page.wait_for_function(READY)


def exercises(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.exercise')].map((node) => ({
             state: node.dataset.state, seed: Number(node.dataset.seed), kind: node.dataset.kind,
             params: JSON.parse(node.dataset.params || '{}'),
             prompt: node.querySelector('.exercise-prompt')?.textContent ?? null}))"""
    )


def expected_answer(base_url: str, item: dict[str, Any]) -> Any:
    """The API's own answer to the exercise the page shows (asked with answer null, which only reveals)."""
    question = httpx.get(f"{base_url}/api/exercises/{item['kind']}", params=query(item)).json()
    body = {"seed": item["seed"], "params": question["params"], "answer": None}
    return httpx.post(f"{base_url}/api/exercises/{item['kind']}/answer", json=body).json()["expected"]


def query(item: dict[str, Any]) -> dict[str, Any]:
    params = {k: json.dumps(v) if isinstance(v, bool) else v for k, v in item["params"].items()}
    return {"seed": item["seed"], **params}


def set_done(page: Page, slugs: list[str]) -> None:
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [KEY, json.dumps(slugs)])


def stored(page: Page) -> Any:
    text = page.evaluate("(key) => localStorage.getItem(key)", KEY)
    return None if text is None else json.loads(text)


# --- the table of contents -----------------------------------------------------------------


def test_index_lists_twelve_lessons_and_marks_done_ones(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/lessons")
    page.wait_for_function(READY)
    items = page.locator(".toc-item")
    expect(items).to_have_count(12)
    assert [items.nth(i).get_attribute("data-slug") for i in range(12)] == [lesson.slug for lesson in LESSONS]
    expect(page.locator(".toc-done:visible")).to_have_count(0)
    expect(page.locator("#progress-summary")).to_have_text("0 of 12 lessons done.")

    set_done(page, ["01-stride", "03-output-size"])
    page.reload()
    page.wait_for_function(READY)
    expect(page.locator(".toc-done:visible")).to_have_count(2)
    expect(page.locator('.toc-item[data-slug="01-stride"] .toc-done')).to_be_visible()
    expect(page.locator('.toc-item[data-slug="03-output-size"] .toc-done')).to_be_visible()
    expect(page.locator('.toc-item[data-slug="02-padding"] .toc-done')).to_be_hidden()
    expect(page.locator("#progress-summary")).to_have_text("2 of 12 lessons done.")
    for lesson in LESSONS:
        link = page.locator(f'.toc-item[data-slug="{lesson.slug}"] a.toc-title')
        expect(link).to_have_count(1)

    page.get_by_role("button", name="Reset progress").click()
    expect(page.locator(".toc-done:visible")).to_have_count(0)
    expect(page.locator("#progress-summary")).to_have_text("Progress cleared. 0 of 12 lessons done.")
    assert stored(page) is None


# --- every lesson page --------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_lesson_page_loads_with_its_widgets_ready(page: Page, base_url: str, lesson: Lesson) -> None:
    open_lesson(page, base_url, lesson.slug)
    expect(page.locator("h1")).to_have_text(f"Lesson {lesson.number}: {lesson.title}")
    assert page.title() == f"Lesson {lesson.number}: {lesson.title} · ConvScope"
    for item in exercises(page):
        assert item["state"] == "ready", item
    frames = page.locator("iframe.widget-frame")
    for i in range(frames.count()):
        element = frames.nth(i)
        element.scroll_into_view_if_needed()  # the frames load lazily
        page.wait_for_function(FRAME_READY, arg=element.element_handle(), timeout=30_000)  # asked from the page
        frame = element.element_handle().content_frame()  # now its widget's document, not the first empty one
        assert frame is not None
        frame.wait_for_function(READY, timeout=30_000)  # a starved machine: the transfer widget fetches three answers
        assert frame.evaluate(READY), f"widget {element.get_attribute('src')} is not ready"
        assert frame.url.endswith(str(element.get_attribute("src")))
    # the console fixture fails the test on any console error or warning, in the page or its frames


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_previous_and_next_links(page: Page, base_url: str, lesson: Lesson) -> None:
    open_lesson(page, base_url, lesson.slug)
    before, after = LESSONS[: lesson.number - 1], LESSONS[lesson.number :]
    prev, nxt = page.locator("a[rel=prev]"), page.locator("a[rel=next]")
    if before:
        expect(prev).to_have_attribute("href", before[-1].url)
        expect(prev).to_contain_text(before[-1].heading)
    else:
        expect(prev).to_have_count(0)
    if after:
        expect(nxt).to_have_attribute("href", after[0].url)
        expect(nxt).to_contain_text(after[0].heading)
    else:
        expect(nxt).to_have_count(0)


def test_following_next_and_previous(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "01-stride")
    page.locator("a[rel=next]").click()
    page.wait_for_url(f"{base_url}/lessons/02-padding")
    page.locator("a[rel=prev]").click()
    page.wait_for_url(f"{base_url}/lessons/01-stride")


# --- exercises ----------------------------------------------------------------------------------


def test_an_exercise_judges_right_and_wrong_answers(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "01-stride", "?exercise_seed=1000")
    item = exercises(page)[1]  # the random output_size exercise
    box = page.locator(".exercise").nth(1)
    expected = expected_answer(base_url, item)
    answer = box.get_by_label("Your answer")

    answer.fill(str(expected))
    box.get_by_role("button", name="Check").click()
    expect(box).to_have_attribute("data-state", "correct")
    feedback = box.locator(".exercise-feedback")
    expect(feedback).to_contain_text(f"Correct: {expected}.")
    expect(feedback).to_have_class(re.compile(r"\bfeedback-correct\b"))
    expect(feedback).to_have_attribute("aria-live", "polite")
    expect(feedback.locator(".feedback-icon")).to_have_text("✓")
    expect(feedback).to_be_focused()
    expect(feedback.locator(".feedback-explanation")).to_contain_text("O = (W - K + 2P)/S + 1")

    answer.fill(str(expected + 1))
    box.get_by_role("button", name="Check").click()
    expect(box).to_have_attribute("data-state", "incorrect")
    expect(feedback).to_contain_text(f"Not quite: you answered {expected + 1}, the answer is {expected}.")
    expect(feedback).to_have_class(re.compile(r"\bfeedback-incorrect\b"))
    expect(feedback.locator(".feedback-icon")).to_have_text("✗")
    expect(feedback).to_be_focused()


def test_input_that_is_not_a_number_is_refused_in_words(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "01-stride")
    box = page.locator(".exercise").first
    answer = box.get_by_label("Your answer")
    answer.fill("three")
    box.get_by_role("button", name="Check").click()
    expect(box.locator(".exercise-input-error")).to_have_text("Type a whole number, like 4.")
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(answer).to_be_focused()
    expect(box).to_have_attribute("data-state", "ready")


def test_show_the_answer_and_new_exercise(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "03-output-size", "?exercise_seed=5")
    box = page.locator(".exercise").first
    expect(box).to_have_attribute("data-seed", "5")
    before = box.locator(".exercise-prompt").text_content()
    box.get_by_role("button", name="Show the answer").click()
    expect(box).to_have_attribute("data-state", "revealed")
    expect(box.locator(".exercise-feedback")).to_contain_text("The answer is")
    box.get_by_role("button", name="New exercise").click()
    expect(box).to_have_attribute("data-state", "ready")
    assert box.get_attribute("data-seed") != "5"
    assert box.locator(".exercise-prompt").text_content() != before or box.get_attribute("data-seed") != "5"


def test_exercise_seed_in_the_url_gives_the_same_exercises(open_page: Any, base_url: str) -> None:
    seen = []
    for _ in range(2):
        page = open_page()
        open_lesson(page, base_url, "03-output-size", "?exercise_seed=42")
        seen.append(exercises(page))
        expect(page.locator("#seed-note")).to_contain_text("exercise seed 42")
    assert seen[0] == seen[1]
    assert [item["seed"] for item in seen[0]] == [42, 43, 44]
    share = page.locator(".exercise").nth(2).locator(".exercise-seed a")
    expect(share).to_have_attribute("href", "/lessons/03-output-size?exercise_seed=42")

    random_seeds = []
    for _ in range(2):
        page = open_page()
        open_lesson(page, base_url, "03-output-size")
        random_seeds.append([item["seed"] for item in exercises(page)])
        expect(page.locator("#seed-note")).to_be_hidden()
    assert random_seeds[0] != random_seeds[1], "without exercise_seed each load draws new exercises"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_every_exercise_of_a_lesson_judges_right_and_wrong(page: Page, base_url: str, lesson: Lesson) -> None:
    """Each exercise, whatever its kind and answer format, answered wrong then right; all right marks the lesson."""
    open_lesson(page, base_url, lesson.slug, "?exercise_seed=11")
    items = exercises(page)
    if not items:
        pytest.skip(f"{lesson.slug} has no exercises")
    for i, item in enumerate(items):
        box = page.locator(".exercise").nth(i)
        question = httpx.get(f"{base_url}/api/exercises/{item['kind']}", params=query(item)).json()
        expected = expected_answer(base_url, item)
        if question["answer_format"] == "choice":
            wrong = next(c for c in question["choices"] if c != expected)
            attempts = [(wrong, "incorrect"), (expected, "correct")]
        else:
            right = round(expected, 2) if question["answer_format"] == "number" else expected
            attempts = [(right + 1, "incorrect"), (right, "correct")]
        for value, state in attempts:
            if question["answer_format"] == "choice":
                box.get_by_label(str(value), exact=True).check()
            else:
                box.get_by_label("Your answer").fill(str(value))
            box.get_by_role("button", name="Check").click()
            expect(box).to_have_attribute("data-state", state)
            expect(box.locator(".exercise-feedback")).to_be_focused()
    expect(page.locator("#btn-done")).to_have_text("✓ Done")
    assert stored(page) == [lesson.slug]


# --- progress -----------------------------------------------------------------------------------


def test_mark_as_done_survives_a_reload_and_reset_clears_it(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "02-padding")
    button = page.locator("#btn-done")
    expect(button).to_have_text("Mark as done")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_text("✓ Done")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#done-status")).to_have_text("Lesson marked as done.")
    assert stored(page) == ["02-padding"]

    page.reload()
    page.wait_for_function(READY)
    expect(button).to_have_text("✓ Done")

    page.goto(f"{base_url}/lessons")
    page.wait_for_function(READY)
    expect(page.locator('.toc-item[data-slug="02-padding"] .toc-done')).to_be_visible()
    page.get_by_role("button", name="Reset progress").click()
    expect(page.locator('.toc-item[data-slug="02-padding"] .toc-done')).to_be_hidden()

    open_lesson(page, base_url, "02-padding")
    expect(button).to_have_text("Mark as done")
    button.click()
    button.click()  # a second click takes the mark back
    expect(button).to_have_text("Mark as done")
    assert stored(page) == []


def test_all_exercises_right_marks_the_lesson_done(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "01-stride", "?exercise_seed=77")
    boxes = page.locator(".exercise")
    items = exercises(page)
    assert len(items) == boxes.count() == 2
    for i, item in enumerate(items):
        expect(page.locator("#btn-done")).to_have_text("Mark as done")
        boxes.nth(i).get_by_label("Your answer").fill(str(expected_answer(base_url, item)))
        boxes.nth(i).get_by_role("button", name="Check").click()
        expect(boxes.nth(i)).to_have_attribute("data-state", "correct")
    expect(page.locator("#btn-done")).to_have_text("✓ Done")
    expect(page.locator("#done-status")).to_have_text("Every exercise answered right: lesson marked as done.")
    assert stored(page) == ["01-stride"]


# --- the calculator -----------------------------------------------------------------------------


def test_the_calculator_shows_the_engines_formula(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "03-output-size")
    calc = page.locator(".shape-calculator")
    expect(calc).to_have_attribute("data-state", "ready")
    expect(calc.locator(".calc-out")).to_have_text("2 x 2")
    for label, value in (("Input size W", "224"), ("Kernel size K", "11"), ("Padding P", "2"), ("Stride S", "4")):
        calc.get_by_label(label).fill(value)
    shape = httpx.get(
        f"{base_url}/api/conv2d/shape",
        params={"height": 224, "width": 224, "kernel_size": 11, "padding": 2, "stride": 4, "bias": "false"},
    ).json()
    expect(calc.locator(".calc-out")).to_have_text("55 x 55")
    expect(calc.locator(".calc-formula")).to_have_text(shape["geometry"]["width"]["formula"]["text"])

    calc.get_by_label("Input size W").fill("5")
    calc.get_by_label("Padding P").fill("0")
    expect(calc).to_have_attribute("data-state", "error")
    expect(calc.locator(".calc-error")).to_contain_text("kernel_size: got 11")
    expect(calc.get_by_label("Kernel size K")).to_have_attribute("aria-invalid", "true")


# --- screenshots --------------------------------------------------------------------------------


def test_screenshots(page: Page, base_url: str, artifacts: Path) -> None:
    open_lesson(page, base_url, "01-stride", "?exercise_seed=3")
    first = page.locator("iframe.widget-frame").first
    frame = first.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function(READY)
    page.screenshot(path=str(artifacts / "lesson-01-stride.png"))

    box = page.locator(".exercise").first
    box.get_by_label("Your answer").fill("4")
    box.get_by_role("button", name="Check").click()
    expect(box).to_have_attribute("data-state", "incorrect")
    box.screenshot(path=str(artifacts / "lesson-exercise-feedback.png"))

    page.goto(f"{base_url}/lessons")
    page.wait_for_function(READY)
    page.screenshot(path=str(artifacts / "lesson-index.png"))
