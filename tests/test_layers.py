"""The layer contract: each layer of ``gapsmodel`` imports only the layers below it, and none imports
Streamlit (the app's glue, ``app/``, ``pages/`` and ``dashboard.py``, sits above them all).

    shared helpers (i18n, spreadsheet)  <  rules  <  records  <  ingest | model  <  views  <  cli

``ingest`` and ``model`` stand side by side: neither imports the other.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gapsmodel"
LAYERS = {"i18n": 0, "spreadsheet": 0, "rules": 1, "records": 2, "ingest": 3, "model": 3, "views": 4, "cli": 5,
          "__main__": 6}
FACE = {"__init__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, as an absolute dotted name (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def layer_of(module: str) -> str | None:
    """The top-level part of gapsmodel a module belongs to (None outside gapsmodel or for its face)."""
    parts = module.split(".")
    if parts[0] != "gapsmodel" or len(parts) < 2:
        return None
    return parts[1] if parts[1] not in FACE else None


def violations(package: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(package.rglob("*.py")):
        own = layer_of(module_name(path))
        for target in sorted(imported_modules(path)):
            if target.split(".")[0] in ("streamlit", "app", "pages", "dashboard"):
                out.append(f"{module_name(path)} imports {target.split('.')[0]}")
                continue
            other = layer_of(target)
            if own is None or other is None or other == own or other not in LAYERS:
                continue
            if LAYERS[other] >= LAYERS[own]:
                out.append(f"{module_name(path)} ({own}) imports {target} ({other})")
    return out


def test_every_module_of_gapsmodel_belongs_to_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.stem not in LAYERS and p.stem not in FACE]
    packages = [p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert loose == []
    assert sorted(packages) == sorted(name for name, level in LAYERS.items() if (PACKAGE / name).is_dir())


def test_no_layer_imports_a_higher_one_and_none_imports_streamlit():
    assert violations() == []


@pytest.mark.parametrize("planted, expected", [
    ("from ..records.store import Store\n", "gapsmodel.rules.catalog (rules) imports gapsmodel.records.store"),
    ("import streamlit as st\n", "gapsmodel.rules.catalog imports streamlit"),
    ("from app import cached\n", "gapsmodel.rules.catalog imports app"),
    ("from ..ingest import read_upload\n", "gapsmodel.rules.catalog (rules) imports gapsmodel.ingest"),
])
def test_a_planted_upward_import_is_caught(tmp_path, planted, expected):
    copy = tmp_path / "gapsmodel"
    (copy / "rules").mkdir(parents=True)
    (copy / "__init__.py").write_text("")
    (copy / "rules" / "__init__.py").write_text("")
    (copy / "rules" / "catalog.py").write_text(planted)
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = violations(copy)
    finally:
        ROOT = saved
    assert any(v.startswith(expected) for v in found), found


def test_ingest_and_model_do_not_import_each_other():
    for side, other in (("ingest", "model"), ("model", "ingest")):
        for path in (PACKAGE / side).rglob("*.py"):
            assert not any(layer_of(t) == other for t in imported_modules(path)), path
