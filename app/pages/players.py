"""HTML pages (Jinja2) and the health check."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote, unquote_plus, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.convertors import Convertor, register_url_convertor

from app.api.traces import check_params
from app.config import Settings, get_settings
from app.engine.specs import OPS
from app.pages.forms import form_fields
from app.pages.templates import templates
from app.schemas.traces import QUERIES


class OpConvertor(Convertor[str]):
    """A path segment that is an op's name (``/play/{op:op}``, ``/embed/{op:op}``): no other page
    can be taken for an op, whatever order the routes are in (app/pages/missing.py words the rest)."""

    regex = "|".join(sorted((re.escape(op) for op, spec in OPS.items() if spec.player), key=len, reverse=True))

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("op", OpConvertor())

router = APIRouter()

WINDOWED = [("input", "Input", "The padded input"), ("output", "Output", "The output maps")]
POOL_LEAD = "A window slides over each channel on its own. Depth stays the same; height and width shrink. "
PLAYERS: dict[str, dict[str, Any]] = {
    "conv2d": {
        "lead": "A kernel slides over the (padded) input; at each position it multiplies the values under it "
        "by its weights, adds them up with the bias, and writes one output value.",
        "panels": [
            WINDOWED[0],
            ("kernel", "Kernel", "The kernel of the current filter"),
            WINDOWED[1],
            ("depth", "Across depth", "A 1x1 convolution at the current position: one dot product across channels"),
        ],
        "side": "Output size",
    },
    "max_pool2d": {
        "lead": POOL_LEAD + "Each window keeps only its largest value (marked ◆).",
        "panels": WINDOWED,
        "side": "Output size",
    },
    "avg_pool2d": {
        "lead": POOL_LEAD + "Each window keeps the mean of its values.",
        "panels": WINDOWED,
        "side": "Output size",
    },
    "lp_pool2d": {
        "lead": POOL_LEAD + "Each window keeps the root of the sum of its values' powers: "
        "with norm_type 2, the square root of the sum of squares.",
        "panels": WINDOWED,
        "side": "Output size",
    },
    "relu": {
        "lead": "After a convolution, ReLU replaces every negative value with 0 and leaves the rest alone.",
        "panels": [
            ("input", "Input", "The feature map before ReLU"),
            ("mask", "Mask", "1 where the value was positive and passed, 0 where it was 0 or negative (x > 0)"),
            ("output", "Output", "The feature map after ReLU"),
            ("curve", "f(x) = max(0, x)", "The ReLU curve with the current value marked"),
        ],
        "side": "The rule",
    },
    "dropout": {
        "lead": "In training, dropout zeroes a random share p of the activations and scales the rest up by "
        "1/(1 - p); in evaluation it does nothing.",
        "panels": [
            ("input", "Activations", "The activations entering dropout"),
            ("mask", "Mask", "Which activations were kept (1) and dropped (0)"),
            ("output", "Output", "The activations after dropout"),
        ],
        "side": "Training and evaluation",
    },
    "conv_transpose2d": {
        "lead": "A layer that goes back up in size. Scatter view: each input value multiplies the whole kernel and "
        "adds it into the output at stride spacing, and overlapping blocks add up. Gather view: the same numbers as "
        "a convolution with the kernel flipped, over the input with zeros inserted between its cells and padded.",
        "panels": [
            ("input", "Input", "The input (scatter) or the zero-inserted, padded frame (gather)"),
            ("kernel", "Kernel", "The kernels of the current step"),
            ("output", "Output", "The output maps, filling in"),
        ],
        "side": "Output size",
        "toggle": "view",
    },
    "conv2d_backward": {
        "lead": "How a convolution learns. Given the loss's gradient for each output value (grad_output), each "
        "output gradient goes back through the kernel onto the very cells its forward window read (grad_input); "
        "each weight's gradient sums, over output positions, the input value it touched times the output gradient "
        "(grad_weight); each bias's gradient sums its filter's grad_output (grad_bias).",
        "panels": [
            ("forward", "Forward", "The padded input with the forward window of this step"),
            ("grad", "grad_output", "The loss's gradient for each output value"),
            ("result", "Backward", "The gradient the steps fill, in the same cells"),
        ],
        "side": "The three gradients",
        "toggle": "gradient",
    },
}


def page(op: str) -> dict[str, Any]:
    """What a player's page shows about its op: the title from its specification, then the page's own
    lead, panels and side panel."""
    return {"title": OPS[op].title, **PLAYERS[op]}


PLAYER_STATE = ("step", "speed")  # page-only parameters, not sent to the API


def checked(op: str, given: dict[str, str], cfg: Settings) -> bool:
    """Whether the trace of the parameters a player's form is rendered with would stream: the /check its
    first load would ask, answered with the page (static/js/pages/play/play.js skips it when true). The
    form holds only the op's fields, and the player asks for ``detail=auto``."""
    fields = QUERIES[op].model_fields
    params = {name: value for name, value in given.items() if name in fields and name != "detail"}
    return check_params(OPS[op], {**params, "detail": "auto"}, cfg).ok


