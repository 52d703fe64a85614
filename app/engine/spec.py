"""What an operation is, declared once: its PyTorch name, parameters, bounds, tensors and engine.

Every layer reads these declarations instead of keeping its own copy: the request models
(``app.schemas``), the player forms and ``GET /api/ops`` (which the browser builds its forms,
stack-builder fields and caps from), the stack builder's layer types, the PyTorch code
printed on screen, and the generic ``/check``.

A bound is a number, or the name of a ``Settings`` field (``"max_kernel"``) read when the
bounds are resolved, so ``CONVSCOPE_MAX_KERNEL=9`` changes every form and model at once.
Pure: no FastAPI, no pydantic, no JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.engine.errors import ParamError

Kind = Literal["int", "float", "bool", "choice", "pair", "padding"]
Bound = int | float | str | None  # a number, or a Settings field's name


class _Required:
    """PyTorch has no default for this parameter."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    """One parameter, with PyTorch's name and default.

    ``low``/``high`` bound a number (each item of a pair); ``low_open``/``high_open`` make them
    strict (``> 0``, ``< 1``). ``example`` is what a player uses when the link does not say
    (for a parameter PyTorch requires), ``initial`` what a new stack layer starts with.
    ``optional``: None is allowed (and is the default). ``layer_high`` replaces ``high`` in the
    stack builder, which computes shapes only and so may go beyond the trace caps. ``module``:
    False for what the call takes rather than the module (dropout's ``training`` and ``seed``);
    stack layers and printed modules leave those out.
    """

    name: str
    kind: Kind
    default: Any = REQUIRED
    help: str = ""
    low: Bound = None
    high: Bound = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False
    example: Any = REQUIRED
    initial: Any = REQUIRED
    layer_high: Bound = None
    label: str = ""
    module: bool = True  # an argument of the nn module's constructor (False: of the call, like training)
    derived: bool = False  # a stack layer takes it from the shape it receives (in_channels): a form need not ask
    from_tensor: bool = False  # a call with tensors reads it off them (out_channels: the weight's first dimension)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def first(self) -> Any:
        """The value a player starts with: PyTorch's default, else the example (None: no value)."""
        value = self.example if self.default is REQUIRED else self.default
        return None if value is REQUIRED else value

    def start(self) -> Any:
        """The value a new stack layer starts with."""
        if self.initial is not REQUIRED:
            return self.initial
        return self.first()

    def bound(self, which: Bound, settings: Any) -> int | float | None:
        if isinstance(which, str):
            return getattr(settings, which)
        return which

    def bounds(self, settings: Any, layer: bool = False) -> tuple[int | float | None, int | float | None]:
        high = self.layer_high if layer and self.layer_high is not None else self.high
        return self.bound(self.low, settings), self.bound(high, settings)


@dataclass(frozen=True)
class LayerShape:
    """What one layer of a stack does to the shape it receives: its parameters with PyTorch's
    defaults filled in, the shape it returns, its parameter count, and its axes (for a windowed op)."""

    params: dict[str, Any]
    output_shape: tuple[int, ...]
    param_count: int
    axes: tuple[Any, Any] | None = None


Tensor = Literal[
    "input",
    "weight",
    "bias",
    "output",
    "mask",
    "indices",
    "grad_output",
    "grad_input",
    "grad_weight",
    "grad_bias",
]
WeightLayout = Literal["filters", "transposed"]


@dataclass(frozen=True)
class OpSpec:
    """One operation: its name (PyTorch's functional name), the module it prints, its parameters
    in PyTorch's order, the tensors it takes and makes, and the engine function that computes it.

    ``engine`` takes the input tensor first, then the parameters by name (plus the caps named
    in ``caps``, as keyword arguments from Settings). ``positional``: parameters the printed
    module shows without ``name=`` (``nn.Conv2d(3, 6, ...)``); ``always``: parameters it shows
    even at their default (a pooling layer's stride). A ``variant`` parameter names the layer
    type whose module is printed (dropout's ``variant="dropout2d"`` prints ``nn.Dropout2d``).
    ``trace``: whether ``/api/{name}/trace`` serves it (``flatten`` and ``linear`` exist only as stack layers).
    ``player``: whether ``/play/{name}`` and ``/embed/{name}`` exist (its entry in app/pages/players.py
    and its view in static/js); an op can be traced before its player is built.
    ``weight_layout``: "filters" for conv2d's (out_channels, in_channels/groups, kH, kW), "transposed"
    for ConvTranspose2d's (in_channels, out_channels/groups, kH, kW). ``backward``: the op is the
    backward pass of the module it prints (its code calls ``backward`` and prints the gradients).
    A tensor named ``grad_output`` in ``takes`` is generated from the seed when a GET query does
    not give it, in the shape the op's plan reports as ``grad_output_shape``.
    """

    name: str
    title: str
    torch: str
    summary: str
    params: tuple[Param, ...]
    takes: tuple[Tensor, ...] = ("input",)
    makes: tuple[Tensor, ...] = ("output",)
    engine: Callable[..., Any] | None = None
    plan: Callable[..., Any] | None = None  # the engine's checks and geometry alone: same arguments, no work
    layer_shape: Callable[..., LayerShape] | None = None  # as a stack layer: (layer dict, shape received) -> shape
    caps: dict[str, str] = field(default_factory=dict)
    positional: tuple[str, ...] = ()
    always: tuple[str, ...] = ()
    trace: bool = True
    player: bool = True
    weight_layout: WeightLayout = "filters"
    backward: bool = False
    side: int = 6  # rows and columns of the input a player generates when the link does not say

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}")

    def has(self, name: str) -> bool:
        return any(p.name == name for p in self.params)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def module_params(self) -> tuple[Param, ...]:
        """The parameters of the nn module (what a stack layer takes)."""
        return tuple(p for p in self.params if p.module)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params if not p.required}

    def weight_shape(
        self, in_channels: int, out_channels: int, groups: int, kernel: tuple[int, int]
    ) -> tuple[int, int, int, int]:
        """The weight's shape for these sizes, in this op's layout; a ParamError when ``groups``
        does not divide the channels the layout divides by it."""
        if self.weight_layout == "filters":
            if in_channels % groups:
                raise ParamError("groups", groups, f"must divide the input channels ({in_channels})")
            return out_channels, in_channels // groups, kernel[0], kernel[1]
        if out_channels % groups:
            rule = f"must divide the number of output channels, out_channels ({out_channels})"
            raise ParamError("groups", groups, rule)
        return in_channels, out_channels // groups, kernel[0], kernel[1]

    def engine_caps(self, settings: Any) -> dict[str, Any]:
        """The caps the engine function takes, read from Settings: {'max_macs': 120000000, ...}."""
        return {arg: getattr(settings, name) for arg, name in self.caps.items()}
