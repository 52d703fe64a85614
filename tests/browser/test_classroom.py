"""The live classroom in Chromium (static/js/classroom/, docs/CLASSROOM.md), on the real app and its
real WebSocket: one teacher and three students, one of them on a phone (390x844).

The students follow the teacher's play, step and parameter change (their pages' step and parameters
are read back and compared with the teacher's); one breaks away (banner: exploring) and rejoins
(back to the class: the teacher's state again); the teacher asks a lesson's exercise, all three
answer, the histogram shows "3 of 3 answered", and the reveal reaches all three. Also: the join
page with a wrong code, joining with the keyboard alone, the panel in presentation mode. No page
may log an error (the open_page fixture). Screenshots go to artifacts/screenshots/classroom-*.png.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, WebSocketRoute, expect

from .conftest import Console, OpenPage
from .test_present import MIN_CONTRAST, MIN_TEXT_PX, text_elements

PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
PLAYER = "/play/conv2d?height=5&width=5"  # 9 steps: quick to load three times over
LESSON = "/lessons/03-output-size"  # its first exercise asks for a whole number
CODE = re.compile(r"[ACDEFGHJKMNPQRTUVWXY]{6}")

STATE_JS = """() => ({
  path: location.pathname,
  params: window.convscope.params,
  step: window.convscope.step,
  playing: window.convscope.playing,
  speed: window.convscope.speed,
})"""


def open_class(teacher: Page, base_url: str, path: str) -> str:
    """Open a class from the header's Class button on `path`; the room's code."""
    teacher.goto(base_url + path)
    teacher.wait_for_function("() => window.convscope && window.convscope.ready")
    teacher.get_by_role("button", name="Class", exact=True).click()
    panel = teacher.locator("#class-panel")
    expect(panel.locator(".class-conn")).to_have_text("live")
    code = panel.locator(".class-code").inner_text()
    assert CODE.fullmatch(code), code
    expect(panel.get_by_role("link")).to_have_text(re.compile(rf"^http://[^/]+/join/{code}$"))
    qr = panel.get_by_role("img")
    assert qr.get_attribute("src") == f"/api/classroom/{code}/qr.svg"
    assert f"/join/{code}" in (qr.get_attribute("alt") or "")
    teacher.wait_for_function("() => document.querySelector('.class-qr').naturalWidth > 0")  # the QR loaded
    return code


def player_state(page: Page) -> dict[str, Any]:
    page.wait_for_function("() => window.convscope && window.convscope.ready")
    state: dict[str, Any] = page.evaluate(STATE_JS)
    return state


def follows(student: Page, teacher: Page) -> None:
    """The student's page comes to the teacher's page, parameters, step and playing."""
    want = player_state(teacher)
    student.wait_for_function(
        """(want) => window.convscope && window.convscope.ready && location.pathname === want.path
          && JSON.stringify(window.convscope.params) === JSON.stringify(want.params)
          && window.convscope.step === want.step && window.convscope.playing === want.playing
          && window.convscope.speed === want.speed""",
        arg=want,
    )
    assert player_state(student) == want


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width} px"  # type: ignore[index]


def banner(page: Page) -> Any:
    return page.locator(".class-banner")


def test_a_class_follows_the_teacher_breaks_away_rejoins_and_answers(
    open_page: OpenPage, base_url: str, artifacts: Path
) -> None:
    teacher = open_page()
    students = [open_page(), open_page(), open_page(viewport=PHONE, is_mobile=True, has_touch=True)]
    phone = students[2]
    code = open_class(teacher, base_url, PLAYER)

    for student in students:  # the join page, then the teacher's page
        student.goto(f"{base_url}/join/{code}")
        student.wait_for_url(re.compile(r"/play/conv2d\?"))
    for student in students:
        expect(banner(student).locator(".class-banner-text")).to_have_text(f"Following {code}")
        expect(banner(student).locator(".class-conn")).to_have_text("live")
        follows(student, teacher)
    expect(teacher.locator(".class-present")).to_have_text("3 students present")
    teacher.screenshot(path=str(artifacts / "classroom-teacher-panel.png"))

    # step: the arrow keys on the teacher's page
    teacher.locator("body").press("ArrowRight")
    teacher.locator("body").press("ArrowRight")
    assert player_state(teacher)["step"] == 2
    for student in students:
        follows(student, teacher)

    # a faster speed, play, then pause: every student plays, then stops on the teacher's step
    teacher.locator("#speed").select_option("4")
    for student in students:
        follows(student, teacher)
    teacher.locator("#btn-play").click()
    for student in students:
        student.wait_for_function("() => window.convscope.playing")
    teacher.wait_for_function("() => window.convscope.step >= 5")
    teacher.locator("#btn-play").click()
    assert not player_state(teacher)["playing"]
    for student in students:
        follows(student, teacher)

    # a parameter change: the students load the teacher's page with the new settings
    teacher.locator('#params [name="padding"]').fill("1")
    teacher.locator('#params [name="padding"]').press("Enter")
    teacher.wait_for_function("() => window.convscope.ready && window.convscope.params.padding === '1'")
    for student in students:
        follows(student, teacher)
    no_sideways_scroll(phone)
    phone.screenshot(path=str(artifacts / "classroom-phone-following.png"))

    # one breaks away (a parameter of their own) and rejoins
    rebel = students[0]
    rebel.locator('#params [name="stride"]').fill("2")
    rebel.locator('#params [name="stride"]').press("Enter")
    expect(banner(rebel).locator(".class-banner-text")).to_have_text("Exploring on your own")
    expect(rebel.locator("#class-announce")).to_contain_text("Exploring on your own")
    teacher.locator("body").press("ArrowRight")
    for student in students[1:]:
        follows(student, teacher)
    rebel.wait_for_function("() => window.convscope.ready && window.convscope.params.stride === '2'")  # left alone
    assert player_state(rebel)["params"] != player_state(teacher)["params"]
    rebel.get_by_role("button", name="Back to the class").click()
    follows(rebel, teacher)
    expect(banner(rebel).locator(".class-banner-text")).to_have_text(f"Following {code}")

    # a question from the lesson: all three answer, the histogram shows 3 of 3, then the reveal
    teacher.goto(base_url + LESSON)
    teacher.wait_for_function("() => window.convscope.ready && window.convscope.exercises.length > 0")
    for student in students:
        student.wait_for_url(re.compile(LESSON))
    teacher.locator(".class-ask").first.click()
    answers = ["1", "2", "2"]
    for student, answer in zip(students, answers, strict=True):
        card = student.locator(".class-question")
        expect(card.get_by_role("heading")).to_have_text("Question from the teacher")
        card.get_by_label("Your answer").fill(answer)
        card.get_by_role("button", name="Send").click()
        expect(card.locator(".class-q-status")).to_have_text(
            f"Your answer ({answer}) was sent. You can change it until the teacher reveals the answer."
        )
    histogram = teacher.locator(".class-tally")
    expect(histogram.locator(".class-answered")).to_have_text("3 of 3 answered")
    expect(histogram.locator(".class-bar-row")).to_have_count(2)
    expect(histogram.locator(".class-bar-row").first).to_have_text(re.compile(r"^2\s*2$"))  # most first: "2", twice
    teacher.screenshot(path=str(artifacts / "classroom-histogram.png"))
    no_sideways_scroll(phone)

    teacher.get_by_role("button", name="Reveal").click()
    expect(teacher.locator(".class-reveal-text")).to_have_text(re.compile(r"^Revealed: the answer is \d+\.$"))
    expected = teacher.locator(".class-reveal-text").inner_text().split()[-1].rstrip(".")
    for student, answer in zip(students, answers, strict=True):
        verdict = student.locator(".class-q-verdict")
        headline = (
            f"Right: the answer is {expected}."
            if answer == expected
            else f"Not quite: you answered {answer}, the answer is {expected}."
        )
        expect(verdict.locator(".class-q-headline")).to_have_text(re.compile(re.escape(headline)))
        expect(verdict.locator(".class-q-explanation")).not_to_be_empty()
    no_sideways_scroll(phone)
    phone.screenshot(path=str(artifacts / "classroom-phone-reveal.png"), full_page=False)

    # the end of the class reaches every student
    teacher.get_by_role("button", name="End class").click()
    for student in students:
        expect(banner(student).locator(".class-banner-text")).to_have_text("The class has ended.")


def test_the_join_page_says_when_a_code_is_wrong(page: Page, base_url: str, console: Console) -> None:
    response = page.goto(f"{base_url}/join/KPRTXW")  # well formed, but no class has it
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_have_text(
        "There is no class KPRTXW right now: it has ended, or the code is not quite right. "
        "Check the code on your teacher's screen and type it again."
    )
    expect(page.get_by_label("Class code")).to_have_value("KPRTXW")
    page.get_by_label("Class code").fill("hello!")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_have_text(
        "“hello!” is not a class code: a code must be 6 letters from ACDEFGHJKMNPQRTUVWXY."
    )
    expect(page.get_by_label("Class code")).to_be_focused()
    console.messages[:] = [m for m in console.messages if not re.search(r"status of (404|422)", m)]  # the pages' own


def tab_to(page: Page, script: str, most: int = 60) -> None:
    """Press Tab until `script` (a function of the focused element) is true."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({script})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {script}")


