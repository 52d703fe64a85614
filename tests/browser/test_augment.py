"""The augmentation gallery in Chromium: every picture loads, the URL's seed reproduces the bytes."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

OPS = ["original", "grayscale", "hflip", "vflip", "crop", "jitter", "translate", "rotate"]
READY = "() => window.convscope && window.convscope.ready === true"


def open_gallery(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/play/augment{query}")
    page.wait_for_function(READY)


def image_sources(page: Page) -> dict[str, str]:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#gallery .card')]"
        ".map((c) => [c.dataset.op, c.querySelector('img').src]))"
    )


def test_every_augmentation_loads_with_alt_text(page: Page, base_url: str, artifacts: Path) -> None:
    open_gallery(page, base_url, "?sample=house&seed=7")
    cards = page.locator("#gallery .card")
    assert [cards.nth(i).get_attribute("data-op") for i in range(cards.count())] == OPS
    widths = page.evaluate("() => [...document.querySelectorAll('#gallery img')].map((i) => i.naturalWidth)")
    assert len(widths) == 8 and all(w > 0 for w in widths)
    alts = page.evaluate("() => [...document.querySelectorAll('#gallery img')].map((i) => i.alt)")
    assert all("label house" in alt for alt in alts)
    assert "ITU-R 601-2" in alts[1] and "degrees" in alts[7]
    assert page.locator("#label").text_content() == "house"
    assert page.locator("#credit").is_hidden()  # drawn by ConvScope: nothing to credit
    for i in range(8):
        assert cards.nth(i).locator(".diff-numbers").text_content().startswith("Mean |change|")
    page.screenshot(path=str(artifacts / "augment-gallery.png"))


def test_seed_in_the_url_reproduces_the_bytes(open_page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    first = open_page()
    open_gallery(first, base_url, "?sample=digit&seed=12345")
    sources = image_sources(first)
    second = open_page()
    open_gallery(second, base_url, "?sample=digit&seed=12345")
    assert image_sources(second) == sources
    for op in ("crop", "jitter", "translate", "rotate"):
        a = first.request.get(sources[op]).body()
        b = second.request.get(sources[op]).body()
        assert a == b and len(a) > 0
    assert second.locator("#seed").input_value() == "12345"


def test_new_seed_and_difference_toggle_update_the_url(page: Page, base_url: str, artifacts: Path) -> None:
    open_gallery(page, base_url, "?seed=1")
    before = image_sources(page)
    page.click("#new-seed")
    page.wait_for_function(READY)
    seed = page.locator("#seed").input_value()
    assert f"seed={seed}" in page.url
    after = image_sources(page)
    assert after["original"] == before["original"].replace("seed=1&", f"seed={seed}&")
    page.check("#show-diff")
    page.wait_for_function(READY)
    assert "diff=1" in page.url
    diffs = image_sources(page)
    assert all("/api/augment/diff.png" in src for src in diffs.values())
    widths = page.evaluate("() => [...document.querySelectorAll('#gallery img')].map((i) => i.naturalWidth)")
    assert all(w > 0 for w in widths)
    page.select_option("#sample", "checkerboard")
    page.wait_for_function(READY)
    assert "sample=checkerboard" in page.url and page.locator("#label").text_content() == "checkerboard"
    page.screenshot(path=str(artifacts / "augment-diff.png"))


def test_the_default_photo_keeps_its_label_and_shows_its_credit(page: Page, base_url: str, artifacts: Path) -> None:
    open_gallery(page, base_url)
    assert page.locator("#sample").input_value() == "temple"
    assert "sample=temple" in page.url and page.locator("#label").text_content() == "temple"
    alts = page.evaluate("() => [...document.querySelectorAll('#gallery img')].map((i) => i.alt)")
    assert all("label temple" in alt for alt in alts)
    credit = page.locator("#credit")
    assert credit.is_visible() and credit.text_content() == (
        "Photo china.jpg by danielbuechele on Flickr, CC BY 2.0, from scikit-learn's sample images; "
        "shown here shrunk and changed."
    )
    assert credit.locator("a").first.get_attribute("href") == (
        "https://www.flickr.com/photos/danielbuechele/6061409035/sizes/z/in/photostream/"
    )
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('#gallery img')].map((i) => [i.naturalWidth, i.naturalHeight])"
    )
    assert sizes[0] == [64, 43] and sizes[4] == [48, 48]  # the photo at the gallery's size; the 48x48 crop
    page.screenshot(path=str(artifacts / "augment-photo.png"), full_page=True)
