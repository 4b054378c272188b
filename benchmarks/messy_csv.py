"""A large partner upload as partners really send it: ``;`` separators, ``1.234,5`` numbers, Windows-1252,
Spanish headers with accents, district names in any case, an institution alias and mixed month styles.

The values are consistent (each total equals the sum of its parts) so the file is accepted and the
benchmark measures reading, checking and storing, not the listing of problems.
"""
from __future__ import annotations

import numpy as np

from gapsmodel.rules.periods import add_months

HEADER = ["Período", "Institución", "Indicador", "Distrito", "Sexo", "Edad", "Valor", "Nota"]
SEXES = ["Mujer", "Hombre"]
AGES = ["0-17", "18-59", "60+"]
MONTH_NAMES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
               "noviembre", "diciembre"]


def _spanish_number(x: float) -> str:
    """1234.5 -> '1.234,5'; 12.0 -> '12'."""
    whole, frac = divmod(round(x * 10), 10)
    text = f"{int(whole):,}".replace(",", ".")
    return f"{text},{int(frac)}" if frac else text


def _month_text(month: str, style: int) -> str:
    year, mm = month.split("-")
    if style == 0:
        return month
    if style == 1:
        return f"{MONTH_NAMES[int(mm) - 1].capitalize()} {year}"
    return f"01/{mm}/{year}"


def messy_csv(n_rows: int, catalog, territory, last_month: str = "2024-06", seed: int = 7) -> bytes:
    """At least ``n_rows`` data rows (cut to exactly ``n_rows`` at a whole report), cp1252 bytes."""
    rng = np.random.default_rng(seed)
    indicators = list(catalog.indicators.index)
    names = list(territory.districts["name"])
    names = [n.upper() if i % 3 == 0 else (n.lower() if i % 3 == 1 else n) for i, n in enumerate(names)]
    per_report = 12  # 6 parts, 2 + 3 subtotals, 1 total
    reports_needed = -(-n_rows // per_report)
    per_month = len(indicators) * len(names)
    n_months = -(-reports_needed // per_month)
    months = [add_months(last_month, -k) for k in range(n_months)][::-1]
    lines = [";".join(HEADER)]
    rows = 0
    for mi, month in enumerate(months):
        period = _month_text(month, mi % 3)
        for indicator in indicators:
            for name in names:
                parts = rng.integers(20, 4000, size=(2, 3)) + rng.choice([0, 0.5], size=(2, 3))
                cells = [(s, a, parts[i, j]) for i, s in enumerate(SEXES) for j, a in enumerate(AGES)]
                cells += [(s, "Total", parts[i].sum()) for i, s in enumerate(SEXES)]
                cells += [("Total", a, parts[:, j].sum()) for j, a in enumerate(AGES)]
                cells += [("Total", "Total", parts.sum())]
                for sex, age, value in cells:
                    lines.append(";".join([period, "Acnur Perú", indicator, name, sex, age,
                                           _spanish_number(float(value)), "estimación"]))
                rows += per_report
                if rows >= n_rows:
                    return ("\r\n".join(lines[: n_rows + 1]) + "\r\n").encode("cp1252")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")