def focus_shows(page: Page) -> None:
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"


def test_a_class_with_the_keyboard_alone_on_phones(open_page: OpenPage, base_url: str, artifacts: Path) -> None:
    teacher = open_page(viewport=PHONE)  # the teacher opens the class from the keyboard too
    teacher.goto(base_url + PLAYER)
    teacher.wait_for_function("() => window.convscope && window.convscope.ready")
    tab_to(teacher, "(el) => el.id === 'class-toggle'")
    teacher.keyboard.press("Enter")
    follow = teacher.get_by_role("button", name="Follow me: on")
    expect(follow).to_be_focused()
    focus_shows(teacher)
    expect(teacher.locator(".class-conn")).to_have_text("live")
    code = teacher.locator(".class-code").inner_text()
    no_sideways_scroll(teacher)
    teacher.screenshot(path=str(artifacts / "classroom-phone-teacher.png"))
    student = open_page(viewport=PHONE)
    student.goto(f"{base_url}/join")
    tab_to(student, "(el) => el.id === 'join-code'")  # through the header to the code field
    expect(student.get_by_label("Class code")).to_be_focused()
    focus_shows(student)
    student.keyboard.type(code.lower())  # codes are read case-insensitively
    student.keyboard.press("Enter")
    student.wait_for_url(re.compile(r"/play/conv2d\?"))
    follows(student, teacher)
    student.keyboard.press("ArrowRight")  # the student's own step, from the keyboard: exploring
    expect(student.locator(".class-banner-text")).to_have_text("Exploring on your own")
    tab_to(student, "(el) => el.textContent === 'Back to the class'")
    expect(student.get_by_role("button", name="Back to the class")).to_be_focused()
    focus_shows(student)
    student.keyboard.press("Enter")
    follows(student, teacher)
    expect(student.locator(".class-banner-text")).to_have_text(f"Following {code}")
    expect(student.locator(".class-banner-text")).to_be_focused()  # the button went: focus stays in the banner
    no_sideways_scroll(student)
    teacher.keyboard.press("Enter")  # Follow me (still focused): off, and students are left where they are
    expect(teacher.get_by_role("button", name="Follow me: off")).to_have_attribute("aria-pressed", "false")
    expect(teacher.locator("#class-announce")).to_have_text("Students no longer follow your page.")
    tab_to(teacher, "(el) => el.textContent === 'End class'")
    teacher.keyboard.press("Enter")
    expect(teacher.get_by_role("button", name="Class", exact=True)).to_be_focused()  # back where the class began
    expect(student.locator(".class-banner-text")).to_have_text("The class has ended.")


