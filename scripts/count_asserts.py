"""Count the assertions in the test suite, per file and in total, by reading the source (ast).

    .venv/bin/python scripts/count_asserts.py            # every file with its count, then the total
    .venv/bin/python scripts/count_asserts.py --total    # the total only
    .venv/bin/python scripts/count_asserts.py --min N    # exit 1 when the total is below N

What counts as one assertion (each place in the source counts once, however many times a loop or
a parametrisation runs it):

- an ``assert`` statement, anywhere under tests/ (helpers and fixtures included);
- a call to ``pytest.raises`` or ``pytest.warns`` (as a context manager or a call);
- a call to Playwright's ``expect(...)`` (``expect(locator).to_have_text(...)`` is one);
- a call to a function or method whose name starts with ``assert`` (``np.testing.assert_allclose``,
  ...);
- a call to a helper: a function defined under tests/, not a test and not a fixture, that asserts
  (by any of the above, or by calling another helper), called by its name in its own file, through
  ``from ... import name``, or as ``module.name`` of an imported tests module: for example
  ``check_refusal(case)`` or ``get(client, path)`` from tests/ndjson.py. A call counts once; the
  assertions inside the helper count once more, where they are written.

Not counted: ``pytest.fail``, a method's call to a helper (``console.check()``), waits such as
``wait_for_function`` or ``page.expect_request``, and anything outside tests/.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
PYTEST_ASSERTIONS = {"raises", "warns"}


@dataclass
class Module:
    path: Path
    tree: ast.Module
    functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = field(default_factory=dict)
    names: dict[str, tuple[Path, str]] = field(default_factory=dict)  # imported helper name -> (module, name)
    modules: dict[str, Path] = field(default_factory=dict)  # imported module alias -> its file


def module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def read(path: Path) -> Module:
    tree = ast.parse(path.read_text(), str(path))
    module = Module(path, tree)
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not is_fixture(node):
            module.functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1]) if node.level else ""
            source = ".".join(p for p in (base, node.module or "") if p)
            for alias in node.names:
                local = alias.asname or alias.name
                if sub := module_file(f"{source}.{alias.name}"):
                    module.modules[local] = sub
                elif src := module_file(source):
                    module.names[local] = (src, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if sub := module_file(alias.name):
                    module.modules[alias.asname or alias.name] = sub
    return module


def is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)


def direct_kind(node: ast.AST) -> str | None:
    """The kind of assertion ``node`` is by itself (not counting helpers), or None."""
    if isinstance(node, ast.Assert):
        return "assert"
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name):
        if func.id == "expect":
            return "expect"
        return "assert_*()" if func.id.startswith("assert") else None
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id == "pytest" and func.attr in PYTEST_ASSERTIONS:
            return f"pytest.{func.attr}"
        return "assert_*()" if func.attr.startswith("assert") else None
    return None


def helper_target(node: ast.Call, module: Module) -> tuple[Path, str] | None:
    """The (file, function) under tests/ that a call names: a function of this file, one imported by
    name, or ``module.function`` of an imported tests module. Methods are not followed."""
    func = node.func
    if isinstance(func, ast.Name):
        if func.id in module.functions:
            return module.path, func.id
        return module.names.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in module.modules:
        return module.modules[func.value.id], func.attr
    return None


def count(root: Path = TESTS) -> tuple[dict[Path, Counter[str]], set[tuple[Path, str]]]:
    modules = {path: read(path) for path in sorted(root.rglob("*.py"))}

    def kind(node: ast.AST, module: Module, helpers: set[tuple[Path, str]]) -> str | None:
        if found := direct_kind(node):
            return found
        if isinstance(node, ast.Call) and helper_target(node, module) in helpers:
            return "helper()"
        return None

    # helpers: non-test functions that assert, directly or through another helper (to a fixed point)
    helpers: set[tuple[Path, str]] = set()
    while True:
        found = {
            (module.path, name)
            for module in modules.values()
            for name, defs in module.functions.items()
            if not name.startswith("test_")
            for f in defs
            if any(kind(node, module, helpers) for node in ast.walk(f))
        }
        if found <= helpers:
            break
        helpers |= found
    per_file: dict[Path, Counter[str]] = {}
    for path, module in modules.items():
        kinds = Counter(k for node in ast.walk(module.tree) if (k := kind(node, module, helpers)))
        if kinds:
            per_file[path] = kinds
    return per_file, helpers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", action="store_true", help="print the total only")
    parser.add_argument("--min", type=int, help="exit 1 when the total is below this")
    args = parser.parse_args()
    per_file, helpers = count()
    total = sum(sum(kinds.values()) for kinds in per_file.values())
    if args.total:
        print(total)
    else:
        for path, kinds in per_file.items():
            detail = ", ".join(f"{name} {n}" for name, n in sorted(kinds.items()))
            print(f"{sum(kinds.values()):6d}  {path.relative_to(ROOT)}  ({detail})")
        by_kind = sum(per_file.values(), Counter[str]())
        print(f"{total:6d}  total  ({', '.join(f'{name} {n}' for name, n in sorted(by_kind.items()))})")
        names = sorted(f"{path.relative_to(ROOT)}:{name}" for path, name in helpers)
        print(f"asserting helpers ({len(names)}): {', '.join(names)}")
    if args.min is not None and total < args.min:
        print(f"the total {total} is below {args.min}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
