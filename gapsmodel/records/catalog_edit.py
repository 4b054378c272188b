"""Changing the catalog: one of its tables replaced as a whole, checked, kept and audited.

The administrator (the table's technical secretariat) edits a catalog table in the app or replaces it from
the command line. A change is refused, with every problem listed and nothing written, unless the whole
catalog still loads (:func:`gapsmodel.rules.catalog.load_catalog` checks every cross-reference). The file it
replaces is kept under ``.history/`` in the catalog folder, and the audit log records who changed what.
A catalog change is a change of definitions: it applies to every period, past sessions included.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..i18n import both
from ..rules.catalog import CatalogError, catalog_dir, load_catalog
from .permissions import Actor
from .store import Store, utcnow

# file -> the columns that identify a row (to describe a change row by row)
TABLE_KEYS: dict[str, list[str]] = {
    "gaps.csv": ["code"],
    "indicators.csv": ["code"],
    "sectors.csv": ["code"],
    "institutions.csv": ["code"],
    "institution_aliases.csv": ["alias"],
    "obligations.csv": ["institution", "indicator"],
    "rules.csv": ["code"],
}
HISTORY_DIR = ".history"
MAX_LISTED_CHANGES = 50


@dataclass
class CatalogChange:
    """What a replacement changed, row by row (keys joined with ' × ')."""
    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str, str]] = field(default_factory=list)   # key, column, before, after

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        added, removed, changed = len(self.added), len(self.removed), len(self.changed)
        return both(f"{self.table}: {added} filas añadidas, {removed} quitadas, {changed} celdas cambiadas",
                    f"{self.table}: {added} rows added, {removed} removed, {changed} cells changed")


def read_table(name: str, directory: str | Path | None = None) -> pd.DataFrame:
    """One catalog table as text, exactly as stored."""
    _check_name(name)
    return pd.read_csv(Path(directory or catalog_dir()) / name, dtype=str, keep_default_na=False)


def read_table_file(data: bytes) -> pd.DataFrame:
    """A catalog table sent as a CSV file (UTF-8, with or without BOM, else Windows-1252; ',' or ';')."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip() or "\x00" in text:
        raise CatalogError([both("El archivo está vacío o no es un CSV.", "The file is empty or not a CSV.")])
    first = text.splitlines()[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (ValueError, csv.Error) as exc:
        raise CatalogError([both(f"No se pudo leer el CSV: {exc}", f"Could not read the CSV: {exc}")]) from None


def _check_name(name: str) -> None:
    if name not in TABLE_KEYS:
        raise CatalogError([both(f"'{name}' no es una tabla editable del catálogo; tablas: {', '.join(TABLE_KEYS)}",
                                 f"'{name}' is not an editable catalog table; tables: {', '.join(TABLE_KEYS)}")])


def clean_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells, trimmed; rows left wholly empty (a blank row added in an editor) dropped."""
    out = frame.copy()
    out.columns = [str(c).strip() for c in out.columns]
    out = out.astype(object).where(out.notna(), "").astype(str).apply(lambda col: col.str.strip())
    return out[out.ne("").any(axis=1)].reset_index(drop=True)


def describe_change(name: str, before: pd.DataFrame, after: pd.DataFrame) -> CatalogChange:
    keys = TABLE_KEYS[name]
    change = CatalogChange(name)
    label = lambda frame: frame[keys].agg(" × ".join, axis=1)  # noqa: E731
    old = before.set_index(label(before)) if len(before) else before
    new = after.set_index(label(after)) if len(after) else after
    change.added = [k for k in new.index if k not in old.index]
    change.removed = [k for k in old.index if k not in new.index]
    columns = list(new.columns) + [c for c in old.columns if c not in new.columns]
    for key in (k for k in new.index if k in old.index):
        for col in columns:
            was = str(old.at[key, col]) if col in old.columns else ""
            now = str(new.at[key, col]) if col in new.columns else ""
            if was != now:
                change.changed.append((key, col, was, now))
    return change


def replace_table(store: Store, name: str, frame: pd.DataFrame, *, actor: Actor,
                  directory: str | Path | None = None, now: datetime | None = None) -> CatalogChange:
    """Replace one catalog table after checking the whole catalog with it; returns what changed.

    Raises :class:`CatalogError` (every problem listed, nothing written) or ``PermissionDenied``.
    """
    actor.require("manage_catalog")
    _check_name(name)
    directory = Path(directory or catalog_dir())
    new = clean_table(frame)
    missing_keys = [k for k in TABLE_KEYS[name] if k not in new.columns]
    if missing_keys:
        raise CatalogError([both(f"{name}: faltan columnas {missing_keys}", f"{name}: missing columns {missing_keys}")])
    before = read_table(name, directory)
    with tempfile.TemporaryDirectory() as trial:       # the whole catalog must load with the new table
        for path in directory.glob("*"):
            if path.is_file():
                shutil.copy(path, Path(trial) / path.name)
        new.to_csv(Path(trial) / name, index=False, lineterminator="\n")
        load_catalog(trial)
    change = describe_change(name, clean_table(before), new)
    if change.empty:
        return change
    moment = now or utcnow()
    history = directory / HISTORY_DIR
    history.mkdir(exist_ok=True)
    shutil.copy(directory / name, history / f"{Path(name).stem}.{moment:%Y%m%dT%H%M%S.%f}.csv")
    staging = directory / f".{name}.new"
    new.to_csv(staging, index=False, lineterminator="\n")
    os.replace(staging, directory / name)    # atomic: readers see the old file or the new one
    store.audit(actor.username, "catalog", {
        "table": name, "added": change.added[:MAX_LISTED_CHANGES], "removed": change.removed[:MAX_LISTED_CHANGES],
        "changed": [list(c) for c in change.changed[:MAX_LISTED_CHANGES]],
        "counts": [len(change.added), len(change.removed), len(change.changed)]})
    return change


def catalog_signature(directory: str | Path | None = None) -> tuple:
    """Changes whenever a catalog file changes: a cache key for the app."""
    directory = Path(directory or catalog_dir())
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                        for p in directory.glob("*") if p.is_file()))
