"""What an upload can go wrong with: :class:`Problem` (one finding) and :class:`UnreadableFile`.

Messages are plain Spanish first, then `` / `` and a short English version (DOMAIN.md §6).
"""
from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("error", "warning")

#: Column headers of :meth:`UploadResult.problems_frame` (Spanish, for display and CSV download).
PROBLEM_COLUMNS = ["fila", "columna", "valor", "problema", "nivel"]


class UnreadableFile(Exception):
    """The bytes cannot be read as a table at all; ``str(exc)`` is one clear sentence (es / en)."""


@dataclass
class Problem:
    """One finding about an upload.

    ``row`` is the row number as the user sees it in Excel or in a spreadsheet (1-based, title and header
    rows counted), ``None`` for problems about the whole file. ``column`` is the header as written in the
    user's file ('' if none); ``value`` the offending cell as text ('' if none).
    """
    row: int | None
    column: str
    value: str
    message: str
    level: str = "error"

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
