"""The catalog: sectors, indicators, gaps, institutions, aliases, reporting obligations, checks between
indicators (rules.csv) and settings.

Everything here is data read from ``data/catalog/``; nothing about Tumbes is written in code.
Loading checks every cross-reference and raises :class:`CatalogError` listing all problems at once.
"""
from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..i18n import both
from .validation_rules import RULE_COLUMNS, check_rules

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"
DIR_ENV_VAR = "GAPSMODEL_CATALOG_DIR"   # a deployment may keep its own catalog outside the checkout

ROLES = ("need", "supply")
TIMES = ("flow", "stock")
BASIC_RULES = ("max", "sum", "mean")
FREQUENCIES = ("mensual", "trimestral")
SEVERITIES = ("adecuada", "moderada", "alta", "critica")
NO_DATA = "sin_datos"
# DOMAIN.md §7: counts of these sectors are always protected in public views, whatever settings.toml says
ALWAYS_PROTECTED = ("trata", "vbg", "ninez")
CONTACT_COLUMN = "contact_emails"   # institutions.csv, optional: addresses separated by ';' (never public)
CONTACT_SEPARATOR = ";"
# one address as people write them in a catalog cell: local@domain.tld, no spaces, no display name
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}")


class CatalogError(ValueError):
    """The catalog files are inconsistent; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Catálogo inválido / invalid catalog:\n- " + "\n- ".join(problems))


def fold(text: object) -> str:
    """Lower case, accents removed, spaces collapsed: how names are compared."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(s.lower().split())


@dataclass(frozen=True)
class Catalog:
    sectors: pd.DataFrame          # index code; name_es, name_en, order
    indicators: pd.DataFrame       # index code; sector, role, time, rule, unit, small_cell, name_es, name_en
    gaps: pd.DataFrame             # index code; sector, supply, need, fixed_target_per_district, target_coverage, unit, thresholds
    institutions: pd.DataFrame     # index code; name_es, name_en, type
    aliases: dict[str, str]        # folded alias -> institution code
    obligations: pd.DataFrame      # institution, indicator, frequency
    settings: dict = field(default_factory=dict)
    # institution code -> its contact addresses; kept apart from ``institutions`` so that no view that
    # shows the institutions table can carry them (DOMAIN.md §7: contacts never reach a public view)
    contacts: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    rules: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RULE_COLUMNS))   # validation_rules

    # --- settings with their meaning -------------------------------------------------
    @property
    def small_cell_threshold(self) -> int:
        """Counts below this are shown as ``<N`` in public views (DOMAIN.md §7)."""
        return int(self.settings["protection"]["small_cell_threshold"])

    @property
    def protected_sectors(self) -> tuple[str, ...]:
        return tuple(self.settings["protection"]["protected_sectors"])

    @property
    def carry_forward_months(self) -> int:
        """A stock stands in for at most this many following unreported months."""
        return int(self.settings["reporting"]["carry_forward_months"])

    @property
    def deadline_day(self) -> int:
        """Day of the following month by which a month's report is on time."""
        return int(self.settings["reporting"]["deadline_day"])

    @property
    def outlier_settings(self) -> dict:
        """Outlier check (a warning): value above ``factor`` × the median of up to ``history_months``
        earlier months, or below median / factor, with at least ``min_months`` of them reported."""
        quality = self.settings.get("quality", {})
        return {"factor": float(quality.get("outlier_factor", 3.0)),
                "history_months": int(quality.get("outlier_history_months", 12)),
                "min_months": int(quality.get("outlier_min_months", 4))}

    def label(self, table: str, code: str, lang: str = "es") -> str:
        return self.labels(table, lang).get(code, code)

    def labels(self, table: str, lang: str = "es") -> dict[str, str]:
        """Code -> label for one table and language, built once (label() is called per row by pages)."""
        cache = self.__dict__.setdefault("_labels", {})
        if (table, lang) not in cache:
            frame = getattr(self, table)
            cache[(table, lang)] = {code: str(name) for code, name in zip(frame.index, frame[f"name_{lang}"])}
        return cache[(table, lang)]

    def resolve_institution(self, text: object) -> str | None:
        """Catalog code for a code or known alias (any case and accents), else None."""
        key = fold(text)
        for code in self.institutions.index:
            if fold(code) == key:
                return code
        return self.aliases.get(key)

    def is_protected(self, indicator: str) -> bool:
        return bool(self.indicators.at[indicator, "small_cell"]) if indicator in self.indicators.index else False


