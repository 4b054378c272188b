"""Deterministic synthetic demo data: plausible monthly reports for every indicator and district.

The figures are invented (seeded random numbers around hand-set trends); every page says so while
they are on screen. January 2022 to June 2024, monthly sessions from the reactivation session of
6 April 2022, some institutions late or missing, some disaggregated rows, region-only reports for
trafficking and refugee applications, and real movement: shelter need rising faster than beds, SIS
coverage slowly improving.
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..rules.catalog import Catalog
from ..rules.periods import add_months, month_range
from .permissions import Actor
from .sessions import add_agreement, add_session, update_agreement
from .store import ENV_VAR, VALUE_COLUMNS, Store
from ..rules.territory import Territory

log = logging.getLogger(__name__)
DEMO_ENV_VAR = "GAPSMODEL_DEMO"
DEMO_ACTOR = Actor("datos de demostración", "admin")   # a space: no account can take the name
FIRST_MONTH, LAST_MONTH = "2022-01", "2024-06"
SEED = 2022
# share of the migrant population per district (border districts first)
WEIGHTS = {"240302": 0.24, "240301": 0.17, "240101": 0.27, "240102": 0.05, "240103": 0.03, "240104": 0.02,
           "240105": 0.02, "240106": 0.02, "240201": 0.07, "240202": 0.01, "240203": 0.04, "240303": 0.03,
           "240304": 0.03}
# indicator -> (institutions reporting it, district-level or region-only)
REPORTERS = {
    "pob_migrante": (["DIRESA", "ACNUR", "OIM"], "district"),
    "afiliados_sis": (["DIRESA"], "district"),
    "personas_requieren_smental": (["DIRESA"], "district"),
    "personas_atendidas_smental": (["DIRESA", "CARE"], "district"),
    "personas_requieren_alojamiento": (["ACNUR", "OIM"], "district"),
    "camas_albergue": (["ACNUR", "OIM", "ENCUENTROS"], "district"),
    "solicitudes_regularizacion": (["MIGRACIONES"], "district"),
    "documentos_emitidos": (["MIGRACIONES"], "district"),
    "victimas_trata_identificadas": (["PNP", "OIM"], "region"),
    "victimas_trata_atendidas": (["MIMP", "OIM"], "region"),
    "casos_vbg_reportados": (["MIMP", "PNP"], "district"),
    "casos_vbg_atendidos": (["MIMP", "CARE"], "district"),
    "canales_atencion_activos": (["MIMP", "ENCUENTROS"], "district"),
    "nna_no_acompanados": (["UNICEF"], "district"),
    "nna_con_medida_proteccion": (["MIMP"], "district"),
    "nna_edad_escolar": (["DRE", "UNICEF"], "district"),
    "nna_matriculados": (["DRE"], "district"),
    "personas_inseguridad_alimentaria": (["CARE"], "district"),
    "personas_asistencia_alimentaria": (["CARE", "ACNUR"], "district"),
}
REGION_ONLY_EXTRA = {("RREE", "solicitudes_regularizacion"), ("RREE", "documentos_emitidos")}
# typical day of the following month each institution uploads, and months it skips entirely
UPLOAD_DAY = {"DIRESA": 6, "ACNUR": 5, "OIM": 8, "MIGRACIONES": 9, "RREE": 12, "PNP": 14, "MIMP": 7,
              "UNICEF": 9, "DRE": 18, "CARE": 4, "ENCUENTROS": 11}
SKIPS = {"DRE": {"2022-07", "2023-01", "2023-02", "2024-01"}, "UNICEF": {"2022-12", "2023-08"},
         "ENCUENTROS": {"2022-05", "2022-06", "2023-03", "2024-04", "2024-05"}, "PNP": {"2023-11"}}


def _trend(t: np.ndarray, indicator: str) -> np.ndarray:
    """Region-wide level for month number t (0 = January 2022)."""
    pop = 9000 + 160 * t
    return {
        "pob_migrante": pop,
        "afiliados_sis": pop * (0.18 + 0.009 * t),
        "personas_requieren_smental": 120 + 4 * t,
        "personas_atendidas_smental": (120 + 4 * t) * (0.45 + 0.008 * t),
        "personas_requieren_alojamiento": 260 + 14 * t,
        "camas_albergue": 190 + 3 * t,
        "solicitudes_regularizacion": 900 + 25 * t,
        "documentos_emitidos": (900 + 25 * t) * (0.5 + 0.01 * t),
        "victimas_trata_identificadas": 9 + 0.3 * t,
        "victimas_trata_atendidas": (9 + 0.3 * t) * 0.55,
        "casos_vbg_reportados": 70 + 2 * t,
        "casos_vbg_atendidos": (70 + 2 * t) * (0.62 + 0.005 * t),
        "canales_atencion_activos": np.minimum(5 + t // 4, 13),
        "nna_no_acompanados": 30 + 0.5 * t,
        "nna_con_medida_proteccion": (30 + 0.5 * t) * 0.5,
        "nna_edad_escolar": pop * 0.22,
        "nna_matriculados": pop * 0.22 * (0.55 + 0.006 * t),
        "personas_inseguridad_alimentaria": pop * 0.38,
        "personas_asistencia_alimentaria": pop * 0.38 * (0.35 - 0.004 * t),
    }[indicator]


def demo_values(catalog: Catalog, territory: Territory) -> pd.DataFrame:
    """All demo values with the upload time of the batch each belongs to (column ``uploaded_at``)."""
    rng = np.random.default_rng(SEED)
    months = month_range(FIRST_MONTH, LAST_MONTH)
    t = np.arange(len(months))
    districts = territory.district_codes
    weights = np.array([WEIGHTS.get(d, 1 / len(districts)) for d in districts])
    weights = weights / weights.sum()
    rows = []
    for indicator, (institutions, scope) in REPORTERS.items():
        base = _trend(t, indicator)
        stock = catalog.indicators.at[indicator, "time"] == "stock"
        channels = indicator == "canales_atencion_activos"
        for k, inst in enumerate(institutions):
            # several estimates of a need disagree; supplies split between providers
            role = catalog.indicators.at[indicator, "role"]
            share = (1.0 + 0.12 * (k - 0.5) * (role == "need")) if role == "need" else 1 / len(institutions)
            for i, month in enumerate(months):
                if month in SKIPS.get(inst, ()):
                    continue
                level = base[i] * share
                if scope == "region":
                    rows.append((inst, indicator, territory.region_ubigeo, month,
                                 max(0.0, round(level * rng.normal(1, 0.15)))))
                    continue
                if channels:
                    active = rng.random(len(districts)) < (base[i] / len(districts)) * weights.argsort().argsort() \
                        / len(districts) * 2.2
                    values = active.astype(float) * (1 if k == 0 else rng.integers(0, 2, len(districts)))
                else:
                    noise = rng.normal(1, 0.08 if stock else 0.2, len(districts))
                    values = np.maximum(0, np.round(level * weights * noise))
                for district, value in zip(districts, values):
                    rows.append((inst, indicator, district, month, float(value)))
    for inst, indicator in REGION_ONLY_EXTRA:
        base = _trend(t, indicator) * 0.08
        for i, month in enumerate(months):
            rows.append((inst, indicator, territory.region_ubigeo, month, float(round(base[i] * rng.normal(1, 0.1)))))
    frame = pd.DataFrame(rows, columns=["institution", "indicator", "ubigeo", "period", "value"])
    frame = frame.assign(sex="total", age="total", nationality="total", note="")
    frame = _disaggregate(frame, rng)
    day = frame["institution"].map(UPLOAD_DAY).fillna(10).astype(int)
    jitter = rng.integers(-3, 6, len(frame))
    # one batch per institution and month: the same jitter for all its rows
    batch_key = frame["institution"] + frame["period"]
    jitter = pd.Series(jitter, index=frame.index).groupby(batch_key).transform("first")
    next_month = frame["period"].map(lambda m: add_months(m, 1))
    frame["uploaded_at"] = pd.to_datetime(next_month + "-01") + pd.to_timedelta(
        (day + jitter - 1).clip(lower=0), unit="D") + pd.Timedelta(hours=15)
    return frame


def _disaggregate(frame: pd.DataFrame, rng) -> pd.DataFrame:
    """DIRESA reports SIS enrolment by sex only (parts, no total); MIMP sends VBG cases with a total and
    its split by sex, which in a few months does not add up."""
    sis = frame["institution"].eq("DIRESA") & frame["indicator"].eq("afiliados_sis")
    women = np.round(frame.loc[sis, "value"] * 0.54)
    parts = pd.concat([frame.loc[sis].assign(sex="mujer", value=women),
                       frame.loc[sis].assign(sex="hombre", value=frame.loc[sis, "value"] - women)])
    vbg = frame["institution"].eq("MIMP") & frame["indicator"].eq("casos_vbg_reportados") & frame["value"].gt(0)
    vbg_women = np.round(frame.loc[vbg, "value"] * 0.9)
    off = frame.loc[vbg, "period"].isin(["2023-05", "2024-02"]).to_numpy()
    vbg_parts = pd.concat([frame.loc[vbg].assign(sex="mujer", value=vbg_women + off * 3),
                           frame.loc[vbg].assign(sex="hombre", value=frame.loc[vbg, "value"] - vbg_women)])
    return pd.concat([frame.loc[~sis], parts, vbg_parts], ignore_index=True)


def session_dates() -> list[date]:
    """Monthly sessions from the reactivation session: the second Wednesday after the 1st, roughly."""
    out = [date(2022, 4, 6)]
    month = "2022-05"
    while month <= add_months(LAST_MONTH, 1):
        first = date(int(month[:4]), int(month[5:]), 1)
        wednesday = first + timedelta(days=(2 - first.weekday()) % 7 + 7)
        out.append(wednesday)
        month = add_months(month, 1)
    return out


AGREEMENTS = [
    ("Habilitar un canal de atención para sobrevivientes de trata y VBG en Aguas Verdes", "MIMP", 60, "canales_atencion"),
    ("Campaña de afiliación al SIS en Zarumilla y Aguas Verdes", "DIRESA", 45, "cobertura_sis"),
    ("Ampliar las camas de albergue temporal en la frontera", "ACNUR", 90, "camas_albergue"),
    ("Remitir el reporte mensual dentro del plazo (día 10)", "DRE", 30, None),
    ("Jornada de regularización migratoria en Tumbes", "MIGRACIONES", 60, "regularizacion"),
    ("Protocolo de derivación de NNA no acompañados", "UNICEF", 75, "proteccion_nna"),
]


class DemoRefused(ValueError):
    """The demo was not loaded (the store is not entirely empty); the message is for the operator (es / en)."""


NOT_EMPTY = ("La demostración solo se carga en una base totalmente vacía (sin lotes, cuentas, sesiones ni "
             "bitácora); esta base ya tiene contenido y no se tocó. / The demo only loads into an entirely "
             "empty store; this one has content and was left untouched.")


class _OneConnection:
    """An engine stand-in that hands out one connection inside one open transaction: every
    ``store.engine.begin()`` of the writers below joins it, so the demo is written whole or not at all."""

    def __init__(self, conn):
        self.conn = conn
        self.url = conn.engine.url
        self.dialect = conn.engine.dialect

    @contextmanager
    def begin(self):
        yield self.conn

    @contextmanager
    def connect(self):
        yield self.conn


def load_demo(store: Store, catalog: Catalog, territory: Territory, actor: Actor | None = None) -> int:
    """Write the demo batches, sessions and agreements into an entirely empty store, in one transaction
    (all of it or nothing); return the number of values. Raises :class:`DemoRefused` otherwise."""
    values = demo_values(catalog, territory)
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("SELECT 1")   # (the pysqlite driver opens its transaction lazily)
        if not store.is_entirely_empty(conn):
            raise DemoRefused(NOT_EMPTY)
        one = Store.__new__(Store)
        one.engine = _OneConnection(conn)
        one._rows_cache = None
        return _write_demo(one, values, actor or DEMO_ACTOR)


def _write_demo(store: Store, values: pd.DataFrame, actor: Actor) -> int:
    for (inst, month), batch in values.groupby(["institution", "period"], sort=True):
        at = batch["uploaded_at"].iloc[0].to_pydatetime()
        store.add_batch(batch[VALUE_COLUMNS], institution=inst, actor=actor,
                        filename=f"demo_{inst.lower()}_{month}.csv", uploaded_at=at, kind="demo")
    # a correction uploaded later: ACNUR revises its shelter beds in Aguas Verdes for March 2023
    fix = values[(values["institution"] == "ACNUR") & (values["indicator"] == "camas_albergue")
                 & (values["period"] == "2023-03") & (values["ubigeo"] == "240302")]
    store.add_batch(fix.assign(value=fix["value"] + 25, note="corrección")[VALUE_COLUMNS],
                    institution="ACNUR", actor=actor, filename="demo_acnur_correccion_2023-03.csv",
                    uploaded_at=datetime(2023, 5, 20, 10), kind="demo")
    # what a table writes is in its own language, Spanish: pages do not translate users' text
    for n, day in enumerate(session_dates(), start=1):
        title = "Sesión de reactivación" if n == 1 else f"Sesión ordinaria N.º {n - 1}"
        add_session(store, day, title, notes="Datos sintéticos de demostración.", actor=actor)
    _demo_agreements(store, session_dates(), actor)
    return len(values) + len(fix)


def _demo_agreements(store: Store, days: list[date], actor: Actor) -> None:
    """An agreement every third session, recorded that day and followed up at the next sessions:
    a third are done two sessions later, a third are under way, a third are never started."""
    for i, day in enumerate(days[::3]):
        text, inst, lead, gap = AGREEMENTS[i % len(AGREEMENTS)]
        agreement_id = add_agreement(store, day, text, inst, day + timedelta(days=lead), gap_code=gap,
                                     actor=actor, at=_during(day))
        later = [d for d in days if d > day]
        steps = {0: ["en_curso", "cumplido"], 1: ["en_curso"], 2: []}[i % 3]
        for status, follow_up in zip(steps, later):
            update_agreement(store, agreement_id, status=status, actor=actor, at=_during(follow_up))


def _during(day: date) -> datetime:
    """Noon, Lima time (UTC-5), on the session's day."""
    return datetime(day.year, day.month, day.day, 17)


def ensure_demo(store: Store, catalog: Catalog, territory: Territory) -> bool:
    """First run of the embedded store: load the demo when the store is entirely empty; True when it did.

    Never into a store a deployment configured (``GAPSMODEL_DATABASE_URL``) unless the operator asks for
    it with ``GAPSMODEL_DEMO=1``; never into a store with anything in it (accounts, sessions, audit entries)."""
    if os.environ.get(ENV_VAR) and os.environ.get(DEMO_ENV_VAR, "").strip().lower() not in ("1", "true", "yes", "si", "sí"):
        return False
    if not store.is_entirely_empty():
        return False
    try:
        load_demo(store, catalog, territory)
    except DemoRefused:
        return False   # another process got there first, or content arrived meanwhile
    except sa.exc.OperationalError:
        log.warning("demo not loaded: the store was busy", exc_info=True)
        return False
    return True


def is_demo(store: Store) -> bool:
    """True while any demo batch is in force: pages then say the figures are synthetic."""
    frame = store.batches_frame()
    return bool(((frame["kind"] == "demo") & frame["reverted_at"].isna()).any()) if not frame.empty else False
