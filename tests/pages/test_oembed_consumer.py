"""A real oEmbed consumer, micawber (maintained, used by blogs and wikis), against a live server: a pasted
ConvScope link becomes an iframe as tall as its widget measured at that width (app/pages/embed_sizes.json)."""

from __future__ import annotations

import re

import micawber
import pytest

from app.pages.oembed import HEIGHTS, VIEWS
from tests.browser.measure import WIDTHS
from tests.live import Live
from tests.pages.test_embed import IFRAME

ROOMY = 10_000  # px: a maxheight every widget fits in (micawber sends maxwidth x 16 / 9 when none is given)


def consumer(base_url: str) -> micawber.ProviderRegistry:
    """micawber told where this server's oEmbed endpoint is, for its /play/ and /embed/ links."""
    registry = micawber.ProviderRegistry()
    registry.register(re.escape(base_url) + r"/(play|embed)/\S+", micawber.Provider(f"{base_url}/oembed"))
    return registry


@pytest.mark.parametrize("view", VIEWS)
def test_micawber_gets_the_measured_height_at_every_width(live: Live, view: str) -> None:
    registry = consumer(live.base_url)
    for width in WIDTHS:
        data = registry.request(f"{live.base_url}/play/{view}", maxwidth=width, maxheight=ROOMY)
        assert data["type"] == "rich" and data["provider_name"] == "ConvScope"
        assert (data["width"], data["height"]) == (width, HEIGHTS[view][width])
        iframe = IFRAME.fullmatch(data["html"])
        assert iframe, data["html"]
        assert (iframe["width"], iframe["height"]) == (str(width), str(HEIGHTS[view][width]))
        assert iframe["src"] == f"{live.base_url}/embed/{view}"


@pytest.mark.parametrize("view", ["conv2d", "relu", "transfer"])
def test_micawber_by_default_asks_for_16_9_and_the_widget_scrolls_in_it(live: Live, view: str) -> None:
    """Given only maxwidth, micawber sends maxheight = maxwidth x 16 / 9: the frame is cut to that height
    where the widget is taller (docs/EMBED.md), and it scrolls inside."""
    for width in WIDTHS:
        data = consumer(live.base_url).request(f"{live.base_url}/play/{view}", maxwidth=width)
        assert (data["width"], data["height"]) == (width, min(HEIGHTS[view][width], width * 16 // 9))


def test_micawber_turns_a_pasted_link_into_the_iframe(live: Live) -> None:
    link = f"{live.base_url}/play/relu?height=3&width=3"
    text = consumer(live.base_url).parse_text(
        f"Watch ReLU:\n{link}\nThen try it yourself.", maxwidth=640, maxheight=ROOMY
    )
    found = [m.groupdict() for m in IFRAME.finditer(text)]
    assert len(found) == 1, text
    assert (found[0]["width"], found[0]["height"]) == ("640", str(HEIGHTS["relu"][640]))
    assert found[0]["src"] == f"{live.base_url}/embed/relu?height=3&amp;width=3"
    assert text.startswith("Watch ReLU:\n<iframe") and text.endswith("</iframe>\nThen try it yourself.")
