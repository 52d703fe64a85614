"""The command line maps its arguments to uvicorn's without starting a server."""

from __future__ import annotations

from pathlib import Path

import pytest

import app.cli
from app.cli import build_parser, default_keep_alive, default_workers, uvicorn_kwargs


def kwargs_for(*argv: str, environ: dict[str, str] | None = None) -> dict[str, object]:
    return uvicorn_kwargs(build_parser().parse_args(list(argv)), environ=environ or {})


REDIS = {"CONVSCOPE_REDIS_URL": "redis://127.0.0.1:6379/0"}


def test_serve_maps_to_uvicorn_arguments() -> None:
    assert kwargs_for("serve", "--host", "127.0.0.1", "--port", "8123", "--workers", "2", environ=REDIS) == {
        "host": "127.0.0.1",
        "port": 8123,
        "workers": 2,
        "reload": False,
        "server_header": False,
        "timeout_keep_alive": 75,
    }


def test_serve_defaults() -> None:
    assert kwargs_for("serve") == {
        "host": "127.0.0.1",
        "port": 8000,
        "workers": 1,
        "reload": False,
        "server_header": False,
        "timeout_keep_alive": 75,
    }


def test_workers_default_from_environment() -> None:
    assert kwargs_for("serve", environ={"CONVSCOPE_WORKERS": "3", **REDIS})["workers"] == 3


def test_workers_flag_beats_environment() -> None:
    assert kwargs_for("serve", "--workers", "2", environ={"CONVSCOPE_WORKERS": "3", **REDIS})["workers"] == 2


@pytest.mark.parametrize("raw", ["zero", "0", "-1"])
def test_bad_workers_environment_names_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match="CONVSCOPE_WORKERS: got"):
        default_workers({"CONVSCOPE_WORKERS": raw})


def test_keep_alive_from_environment() -> None:
    assert kwargs_for("serve", environ={"CONVSCOPE_TIMEOUT_KEEP_ALIVE": "75"})["timeout_keep_alive"] == 75


def test_keep_alive_flag_beats_environment() -> None:
    kwargs = kwargs_for("serve", "--timeout-keep-alive", "65", environ={"CONVSCOPE_TIMEOUT_KEEP_ALIVE": "75"})
    assert kwargs["timeout_keep_alive"] == 65


@pytest.mark.parametrize("raw", ["soon", "0", "-5"])
def test_bad_keep_alive_environment_names_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match="CONVSCOPE_TIMEOUT_KEEP_ALIVE: got"):
        default_keep_alive({"CONVSCOPE_TIMEOUT_KEEP_ALIVE": raw})


def test_reload_watches_the_package() -> None:
    kwargs = kwargs_for("serve", "--reload")
    assert kwargs["reload"] is True
    assert kwargs["reload_dirs"] == [str(Path(app.cli.__file__).resolve().parent)]


def test_reload_with_several_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="--reload: cannot be combined with 2 workers"):
        kwargs_for("serve", "--reload", "--workers", "2")


@pytest.mark.parametrize(
    "argv", [["serve", "--workers", "0"], ["serve", "--port", "70000"], ["serve", "--timeout-keep-alive", "0"], []]
)
def test_bad_arguments_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        build_parser().parse_args(argv)
    assert excinfo.value.code == 2
    assert "usage: convscope" in capsys.readouterr().err


REFUSAL = (
    "{source}: 2 workers need CONVSCOPE_REDIS_URL (a Redis shared by the workers): without it each worker keeps "
    "its own classroom rooms and would split a class between them. Set CONVSCOPE_REDIS_URL=redis://host:6379/0 "
    "(docs/DEPLOY.md, Redis) or run one worker"
)


@pytest.mark.parametrize(
    ("argv", "environ", "source"),
    [
        (["--workers", "2"], {}, "--workers"),
        ([], {"CONVSCOPE_WORKERS": "2"}, "CONVSCOPE_WORKERS"),
        (["--workers", "2"], {"CONVSCOPE_REDIS_URL": "  "}, "--workers"),
    ],
)
def test_several_workers_without_redis_are_refused(argv: list[str], environ: dict[str, str], source: str) -> None:
    with pytest.raises(ValueError) as refused:
        kwargs_for("serve", *argv, environ=environ)
    assert str(refused.value) == REFUSAL.format(source=source)


def test_one_worker_needs_no_redis() -> None:
    assert kwargs_for("serve", "--workers", "1", environ={"CONVSCOPE_WORKERS": "4"})["workers"] == 1


def test_several_workers_with_redis_are_served() -> None:
    assert kwargs_for("serve", "--workers", "2", environ=REDIS)["workers"] == 2


def test_command_line_refusal_exits_2_with_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CONVSCOPE_REDIS_URL", raising=False)
        with pytest.raises(SystemExit) as exited:
            app.cli.main(["serve", "--workers", "2"])
    assert exited.value.code == 2
    assert REFUSAL.format(source="--workers") in " ".join(capsys.readouterr().err.split())