def _read(directory: Path, name: str, problems: list[str]) -> pd.DataFrame:
    path = directory / name
    if not path.exists():
        problems.append(both(f"falta el archivo {name}", f"missing file {name}"))
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False).apply(lambda c: c.str.strip())


def _need_columns(frame: pd.DataFrame, name: str, columns: list[str], problems: list[str]) -> bool:
    missing = [c for c in columns if c not in frame.columns]
    if missing and not frame.empty:
        problems.append(both(f"{name}: faltan columnas {missing}", f"{name}: missing columns {missing}"))
    return not missing and not frame.empty


def valid_rule(rule: str, institutions) -> bool:
    if rule in BASIC_RULES:
        return True
    return rule.startswith("source:") and rule.split(":", 1)[1] in institutions


def contact_addresses(cell: object) -> list[str]:
    """The addresses of one ``contact_emails`` cell: split on ';', trimmed, empty parts dropped."""
    return [part.strip() for part in str(cell or "").split(CONTACT_SEPARATOR) if part.strip()]


def _contact_problems(institutions: pd.DataFrame) -> list[str]:
    """Every address of ``contact_emails`` that is not one plain e-mail address, named with its row."""
    if CONTACT_COLUMN not in institutions.columns:
        return []
    problems = []
    for code, cell in zip(institutions["code"], institutions[CONTACT_COLUMN]):
        for address in contact_addresses(cell):
            local = address.partition("@")[0]
            if not _EMAIL.fullmatch(address) or ".." in address or local.startswith(".") or local.endswith("."):
                problems.append(both(f"institutions.csv, {code}: '{address}' no es una dirección de correo válida "
                                     f"(separe varias con ';')",
                                     f"institutions.csv, {code}: '{address}' is not a valid e-mail address "
                                     f"(separate several with ';')"))
    return problems


def catalog_dir() -> Path:
    """Where the catalog is read from: ``$GAPSMODEL_CATALOG_DIR``, else ``data/catalog/``."""
    return Path(os.environ.get(DIR_ENV_VAR) or DEFAULT_DIR)


def _protection_problems(settings: dict, sector_codes: set[str]) -> list[str]:
    """The small-cell protection of DOMAIN.md §7 cannot be switched off by the settings."""
    protection = settings.get("protection", {})
    problems = []
    try:
        if int(protection.get("small_cell_threshold", 0)) < 1:
            problems.append(both("settings.toml: small_cell_threshold debe ser 1 o más",
                                 "settings.toml: small_cell_threshold must be 1 or more"))
    except (TypeError, ValueError):
        problems.append(both("settings.toml: small_cell_threshold no es un número entero",
                             "settings.toml: small_cell_threshold is not a whole number"))
    try:
        if int(protection.get("rounding_base", 5)) < 1:
            problems.append(both("settings.toml: rounding_base debe ser 1 o más",
                                 "settings.toml: rounding_base must be 1 or more"))
    except (TypeError, ValueError):
        problems.append(both("settings.toml: rounding_base no es un número entero",
                             "settings.toml: rounding_base is not a whole number"))
    missing = [s for s in ALWAYS_PROTECTED if s in sector_codes and s not in protection.get("protected_sectors", [])]
    if missing:
        problems.append(both(f"settings.toml: protected_sectors debe incluir {missing} (DOMAIN.md §7)",
                             f"settings.toml: protected_sectors must include {missing} (DOMAIN.md §7)"))
    return problems


def _threshold_order(row, settings: dict, where: str) -> list[str]:
    """Severity thresholds must fall: adecuada > moderada > alta (a gap's own, else the defaults)."""
    defaults = settings.get("severity", {})
    values = []
    for level in ("adecuada", "moderada", "alta"):
        text = getattr(row, f"threshold_{level}", "") or str(defaults.get(level, ""))
        try:
            values.append(float(text))
        except ValueError:
            return []    # reported above as not a number
    if not values[0] > values[1] > values[2]:
        shown = ", ".join(f"{v:g}" for v in values)
        return [both(f"{where}: los umbrales deben bajar: adecuada > moderada > alta ({shown})",
                     f"{where}: the thresholds must fall: adecuada > moderada > alta ({shown})")]
    return []


