"""Command line: ``convscope serve`` (also ``python -m app serve``) runs the app under uvicorn."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

APP_IMPORT = "app.main:app"
WORKERS_ENV = "CONVSCOPE_WORKERS"
KEEP_ALIVE_ENV = "CONVSCOPE_TIMEOUT_KEEP_ALIVE"
REDIS_ENV = "CONVSCOPE_REDIS_URL"  # app/config.py's redis_url: the classroom's rooms shared by every worker
KEEP_ALIVE_DEFAULT = 75  # seconds; uvicorn's own 5 s dropped requests under load (docs/PERFORMANCE.md, Load)
PACKAGE_DIR = Path(__file__).resolve().parent


def _int_from_env(name: str, default: int, environ: Mapping[str, str] | None) -> int:
    """A whole number >= 1 from the variable ``name``, or ``default`` when it is unset or empty."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}: got {raw!r}; must be a whole number >= 1") from None
    if value < 1:
        raise ValueError(f"{name}: got {value}; must be >= 1")
    return value


def default_workers(environ: Mapping[str, str] | None = None) -> int:
    """Workers from CONVSCOPE_WORKERS, or 1 when it is unset or empty."""
    return _int_from_env(WORKERS_ENV, 1, environ)


def default_keep_alive(environ: Mapping[str, str] | None = None) -> int:
    """Seconds an idle keep-alive connection stays open, from CONVSCOPE_TIMEOUT_KEEP_ALIVE, else 75.
    Behind a load balancer that reuses connections, make it longer than the balancer's idle timeout."""
    return _int_from_env(KEEP_ALIVE_ENV, KEEP_ALIVE_DEFAULT, environ)


def check_shared_rooms(workers: int, source: str, environ: Mapping[str, str] | None = None) -> None:
    """Several workers need Redis for the live classroom: without it each worker keeps rooms of its
    own, and a class whose students land on different workers is split (docs/CLASSROOM.md)."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    if env.get(REDIS_ENV, "").strip():
        return
    raise ValueError(
        f"{source}: {workers} workers need {REDIS_ENV} (a Redis shared by the workers): without it each "
        "worker keeps its own classroom rooms and would split a class between them. Set "
        f"{REDIS_ENV}=redis://host:6379/0 (docs/DEPLOY.md, Redis) or run one worker"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a whole number >= 1") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"got {value}; must be >= 1")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; must be a whole number from 0 to 65535") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"got {value}; must be from 0 to 65535")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convscope", description="ConvScope: watch a CNN layer compute, step by step."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the web app under uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8000, help="port to bind (default: %(default)s)")
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help=f"worker processes (default: ${WORKERS_ENV}, else 1); more than 1 needs ${REDIS_ENV}",
    )
    serve.add_argument(
        "--timeout-keep-alive",
        type=_positive_int,
        default=None,
        metavar="SECONDS",
        help=f"close idle keep-alive connections after SECONDS (default: ${KEEP_ALIVE_ENV}, else {KEEP_ALIVE_DEFAULT})",
    )
    serve.add_argument("--reload", action="store_true", help="restart when app/ changes (development only)")
    return parser


def uvicorn_kwargs(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Map parsed ``serve`` arguments to the keyword arguments of ``uvicorn.run``."""
    workers = args.workers if args.workers is not None else default_workers(environ)
    if args.reload and workers > 1:
        raise ValueError(f"--reload: cannot be combined with {workers} workers; use one worker")
    if workers > 1:
        check_shared_rooms(workers, "--workers" if args.workers is not None else WORKERS_ENV, environ)
    kwargs: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "workers": workers,
        "reload": args.reload,
        "server_header": False,
        "timeout_keep_alive": (
            args.timeout_keep_alive if args.timeout_keep_alive is not None else default_keep_alive(environ)
        ),
    }
    if args.reload:
        kwargs["reload_dirs"] = [str(PACKAGE_DIR)]
    return kwargs


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        try:
            kwargs = uvicorn_kwargs(args)
        except ValueError as exc:
            parser.error(str(exc))
        import uvicorn  # imported late: parsing and --help stay fast

        uvicorn.run(APP_IMPORT, **kwargs)
    return 0
