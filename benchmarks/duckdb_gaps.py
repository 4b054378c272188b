"""The yardstick's whole process: ``python benchmarks/duckdb_gaps.py VALUES.csv PERIOD``.

Starts Python, reads the values in force (exported from the store as CSV) with DuckDB and computes the same
district and region coverage as ``python -m gapsmodel gaps --period PERIOD`` (benchmarks/reference.py), and
prints it as CSV: what the command line does, done by a columnar SQL engine.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(csv_path: str, period_code: str) -> int:
    import duckdb

    from benchmarks.reference import SQL, tables
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.rules.periods import parse_period
    from gapsmodel.rules.territory import load_territory
    catalog, territory = load_catalog(), load_territory()
    con = duckdb.connect()
    text = {c: "VARCHAR" for c in ("institution", "indicator", "ubigeo", "period", "sex", "age", "nationality")}
    quoted = csv_path.replace("'", "''")
    con.execute(f"CREATE TABLE vals AS SELECT * FROM read_csv('{quoted}', header = true, "
                f"columns = { {**text, 'value': 'DOUBLE'} })")
    for name, frame in tables(catalog, territory, [parse_period(period_code)]).items():
        con.register(name, frame)
    result = con.execute(SQL, {"carry": int(catalog.carry_forward_months), "region": territory.region_ubigeo})
    sys.stdout.write(result.df().to_csv(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
