"""Files people download: CSV and Excel bytes, safe to open in a spreadsheet, and the audit log.

Spreadsheet safety (formula injection, Excel-readable encodings) is :mod:`gapsmodel.spreadsheet`.

Exports carry what the view they come from shows: pass the public gap table (``model.gap_table(public=True)``)
for anything made from a public view.
"""
from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd

from ..rules.catalog import fold
from ..spreadsheet import (CSV_ENCODING, FORMULA_PREFIXES, neutralise, neutralise_frame,  # noqa: F401 (the files of an export)
                           to_csv_bytes, to_xlsx_bytes)
from ..records.demo import DEMO_ACTOR
from ..records.permissions import COMMAND_LINE, Actor
from ..records.store import Store

AUDIT_COLUMNS = ["at", "actor", "action", "detail"]
SECRET_KEY_WORDS = ("password", "contrasena", "clave", "hash", "secret", "token")
_ARGON2 = re.compile(r"\$argon2(?:id|i|d)\$[^\s\"',}]*")
REDACTED = "[redactado]"


def _is_secret_key(key: object) -> bool:
    folded = fold(key)
    return any(word in folded for word in SECRET_KEY_WORDS)


def _scrub(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: (REDACTED if _is_secret_key(k) else _scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    if isinstance(obj, str):
        return _ARGON2.sub(REDACTED, obj)
    return obj


def redact_detail(detail: object) -> str:
    """An audit detail with any secret-looking field or password hash replaced by ``[redactado]``.
    Nothing secret is ever written to the log; this is a second line of defence for exports."""
    text = "" if detail is None else str(detail)
    try:
        parsed = json.loads(text)
    except ValueError:
        return _ARGON2.sub(REDACTED, text)
    return json.dumps(_scrub(parsed), ensure_ascii=False, default=str)


def audit_frame_for_export(store: Store, *, actor: Actor) -> pd.DataFrame:
    """The audit log, newest first (AUDIT_COLUMNS: when in UTC, who, what, detail), without secrets.
    Needs ``read_audit``."""
    actor.require("read_audit")
    frame = store.audit_frame()
    frame = frame.reindex(columns=AUDIT_COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"])
    frame["detail"] = frame["detail"].map(redact_detail)
    return frame.reset_index(drop=True)


# the names the program itself acts under, stored in Spanish, said in the reader's language on screen
# ("demostración / demo" is how demo data of earlier versions was signed)
SYSTEM_ACTOR_WORDS = {COMMAND_LINE.username: "accounts.actor_command_line", DEMO_ACTOR.username: "accounts.actor_demo",
                      "demostración / demo": "accounts.actor_demo"}


def actor_name(name: object, t) -> str:
    """Who did something, as a person reads it: a user's name as it is, the program's own names
    (command line, demo data) in the reader's language."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    return t(SYSTEM_ACTOR_WORDS[name]) if name in SYSTEM_ACTOR_WORDS else str(name)


def readable_detail(detail: object, t) -> str:
    """An audit detail as a person reads it: 'rol: admin · institución: —' instead of JSON. Keys with words
    in the locale's ``audit_detail`` section are translated, others stay as written; values are as stored
    (codes, names, months), except an agreement's status, given in words. Text that is not a JSON object
    is returned as it is."""
    try:
        parsed = json.loads(detail) if isinstance(detail, str) else detail
    except ValueError:
        return "" if detail is None else str(detail)
    if not isinstance(parsed, dict):
        return "" if detail is None else str(detail)

    def key(name: str) -> str:
        words = t(f"audit_detail.{name}")
        return name if words == f"audit_detail.{name}" else words

    def value(v, name: str = "") -> str:
        if v is None or v == "":
            return "—"
        if isinstance(v, bool):
            return t("downloads.yes") if v else t("downloads.no")
        if isinstance(v, dict):
            return ", ".join(f"{key(str(k))}={value(x, str(k))}" for k, x in v.items()) or "—"
        if isinstance(v, (list, tuple)):
            return ", ".join(value(x) for x in v) or "—"
        if name == "status":     # an agreement's status code, in the words of the agreements page
            words = t(f"agreements.status_{v}")
            return str(v) if words == f"agreements.status_{v}" else words.lstrip("○◐✓⚠ ")
        return str(v)
    return " · ".join(f"{key(str(k))}: {value(v, str(k))}" for k, v in parsed.items())


def download_values(store: Store, *, actor: Actor, as_of: datetime | None = None) -> pd.DataFrame:
    """Exact values in force (per institution, unsuppressed) for download. Needs ``download``."""
    actor.require("download")
    frame = store.values(as_of)
    return frame.drop(columns=["batch_id"], errors="ignore")
