"""An upload's problems as the partner reads them: errors first (each group in file order), headers and
level words in the reader's language, each message in that language only; and each problem as one whole
entry (level, where, what to do, the value) for the list a phone shows without cutting the fix text."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..i18n import Translator, one_language


@dataclass(frozen=True)
class ProblemEntry:
    level: str       # "Error" / "Aviso" in the reader's language
    where: str       # "Fila 4 · Columna valor", or "" for the whole file
    message: str
    value: str       # the cell as the file had it (personal data already masked), or ""


def problems_table(result, t: Translator) -> pd.DataFrame:
    """The table on the page and in the CSV download: fila/columna/valor/problema/nivel, translated."""
    frame = result.problems_frame()
    frame = frame.iloc[frame["nivel"].ne("error").argsort(kind="stable")].reset_index(drop=True)
    frame["nivel"] = frame["nivel"].map({"error": t("upload.level_error"), "aviso": t("upload.level_warning")})
    frame["problema"] = frame["problema"].map(lambda message: one_language(message, t.lang))
    return frame.rename(columns={"fila": t("upload.col_row"), "columna": t("upload.col_column"),
                                 "valor": t("upload.col_value"), "problema": t("upload.col_problem"),
                                 "nivel": t("upload.col_level")})


def problem_entries(table: pd.DataFrame, t: Translator) -> list[ProblemEntry]:
    """Each row of :func:`problems_table` as one entry, in the table's order."""
    row_col, column_col = t("upload.col_row"), t("upload.col_column")
    entries = []
    for _, row in table.iterrows():
        where = " · ".join(part for part in (
            f"{row_col} {row[row_col]}" if pd.notna(row[row_col]) else "",
            f"{column_col} {row[column_col]}" if row[column_col] else "") if part)
        value = row[t("upload.col_value")]
        entries.append(ProblemEntry(str(row[t("upload.col_level")]), where, str(row[t("upload.col_problem")]),
                                    value if isinstance(value, str) else ""))
    return entries