def oembed_link(request: Request) -> str:
    """The oEmbed discovery address of this page (``<link rel="alternate" type="application/json+oembed">``):
    /oembed asked about this very URL, query included, so a pasted link embeds the state it shows."""
    base = str(request.base_url).rstrip("/")
    return f"{base}/oembed?{urlencode({'url': str(request.url), 'format': 'json'})}"


EXAMPLES = [
    ("The article's 7x7 input, 3x3 kernel, stride 1", "/api/conv2d/trace?bias=false"),
    ("Stride 2: a 3x3 output", "/api/conv2d/trace?bias=false&stride=2"),
    ("Stride 3 does not fit: PyTorch floors, one row and column never covered", "/api/conv2d/shape?stride=3"),
    (
        "32x32x3 with six 5x5x3 filters and padding 2",
        "/api/conv2d/shape?in_channels=3&height=32&width=32&out_channels=6&kernel_size=5&padding=2",
    ),
    (
        "Average pooling of 1..9, kernel 3, stride 2, padding 1",
        "/api/avg_pool2d/trace?input=1,2,3;4,5,6;7,8,9&kernel_size=3&stride=2&padding=1",
    ),
    ("Max pooling 2x2, stride 2", "/api/max_pool2d/trace"),
    ("ReLU and its mask", "/api/relu/trace"),
    ("Dropout p=0.5 in training, seed 7", "/api/dropout/trace?seed=7"),
    (
        "Transposed convolution of a 2x2 input, kernel 3, stride 2: a 5x5 output",
        "/api/conv_transpose2d/trace?stride=2&height=2&width=2",
    ),
]


@router.get("/healthz", tags=["health"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    ops = [(op, spec.summary) for op, spec in OPS.items() if spec.player]
    return templates.TemplateResponse(request, "index.html", {"ops": ops, "examples": EXAMPLES})


STACK_TITLE = "Layer stack"
STACK_STATE = ("input", "layers")  # the stack in the builder's URL (static/js/pages/stack/url.js)


def raw_query(query: str, names: tuple[str, ...]) -> str:
    """The parts of ``query`` named in ``names``, as written: the stack's encoding escapes some of its
    values inside a value, so decoding and encoding again would lose them (url.js)."""
    parts = [part for part in query.split("&") if unquote_plus(part.split("=", 1)[0]) in names]
    return quote("&".join(parts), safe="%&=:;,+*!$'()/?@-._~")


@router.get("/play/stack", response_class=HTMLResponse, include_in_schema=False)
def stack_builder(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "stack.html", {"oembed_url": oembed_link(request)})


@router.get("/embed/stack", response_class=HTMLResponse, include_in_schema=False)
def stack_embed(request: Request) -> HTMLResponse:
    """The builder alone, for an <iframe>: no site header; the stack stays in the URL (``input``, ``layers``)."""
    query = raw_query(request.url.query, STACK_STATE)
    context = {
        "layout": "embed/frame.html",
        "title": STACK_TITLE,
        "theme": "light",
        "page_url": "/play/stack" + (f"?{query}" if query else ""),
        "embed_bundle": "embed-stack",
    }
    return templates.TemplateResponse(request, "stack.html", context)


@router.get("/play/{op:op}", response_class=HTMLResponse, include_in_schema=False)
def play(request: Request, op: str, cfg: Annotated[Settings, Depends(get_settings)]) -> HTMLResponse:
    query_model = QUERIES[op]
    given = {k: v for k, v in request.query_params.items() if k not in PLAYER_STATE}
    context = {
        "op": op,
        "fields": form_fields(query_model, given),
        "checked": checked(op, given, cfg),
        "oembed_url": oembed_link(request),
        **page(op),
    }
    return templates.TemplateResponse(request, "play.html", context)
