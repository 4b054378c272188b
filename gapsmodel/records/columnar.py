"""Reading the store's values as columns (Arrow, through ADBC) instead of row by row through SQLAlchemy.

``pd.read_sql`` turns a million stored values into some ten million Python objects before pandas packs
them into columns again; an ADBC driver hands over Arrow columns straight from SQLite or PostgreSQL.
Used only where a driver can reach the same database the engine does: an SQLite file or a PostgreSQL server.
Everything else (an in-memory SQLite shared through one connection, another database) reads through
SQLAlchemy, and both give the same frame.
"""
from __future__ import annotations

import logging
import re

import pandas as pd
import sqlalchemy as sa

log = logging.getLogger(__name__)
STRING_COLUMNS = ["institution", "indicator", "ubigeo", "period", "sex", "age", "nationality", "note"]
# CAST: SQLite keeps a type per value, and an Arrow column needs one type for all of them
SELECT = ("SELECT institution, indicator, ubigeo, period, sex, age, nationality, CAST(value AS {real}) AS value, "
          "note, batch_id FROM observations WHERE batch_id >= {low}{months} ORDER BY id")
MONTH = re.compile(r"\d{4}-\d{2}")


def _connect(url: sa.URL):
    """An ADBC DB-API connection to the database at ``url``, or None where none can reach it."""
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
                return None
            import adbc_driver_sqlite.dbapi as sqlite_adbc
            return sqlite_adbc.connect(url.database)
        if backend == "postgresql":
            import adbc_driver_postgresql.dbapi as pg_adbc
            libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
            return pg_adbc.connect(libpq)
    except ImportError:
        return None
    return None


def read_observations(engine: sa.Engine, low: int, months: tuple[str, str] | None = None) -> pd.DataFrame | None:
    """The observations of batches ``>= low`` in storage order, or None when no ADBC driver can read them
    (the caller then reads through SQLAlchemy). ``months``: only those of the months first to last."""
    if months is not None and not all(MONTH.fullmatch(str(m)) for m in months):
        raise ValueError(f"months must be YYYY-MM: {months!r}")   # they are written into the query
    try:
        conn = _connect(engine.url)
    except Exception:  # noqa: BLE001 - a driver that cannot connect: the SQLAlchemy path still works
        log.warning("columnar read unavailable for %s; reading through SQLAlchemy", engine.url.get_backend_name(),
                    exc_info=True)
        return None
    if conn is None:
        return None
    real = "REAL" if engine.url.get_backend_name() == "sqlite" else "DOUBLE PRECISION"
    try:
        with conn.cursor() as cursor:
            within = f" AND period >= '{months[0]}' AND period <= '{months[1]}'" if months else ""
            cursor.execute(SELECT.format(real=real, low=int(low), months=within))
            table = cursor.fetch_arrow_table()
    except Exception:  # noqa: BLE001 - e.g. a column of mixed types in a hand-edited SQLite file
        log.warning("columnar read failed; reading through SQLAlchemy", exc_info=True)
        return None
    finally:
        conn.close()
    if table.num_rows == 0:
        return None  # an empty result has no column types to go by: the SQLAlchemy path is as cheap
    return table.to_pandas()


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """One set of dtypes whichever path read the frame: strings, float64 values, int64 batch ids."""
    out = frame.reset_index(drop=True)
    for col in STRING_COLUMNS:
        if out[col].dtype != "str":
            out[col] = out[col].astype("str")
    out["value"] = out["value"].astype("float64")
    out["batch_id"] = out["batch_id"].astype("int64")
    return out