def load_catalog(directory: str | Path | None = None) -> Catalog:
    """Read and cross-check the catalog; raise CatalogError naming every problem."""
    directory = Path(directory or catalog_dir())
    problems: list[str] = []
    sectors = _read(directory, "sectors.csv", problems)
    indicators = _read(directory, "indicators.csv", problems)
    gaps = _read(directory, "gaps.csv", problems)
    institutions = _read(directory, "institutions.csv", problems)
    aliases = _read(directory, "institution_aliases.csv", problems)
    obligations = _read(directory, "obligations.csv", problems)
    settings_path = directory / "settings.toml"
    settings = tomllib.loads(settings_path.read_text("utf-8")) if settings_path.exists() else {}
    if not settings:
        problems.append(both("falta settings.toml", "missing settings.toml"))
    if problems:
        raise CatalogError(problems)

    ok = all([
        _need_columns(sectors, "sectors.csv", ["code", "name_es", "name_en"], problems),
        _need_columns(indicators, "indicators.csv",
                      ["code", "sector", "role", "time", "rule", "unit", "small_cell", "name_es", "name_en"], problems),
        _need_columns(gaps, "gaps.csv", ["code", "sector", "supply", "need", "fixed_target_per_district",
                                         "target_coverage", "unit", "name_es", "name_en"], problems),
        _need_columns(institutions, "institutions.csv", ["code", "name_es", "name_en", "type"], problems),
        _need_columns(obligations, "obligations.csv", ["institution", "indicator", "frequency"], problems),
    ])
    if not ok:
        raise CatalogError(problems or [both("catálogo vacío", "empty catalog")])

    for name, frame in [("sectors.csv", sectors), ("indicators.csv", indicators), ("gaps.csv", gaps),
                        ("institutions.csv", institutions)]:
        dup = frame["code"][frame["code"].duplicated()].tolist()
        if dup:
            problems.append(both(f"{name}: códigos repetidos {dup}", f"{name}: duplicate codes {dup}"))
        for col in ("code", "name_es", "name_en"):
            if frame[col].eq("").any():
                problems.append(both(f"{name}: hay filas sin {col}", f"{name}: rows without {col}"))
    if "order" in sectors.columns and pd.to_numeric(sectors["order"], errors="coerce").isna().any():
        problems.append(both("sectors.csv: order debe ser un número en cada fila",
                             "sectors.csv: order must be a number in every row"))
    for name, frame, key in [("institution_aliases.csv", aliases, ["alias"]),
                             ("obligations.csv", obligations, ["institution", "indicator"])]:
        if all(k in frame.columns for k in key) and frame.duplicated(key).any():
            dup = frame.loc[frame.duplicated(key), key].astype(str).agg(" × ".join, axis=1).tolist()
            problems.append(both(f"{name}: filas repetidas {dup}", f"{name}: duplicate rows {dup}"))
    inst_codes = set(institutions["code"])
    for row in indicators.itertuples():
        where = f"indicators.csv, {row.code}"
        if row.sector not in set(sectors["code"]):
            problems.append(both(f"{where}: sector desconocido '{row.sector}'", f"{where}: unknown sector '{row.sector}'"))
        if row.role not in ROLES:
            problems.append(both(f"{where}: role '{row.role}' no es uno de {ROLES}", f"{where}: role '{row.role}' is not one of {ROLES}"))
        if row.time not in TIMES:
            problems.append(both(f"{where}: time '{row.time}' no es uno de {TIMES}", f"{where}: time '{row.time}' is not one of {TIMES}"))
        if not valid_rule(row.rule, inst_codes):
            problems.append(both(f"{where}: regla desconocida '{row.rule}' (max, sum, mean, source:<institución>)",
                                 f"{where}: unknown rule '{row.rule}' (max, sum, mean, source:<institution>)"))
        if row.small_cell not in ("yes", "no"):
            problems.append(both(f"{where}: small_cell debe ser yes o no", f"{where}: small_cell must be yes or no"))
    ind_codes = set(indicators["code"])
    for row in gaps.itertuples():
        where = f"gaps.csv, {row.code}"
        if row.sector not in set(sectors["code"]):
            problems.append(both(f"{where}: sector desconocido '{row.sector}'", f"{where}: unknown sector '{row.sector}'"))
        if row.supply not in ind_codes:
            problems.append(both(f"{where}: indicador de oferta desconocido '{row.supply}'",
                                 f"{where}: unknown supply indicator '{row.supply}'"))
        if row.need and row.need not in ind_codes:
            problems.append(both(f"{where}: indicador de necesidad desconocido '{row.need}'",
                                 f"{where}: unknown need indicator '{row.need}'"))
        if bool(row.need) == bool(row.fixed_target_per_district):
            problems.append(both(f"{where}: indique 'need' o 'fixed_target_per_district', no ambos ni ninguno",
                                 f"{where}: give 'need' or 'fixed_target_per_district', not both and not neither"))
        for col in ("fixed_target_per_district", "target_coverage", "threshold_adecuada", "threshold_moderada",
                    "threshold_alta"):
            value = getattr(row, col, "")
            if value:
                try:
                    number = float(value)
                except ValueError:
                    problems.append(both(f"{where}: {col} no es un número: '{value}'", f"{where}: {col} is not a number: '{value}'"))
                    continue
                if col == "fixed_target_per_district" and number <= 0:
                    problems.append(both(f"{where}: la meta fija debe ser mayor que 0",
                                         f"{where}: the fixed target must be greater than 0"))
                if col != "fixed_target_per_district" and not 0 <= number <= 1:
                    problems.append(both(f"{where}: {col} debe estar entre 0 y 1 (0,9 = 90 %)",
                                         f"{where}: {col} must be between 0 and 1 (0.9 = 90 %)"))
        problems.extend(_threshold_order(row, settings, where))
    alias_map: dict[str, str] = {}
    for row in aliases.itertuples():
        if row.institution not in inst_codes:
            problems.append(both(f"institution_aliases.csv: '{row.alias}' apunta a una institución desconocida "
                                 f"'{row.institution}'",
                                 f"institution_aliases.csv: '{row.alias}' points to an unknown institution "
                                 f"'{row.institution}'"))
        alias_map[fold(row.alias)] = row.institution
    for row in obligations.itertuples():
        if row.institution not in inst_codes:
            problems.append(both(f"obligations.csv: institución desconocida '{row.institution}'",
                                 f"obligations.csv: unknown institution '{row.institution}'"))
        if row.indicator not in ind_codes:
            problems.append(both(f"obligations.csv: indicador desconocido '{row.indicator}'",
                                 f"obligations.csv: unknown indicator '{row.indicator}'"))
        if row.frequency not in FREQUENCIES:
            problems.append(both(f"obligations.csv: frecuencia '{row.frequency}' no es una de {FREQUENCIES}",
                                 f"obligations.csv: frequency '{row.frequency}' is not one of {FREQUENCIES}"))
    problems.extend(_contact_problems(institutions))
    problems.extend(_protection_problems(settings, set(sectors["code"])))
    # rules.csv is optional: a catalog without it simply has no checks between indicators
    rules = _read(directory, "rules.csv", []) if (directory / "rules.csv").exists() else \
        pd.DataFrame(columns=RULE_COLUMNS)
    problems.extend(check_rules(rules, ind_codes))
    if problems:
        raise CatalogError(problems)

    indicators = indicators.set_index("code")
    indicators["small_cell"] = indicators["small_cell"].eq("yes")
    gaps = gaps.set_index("code")
    severity = settings.get("severity", {})
    for level in ("adecuada", "moderada", "alta"):
        col = f"threshold_{level}"
        if col not in gaps.columns:
            gaps[col] = ""
        gaps[col] = pd.to_numeric(gaps[col].replace("", None)).fillna(float(severity.get(level, 0)))
    gaps["target_coverage"] = pd.to_numeric(gaps["target_coverage"].replace("", None)).fillna(1.0)
    gaps["fixed_target_per_district"] = pd.to_numeric(gaps["fixed_target_per_district"].replace("", None))
    sectors = sectors.set_index("code")
    if "order" in sectors.columns:
        sectors["order"] = pd.to_numeric(sectors["order"])
        sectors = sectors.sort_values("order")
    contacts = {code: tuple(contact_addresses(cell))
                for code, cell in zip(institutions["code"], institutions.get(CONTACT_COLUMN, ""))}
    institutions = institutions.drop(columns=[CONTACT_COLUMN], errors="ignore")
    return Catalog(sectors=sectors, indicators=indicators, gaps=gaps,
                   institutions=institutions.set_index("code"), aliases=alias_map,
                   obligations=obligations.reset_index(drop=True), settings=settings,
                   contacts={code: found for code, found in contacts.items() if found},
                   rules=rules.reset_index(drop=True))
