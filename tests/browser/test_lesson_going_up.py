"""Lesson 12, "Going back up", in a real browser: the page loads with its engine-computed tables and its
three exercises, each exercise is judged by the API (wrong, then right, then revealed), and its
widgets (the conv_transpose2d player in both views, the conv2d_backward player) become ready.
The `page` fixture fails a test on any console error or warning, in the page or its frames.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from app.lessons import numbers

SLUG = "12-going-back-up"
READY = "() => Boolean(window.convscope && convscope.ready)"  # a function: the CSP forbids eval
# The widget in an <iframe> element is ready, asked from the page: a Frame taken before a lazy frame
# navigates can stay the first, empty document's, where convscope never appears.
FRAME_READY = "(el) => Boolean(el.contentWindow && el.contentWindow.convscope && el.contentWindow.convscope.ready)"
KINDS = ["transpose_sources", "transpose_size", "weight_grad"]  # in page order


def open_lesson(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/lessons/{SLUG}{query}")
    page.wait_for_function(READY)


def shown(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.exercise')].map((node) => ({
             state: node.dataset.state, seed: Number(node.dataset.seed), kind: node.dataset.kind,
             params: JSON.parse(node.dataset.params || '{}'),
             prompt: node.querySelector('.exercise-prompt')?.textContent ?? null}))"""
    )


def api_question(base_url: str, item: dict[str, Any]) -> dict[str, Any]:
    params = {"seed": item["seed"], **item["params"]}
    return dict(httpx.get(f"{base_url}/api/exercises/{item['kind']}", params=params).json())


def api_verdict(base_url: str, kind: str, seed: int, params: dict[str, Any]) -> dict[str, Any]:
    body = {"seed": seed, "params": params, "answer": None}
    return dict(httpx.post(f"{base_url}/api/exercises/{kind}/answer", json=body).json())


def test_the_lesson_loads_with_its_numbers_and_exercises(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "?exercise_seed=12")
    expect(page.locator("h1")).to_have_text("Lesson 12: Going back up")
    assert page.title() == "Lesson 12: Going back up · ConvScope"
    expect(page.locator(".lesson-crumbs")).to_contain_text("Lesson 12 of 12")
    expect(page.locator("a[rel=prev]")).to_have_attribute("href", "/lessons/11-data-augmentation")
    expect(page.locator("a[rel=next]")).to_have_count(0)
    items = shown(page)
    assert [item["kind"] for item in items] == KINDS
    assert [item["seed"] for item in items] == [12, 13, 14]
    for item in items:
        assert item["state"] == "ready", item
        assert item["prompt"] == api_question(base_url, item)["prompt"]
    worked = numbers.for_lesson(SLUG)
    expect(page.locator("section[aria-labelledby=h-scatter]")).to_contain_text(
        f"{worked['scatter']['centre_terms']} = {worked['scatter']['centre_products']} = {worked['scatter']['centre']}"
    )
    odd = worked["overlaps"][0]
    table = page.locator("table.matrix", has_text=f"Kernel {odd['kernel']}, stride {odd['stride']}")
    expect(table.locator("tr").nth(1).locator("td")).to_have_text(odd["counts"][1])


def test_each_exercise_is_judged_by_the_api(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "?exercise_seed=40")
    items = shown(page)
    assert len(items) == 3
    for i, item in enumerate(items):
        box = page.locator(".exercise").nth(i)
        question = api_question(base_url, item)
        assert question["answer_format"] == "integer"
        verdict = api_verdict(base_url, item["kind"], item["seed"], question["params"])
        expected = verdict["expected"]
        answer = box.get_by_label("Your answer")

        answer.fill(str(expected + 1))
        box.get_by_role("button", name="Check").click()
        expect(box).to_have_attribute("data-state", "incorrect")
        feedback = box.locator(".exercise-feedback")
        expect(feedback).to_contain_text(f"Not quite: you answered {expected + 1}, the answer is {expected}.")
        expect(feedback.locator(".feedback-explanation")).to_have_text(verdict["explanation"])

        answer.fill(str(expected))
        box.get_by_role("button", name="Check").click()
        expect(box).to_have_attribute("data-state", "correct")
        expect(feedback).to_contain_text(f"Correct: {expected}.")
    expect(page.locator("#btn-done")).to_have_text("✓ Done")
    stored = page.evaluate("() => localStorage.getItem('convscope.lessons.done')")
    assert json.loads(stored) == [SLUG]


def test_show_the_answer_reveals_the_engines_explanation(page: Page, base_url: str) -> None:
    open_lesson(page, base_url, "?exercise_seed=7")
    for i, item in enumerate(shown(page)):
        box = page.locator(".exercise").nth(i)
        question = api_question(base_url, item)
        verdict = api_verdict(base_url, item["kind"], item["seed"], question["params"])
        box.get_by_role("button", name="Show the answer").click()
        expect(box).to_have_attribute("data-state", "revealed")
        expect(box.locator(".exercise-feedback")).to_contain_text(f"The answer is {verdict['expected']}")
        expect(box.locator(".feedback-explanation")).to_have_text(verdict["explanation"])


def test_its_widgets_become_ready(page: Page, base_url: str) -> None:
    """The conv_transpose2d player (scatter, gather, the overlap counts) and the conv2d_backward player
    (grad_input, grad_weight), each embedded by the address app/lessons/numbers.py builds."""
    worked = numbers.for_lesson(SLUG)
    wanted = [
        worked["scatter"]["scatter_url"],
        worked["scatter"]["gather_url"],
        worked["overlaps"][0]["url"],
        worked["backward"]["input_url"],
        worked["backward"]["weight_url"],
    ]
    open_lesson(page, base_url)
    frames = page.locator("iframe.widget-frame")
    assert [frames.nth(i).get_attribute("src") for i in range(frames.count())] == wanted
    for i in range(frames.count()):
        element = frames.nth(i)
        element.scroll_into_view_if_needed()  # the frames load lazily
        page.wait_for_function(FRAME_READY, arg=element.element_handle(), timeout=30_000)  # asked from the page
        frame = element.element_handle().content_frame()  # now its widget's document, not the first empty one
        assert frame is not None
        frame.wait_for_function(READY, timeout=30_000)
        assert frame.url.endswith(wanted[i])


def test_its_widgets_become_ready_under_presentation_mode(page: Page, base_url: str) -> None:
    """The same five widgets, the lesson presented (present=1 reaches every embed): each becomes ready,
    shows the presentation class, and the console stays clean (the console fixture fails on any error)."""
    open_lesson(page, base_url, "?present=1")
    assert page.evaluate("document.documentElement.classList.contains('present')")
    frames = page.locator("iframe.widget-frame")
    assert frames.count() == 5
    for i in range(frames.count()):
        element = frames.nth(i)
        element.scroll_into_view_if_needed()
        frame = element.element_handle().content_frame()
        assert frame is not None
        frame.wait_for_function(READY, timeout=30_000)
        assert frame.evaluate("document.body.textContent.length") > 0


def test_each_widget_alone_as_an_embed_in_presentation_mode(page: Page, base_url: str) -> None:
    """Each of the lesson's embeds opened on its own (as a course page would frame it), presented."""
    worked = numbers.for_lesson(SLUG)
    for url in (worked["scatter"]["gather_url"], worked["backward"]["weight_url"]):
        page.goto(f"{base_url}{url}{'&' if '?' in url else '?'}present=1")
        page.wait_for_function(READY, timeout=30_000)
        assert page.evaluate(READY)