def test_the_panel_in_presentation_mode(open_page: OpenPage, base_url: str, artifacts: Path) -> None:
    teacher = open_page(viewport=PROJECTOR)
    code = open_class(teacher, base_url, "/play/relu?present=1")
    assert teacher.evaluate("() => document.documentElement.classList.contains('present')")
    panel = teacher.locator("#class-panel")
    expect(panel).to_be_visible()
    teacher.locator("body").press("ArrowRight")  # the player keys still drive the player
    teacher.wait_for_function("() => window.convscope.step === 1")
    follow = teacher.locator("#class-panel .class-follow")
    found = text_elements(teacher)  # as tests/browser/test_present.py measures every page, with the panel open
    assert any("class-code" in item["what"] for item in found)
    small = [item for item in found if item["size"] < MIN_TEXT_PX]
    faint = [item for item in found if item["contrast"] < MIN_CONTRAST]
    assert not small, f"text under {MIN_TEXT_PX} px on the projector: {small}"
    assert not faint, f"text under {MIN_CONTRAST}:1 contrast on the projector: {faint}"
    expect(follow).to_be_visible()
    assert teacher.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.class-code')).fontSize)") >= 80
    box = panel.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PROJECTOR["width"]
    no_sideways_scroll(teacher)
    teacher.screenshot(path=str(artifacts / "classroom-present-panel.png"))

    student = open_page(viewport=PHONE, is_mobile=True, has_touch=True)  # a student presenting on a phone
    student.goto(f"{base_url}/join/{code}?present=1")
    student.wait_for_url(re.compile(r"/play/relu\?(.*&)?present=1"))
    assert student.evaluate("() => document.documentElement.classList.contains('present')")
    follows(student, teacher)
    expect(banner(student)).to_be_visible()
    no_sideways_scroll(student)
    student.screenshot(path=str(artifacts / "classroom-phone-presenting.png"))

    teacher.mouse.move(400, 300)  # the presenter's mouse wakes the controls, hidden while it rests
    teacher.mouse.move(420, 320)
    teacher.get_by_role("button", name="Class", exact=True).click()  # hides the panel, the class goes on
    expect(panel).to_be_hidden()
    expect(teacher.get_by_role("button", name="Class", exact=True)).to_have_attribute("aria-expanded", "false")
    teacher.locator("body").press("ArrowRight")
    follows(student, teacher)


