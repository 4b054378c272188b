"""What the terminal says when the app opens its store: whether demo data was just loaded, where the
database is, and, while no administrator exists, the one command that creates the first one."""
from __future__ import annotations

import os
from pathlib import Path

from ..i18n import LANGUAGES, Translator
from .accounts import has_active_admin
from .store import Store

LANG_ENV_VAR = "GAPSMODEL_LANG"   # the terminal's language (es unless set to en)


def terminal_language() -> str:
    wanted = os.environ.get(LANG_ENV_VAR, "").strip().lower()[:2]
    return wanted if wanted in LANGUAGES else "es"


def _where(store: Store) -> str:
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).resolve())
    return store.url          # the password hidden


def startup_notice(store: Store, demo_loaded: bool, lang: str | None = None) -> str:
    """The lines printed once per process when the store is opened (empty when there is nothing to say)."""
    t = Translator(lang or terminal_language())
    lines = []
    if demo_loaded:
        lines.append(t("startup.demo_loaded", where=_where(store)))
    if not has_active_admin(store):
        lines.append(t("startup.no_admin"))
    return "\n".join(lines)