def test_a_dropped_connection_comes_back_with_backoff_and_the_latest_state(open_page: OpenPage, base_url: str) -> None:
    teacher = open_page()
    code = open_class(teacher, base_url, PLAYER)
    student = open_page()
    routes: list[WebSocketRoute] = []
    tries: list[float] = []
    refusing = [False]

    def route(ws: WebSocketRoute) -> None:  # the student's channel, through Playwright: a drop on demand
        tries.append(time.monotonic())
        routes.append(ws)
        if refusing[0]:
            ws.close(code=1011, reason="store down")  # opened, never welcomed: the backoff goes on growing
        else:
            ws.connect_to_server()

    student.route_web_socket(re.compile(r"/api/classroom/"), route)
    student.goto(f"{base_url}/join/{code}")
    student.wait_for_url(re.compile(r"/play/conv2d\?"))
    follows(student, teacher)

    refusing[0] = True
    tries.clear()
    dropped = time.monotonic()
    routes[-1].close(code=1012, reason="network drop")
    expect(banner(student).locator(".class-conn")).to_have_text("reconnecting…")
    expect(student.locator("#class-announce")).to_have_text("Connection lost: reconnecting…")
    teacher.locator("body").press("ArrowRight")  # the class moves on while the student is away
    teacher.locator("body").press("ArrowRight")
    while len(tries) < 2:  # two refused tries, then the store is back: the third connects
        student.wait_for_timeout(50)
    refusing[0] = False
    expect(banner(student).locator(".class-conn")).to_have_text("live", timeout=6000)
    expect(student.locator("#class-announce")).to_have_text("Live again.")
    gaps = [b - a for a, b in zip([dropped, *tries][:3], tries[:3], strict=True)]
    for gap, (low, high) in zip(gaps, [(0.25, 0.5), (0.5, 1.0), (1.0, 2.0)], strict=True):
        assert low * 0.9 <= gap <= high + 0.3, gaps  # each wait twice the last, give or take its jitter
    follows(student, teacher)  # the latest state, on reconnecting


def test_students_follow_the_stack_builder_and_a_lessons_part(open_page: OpenPage, base_url: str) -> None:
    teacher = open_page()
    teacher.goto(base_url + "/play/stack")
    teacher.get_by_role("button", name="Class", exact=True).click()
    expect(teacher.locator(".class-conn")).to_have_text("live")
    code = teacher.locator(".class-code").inner_text()
    student = open_page(viewport=PHONE)
    student.goto(f"{base_url}/join/{code}")
    student.wait_for_url(re.compile(r"/play/stack"))

    teacher.get_by_role("button", name="LeNet-like").click()  # the stack's own URL encoding, followed as written
    teacher.get_by_role("button", name="Add ReLU layer").click()
    teacher.wait_for_url(re.compile(r"layers=.*;relu$"))
    wanted = teacher.url.split("?", 1)[1]
    student.wait_for_url(re.compile(re.escape(wanted) + "$"))
    expect(student.locator(".class-banner-text")).to_have_text(f"Following {code}")

    teacher.goto(base_url + LESSON)
    student.wait_for_url(re.compile(LESSON))
    teacher.evaluate("() => document.getElementById('h-practice').scrollIntoView()")
    student.wait_for_function("() => Math.abs(document.getElementById('h-practice').getBoundingClientRect().top) < 2")
    expect(student.locator(".class-banner-text")).to_have_text(f"Following {code}")  # scrolled for, not exploring


def test_a_choice_question_counts_choices_by_their_text(open_page: OpenPage, base_url: str) -> None:
    teacher = open_page()
    teacher.goto(base_url + "/lessons/08-one-by-one")
    teacher.wait_for_function("() => window.convscope.ready && window.convscope.exercises.length > 0")
    teacher.get_by_role("button", name="Class", exact=True).click()
    expect(teacher.locator(".class-conn")).to_have_text("live")
    code = teacher.locator(".class-code").inner_text()
    student = open_page(viewport=PHONE)
    student.goto(f"{base_url}/join/{code}")
    student.wait_for_url(re.compile(r"/lessons/08-one-by-one"))
    teacher.locator(".class-ask").first.click()  # "what shape comes out?": four choices
    card = student.locator(".class-question")
    choices = card.get_by_role("radio")
    expect(choices).to_have_count(4)
    picked = card.locator("label.choice").nth(1).inner_text().strip()
    choices.nth(1).check()
    card.get_by_role("button", name="Send").click()
    expect(card.locator(".class-q-status")).to_contain_text(f"Your answer ({picked}) was sent.")
    row = teacher.locator(".class-bar-row")
    expect(row).to_have_count(1)
    expect(row.locator(".class-bar-label")).to_have_text(picked)
    expect(teacher.locator(".class-answered")).to_have_text("1 of 1 answered")
    teacher.get_by_role("button", name="Reveal").click()
    expect(card.locator(".class-q-headline")).to_contain_text("the answer is")
    student.reload()  # a reloaded page gets the question, the answer it sent and the reveal again
    expect(card.get_by_role("radio").nth(1)).to_be_checked()
    expect(card.locator(".class-q-headline")).to_contain_text("the answer is")
    card.get_by_role("button", name="Close the question").click()
    expect(card).to_be_hidden()
    student.reload()
    student.wait_for_function("() => document.querySelector('.class-conn')?.dataset.status === 'live'")
    expect(card).to_be_hidden()  # closed stays closed


def test_the_teachers_page_paces_its_states_by_the_rate_the_welcome_says(open_page: OpenPage, base_url: str) -> None:
    """The welcome's rate (CONVSCOPE_CLASSROOM_RATE) sets how often the teacher's page sends: here it is
    rewritten to 2 a second on its way in, so states go out at most every 1/(2 x 4/5) = 0.625 s, and the
    last one always."""
    teacher = open_page()
    sent: list[tuple[float, int]] = []

    def route(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            data = json.loads(message)
            if data["type"] == "state":
                sent.append((time.monotonic(), data["state"]["step"]))
            server.send(message)

        def to_page(message: str | bytes) -> None:
            data = json.loads(message)
            if data["type"] == "welcome":
                data["rate"] = 2
            ws.send(json.dumps(data))

        ws.on_message(to_server)
        server.on_message(to_page)

    teacher.route_web_socket(re.compile(r"/api/classroom/"), route)
    open_class(teacher, base_url, PLAYER)
    teacher.wait_for_timeout(700)  # past the first state's pacing
    sent.clear()
    for _ in range(8):
        teacher.locator("body").press("ArrowRight")
    last = player_state(teacher)["step"]
    deadline = time.monotonic() + 5
    while (not sent or sent[-1][1] != last) and time.monotonic() < deadline:
        teacher.wait_for_timeout(50)
    assert sent and sent[-1][1] == last, sent  # the last state always goes out
    gaps = [b[0] - a[0] for a, b in zip(sent, sent[1:], strict=False)]
    assert 1 <= len(sent) <= 4, sent  # 8 steps in well under 2 s: a few states, not 8
    assert all(gap >= 0.45 for gap in gaps), gaps  # sent 0.625 s apart; their arrival here jitters under load
