"""Benchmarks of reading the store, each against a reference measured in the same run:
``python benchmarks/store_reads.py``.

- ``gaps``: ``python -m gapsmodel gaps --period 2023`` as a whole process (start-up, imports, reading the store,
  the model, printing) against a DuckDB whole process on the same values (benchmarks/duckdb_gaps.py reads them
  from CSV and applies the same rules), at 0.1 M and 1 M values: wall time (best of ``--repeat``) and peak RSS.
- ``upload``: one app process (the overview page under AppTest) serving the 1 M store; 20 times a 26-row
  batch is checked and imported (as the upload page does) and the overview rerun until it shows the new
  batch: import seconds, seconds to visible, and the process's RSS after each upload.
- both on SQLite (an embedded file) and on PostgreSQL (``--postgres URL``, default the local test server);
  the ratio between them is reported.

    python benchmarks/store_reads.py                          # everything, SQLite and PostgreSQL
    python benchmarks/store_reads.py --only gaps --backends sqlite --sizes 1000000
    python benchmarks/store_reads.py --uploads 5

Stores are built once under benchmarks/results/ (gitignored). Results go to benchmarks/results/store-reads.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import MIB, _as_running_server, machine, rss  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres:postgres@localhost:5432/postgres"
TARGETS = {"gaps_vs_duckdb": 1.5, "gaps_peak_mib": 500, "growth_vs_linear": 1.0, "import_seconds": 1.0,
           "upload_to_visible_seconds": 3.0, "app_rss_mib_after_uploads": 1024, "backend_ratio": 2.0}


# --- stores -------------------------------------------------------------------------------------------
def _sqlite_url(size: int) -> str:
    return f"sqlite:///{RESULTS / f'reads-{size}.db'}"


def _postgres_url(base: str, size: int) -> str:
    import sqlalchemy as sa
    return sa.make_url(base).set(database=f"gapsmodel_bench_{size}").render_as_string(hide_password=False)


def _create_postgres_database(url: str, template: str | None = None) -> None:
    import sqlalchemy as sa
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        clause = f' TEMPLATE "{template}"' if template else ""
        for attempt in range(10):
            if template:   # a template must have no session (autovacuum may be visiting the benchmark's store)
                conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": template})
            try:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"{clause}'))
                break
            except sa.exc.OperationalError:
                if attempt == 9:
                    raise
                time.sleep(1)
    admin.dispose()


def build_store(url: str, size: int) -> str:
    """A store of ``size`` synthetic values (a few big batches per institution), built once."""
    import sqlalchemy as sa

    from benchmarks.synthetic import synthetic_values
    from gapsmodel.records.store import VALUE_COLUMNS, Store
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.rules.territory import load_territory
    if url.startswith("postgresql"):
        try:
            store = Store.open(url)
            with store.engine.connect() as conn:
                if conn.execute(sa.text("SELECT count(*) FROM observations")).scalar() == size:
                    store.engine.dispose()
                    return url
            store.engine.dispose()
        except sa.exc.OperationalError:
            pass
        _create_postgres_database(url)
    else:
        path = Path(sa.make_url(url).database)
        if path.exists():
            store = Store.open(url)
            with store.engine.connect() as conn:
                n = conn.execute(sa.text("SELECT count(*) FROM observations")).scalar()
            store.engine.dispose()
            if n == size:
                return url
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
    catalog, territory = load_catalog(), load_territory()
    values = synthetic_values(size, catalog, territory)
    store = Store.open(url)
    years = values["period"].str[:4].astype(int) // 5 * 5
    for (inst, _), batch in values.groupby(["institution", years], sort=True):
        store.add_batch(batch[VALUE_COLUMNS], institution=inst, filename=f"bench_{inst}.csv",
                        uploaded_at=batch["uploaded_at"].max().to_pydatetime())
    store.engine.dispose()
    return url


def values_csv(url: str, path: Path) -> Path:
    """The values in force, as the DuckDB process reads them."""
    from gapsmodel.records.store import Store
    if not path.exists():
        store = Store.open(url)
        store.values()[["institution", "indicator", "ubigeo", "period", "sex", "age", "nationality",
                        "value"]].to_csv(path, index=False)
        store.engine.dispose()   # PostgreSQL copies the store with CREATE DATABASE … TEMPLATE: no one connected
    return path


# --- whole processes -----------------------------------------------------------------------------------
def child_run(argv: list[str]) -> tuple[float, float, int]:
    """(wall seconds, the child's peak RSS in MiB, lines printed). The peak comes from ``/usr/bin/time``: a
    child forked from this process would report this process's own peak (Linux keeps it across exec)."""
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(peak_file), *argv], cwd=ROOT,
                              capture_output=True)
        seconds = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr.decode()[-3000:]}")
        peak_kib = int(peak_file.read_text().split()[-1])
    return seconds, peak_kib / 1024, proc.stdout.count(b"\n")


def bench_gaps(url: str, size: int, repeat: int) -> dict:
    csv = values_csv(url, RESULTS / f"values-{size}.csv")
    ours = [sys.executable, "-m", "gapsmodel", "gaps", "--period", "2023", "--db", url, "--format", "csv"]
    reference = [sys.executable, str(ROOT / "benchmarks" / "duckdb_gaps.py"), str(csv), "2023"]
    runs = {"gaps": [], "duckdb": []}
    for _ in range(repeat):   # interleaved, so both see the same load on a shared machine
        runs["gaps"].append(child_run(ours))
        runs["duckdb"].append(child_run(reference))
    best = {k: min(v, key=lambda r: r[0]) for k, v in runs.items()}
    return {"values": size, "gaps_seconds": best["gaps"][0], "gaps_seconds_all": [round(r[0], 3) for r in runs["gaps"]],
            "gaps_peak_mib": max(r[1] for r in runs["gaps"]), "gaps_rows": best["gaps"][2] - 1,
            "duckdb_seconds": best["duckdb"][0], "duckdb_seconds_all": [round(r[0], 3) for r in runs["duckdb"]],
            "duckdb_peak_mib": max(r[1] for r in runs["duckdb"]), "duckdb_rows": best["duckdb"][2] - 1,
            "ratio": best["gaps"][0] / best["duckdb"][0]}


# --- one app process, many uploads (a worker subprocess) ------------------------------------------------
def small_batch(territory, month: str, n: int) -> bytes:
    """26 rows in the template's layout: two supply indicators for every district of one month."""
    lines = ["periodo,institucion,indicador,ubigeo,sexo,edad,nacionalidad,valor,nota"]
    for i, district in enumerate(territory.district_codes):
        for indicator, base in (("afiliados_sis", 120), ("personas_atendidas_smental", 30)):
            lines.append(f"{month},ACNUR,{indicator},{district},total,total,total,{base + i + n},")
    return ("\n".join(lines) + "\n").encode()


def worker_upload(url: str, uploads: int) -> dict:
    import gc

    from streamlit.testing.v1 import AppTest

    from gapsmodel.ingest import read_upload
    from gapsmodel.records.permissions import Actor
    from gapsmodel.records.store import Store, checksum
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.rules.territory import load_territory
    os.environ["GAPSMODEL_DATABASE_URL"] = url
    _as_running_server()
    from app import cached
    catalog, territory = load_catalog(), load_territory()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    at.session_state["actor"] = Actor("bench_admin", "admin", None)
    at.session_state["lang"] = "es"
    at.switch_page("pages/resumen.py")
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    at.run()
    warm = time.perf_counter() - t0
    errors = [e.value for e in at.exception] + [e.value for e in at.error]
    uploader = Store.open(url)   # another session's upload: the page's store learns of it by its version
    partner = Actor("bench_acnur", "partner", "ACNUR")
    rows = []
    for n in range(uploads):
        data = small_batch(territory, "2024-12", n)
        t0 = time.perf_counter()
        result = read_upload(data, f"acnur_{n}.csv", catalog, territory, institution="ACNUR",
                             locked_months=uploader.locked_months(),
                             history=lambda scope: uploader.values(within=scope))
        if not result.ok:
            raise AssertionError([str(p) for p in result.errors[:3]])
        batch = uploader.add_batch(result.values, institution="ACNUR", actor=partner, filename=f"acnur_{n}.csv",
                                   checksum=checksum(data))
        imported = time.perf_counter() - t0
        t1 = time.perf_counter()
        at.run()
        rerun = time.perf_counter() - t1
        shown = cached.snapshot().values
        visible = bool(shown["batch_id"].eq(batch).sum() == len(result.values))
        errors += [e.value for e in at.exception] + [e.value for e in at.error]
        gc.collect()
        rows.append({"upload": n + 1, "import_seconds": imported, "rerun_seconds": rerun,
                     "to_visible_seconds": imported + rerun, "visible": visible, "rss_mib": rss() / MIB})
    return {"store_url": url.split("://")[0], "cold_seconds": cold, "warm_seconds": warm, "uploads": rows,
            "errors": sorted(set(map(str, errors)))[:5]}


def bench_upload(url: str, uploads: int) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker-upload", url, str(uploads)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"upload worker failed:\n{proc.stderr[-4000:]}")
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    ups = doc["uploads"]
    doc["summary"] = {"import_seconds_max": max(u["import_seconds"] for u in ups),
                      "import_seconds_median": sorted(u["import_seconds"] for u in ups)[len(ups) // 2],
                      "to_visible_seconds_max": max(u["to_visible_seconds"] for u in ups),
                      "to_visible_seconds_median": sorted(u["to_visible_seconds"] for u in ups)[len(ups) // 2],
                      "all_visible": all(u["visible"] for u in ups),
                      "rss_mib_first": ups[0]["rss_mib"], "rss_mib_max": max(u["rss_mib"] for u in ups),
                      "rss_mib_last": ups[-1]["rss_mib"]}
    return doc


def upload_copy(url: str, backend: str) -> str:
    """A copy of the 1 M store to upload into, so the built store stays as it was."""
    import sqlalchemy as sa
    if backend == "sqlite":
        source = Path(sa.make_url(url).database)
        target = RESULTS / "reads-upload.db"
        shutil.copy(source, target)
        return f"sqlite:///{target}"
    parsed = sa.make_url(url)
    copy = parsed.set(database=parsed.database + "_upload").render_as_string(hide_password=False)
    _create_postgres_database(copy, template=parsed.database)
    return copy


# --- report --------------------------------------------------------------------------------------------
def markdown(doc: dict) -> str:
    lines = ["| backend | values | `gaps --period 2023` s | DuckDB process s | ratio | gaps peak MiB "
             "| DuckDB peak MiB |", "|---|---:|---:|---:|---:|---:|---:|"]
    for backend, rows in doc.get("gaps", {}).items():
        for r in rows:
            lines.append(f"| {backend} | {r['values']:,} | {r['gaps_seconds']:.2f} | {r['duckdb_seconds']:.2f} "
                         f"| {r['ratio']:.2f}× | {r['gaps_peak_mib']:.0f} | {r['duckdb_peak_mib']:.0f} |")
    if doc.get("growth"):
        lines += ["", "Growth 0.1 M → 1 M (seconds ratio / 10, 1.0 = linear): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in doc["growth"].items())]
    if doc.get("upload"):
        lines += ["", "| backend | overview cold s | warm s | import s (median / max) | to visible s (median / max) "
                  "| all visible | RSS MiB first → max → last | errors |", "|---|---:|---:|---:|---:|---|---:|---|"]
        for backend, r in doc["upload"].items():
            s = r["summary"]
            lines.append(f"| {backend} | {r['cold_seconds']:.2f} | {r['warm_seconds']:.3f} "
                         f"| {s['import_seconds_median']:.2f} / {s['import_seconds_max']:.2f} "
                         f"| {s['to_visible_seconds_median']:.2f} / {s['to_visible_seconds_max']:.2f} "
                         f"| {'yes' if s['all_visible'] else '**no**'} | {s['rss_mib_first']:.0f} → "
                         f"{s['rss_mib_max']:.0f} → {s['rss_mib_last']:.0f} | {'; '.join(r['errors']) or '—'} |")
    if doc.get("backend_ratios"):
        lines += ["", "PostgreSQL / SQLite: " + ", ".join(f"{k} {v:.2f}×" for k, v in doc["backend_ratios"].items())]
    m = doc["machine"]
    lines += ["", f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}, "
              f"pandas {m['pandas']}, DuckDB {m['duckdb']}; load average at start {m['load_average_at_start']}, "
              f"at end {m.get('load_average_at_end')}.", f"Command: `{doc['command']}`"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="gaps,upload")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("GAPSMODEL_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--worker-upload", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_upload:
        print(json.dumps(worker_upload(args.worker_upload[0], int(args.worker_upload[1])), default=str))
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    only, backends = set(args.only.split(",")), args.backends.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    doc: dict = {"machine": machine(), "targets": TARGETS,
                 "command": "python benchmarks/store_reads.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    urls = {b: {size: (_sqlite_url(size) if b == "sqlite" else _postgres_url(args.postgres, size)) for size in sizes}
            for b in backends}
    for b in backends:
        for size in sizes:
            print(f"store: {b} {size:,} values ...", file=sys.stderr, flush=True)
            build_store(urls[b][size], size)
    if "gaps" in only:
        doc["gaps"], doc["growth"] = {}, {}
        for b in backends:
            doc["gaps"][b] = []
            for size in sizes:
                print(f"gaps: {b} {size:,} ...", file=sys.stderr, flush=True)
                doc["gaps"][b].append(bench_gaps(urls[b][size], size, args.repeat))
            by_size = {r["values"]: r for r in doc["gaps"][b]}
            if 100_000 in by_size and 1_000_000 in by_size:
                doc["growth"][b] = by_size[1_000_000]["gaps_seconds"] / by_size[100_000]["gaps_seconds"] / 10
    if "upload" in only:
        doc["upload"] = {}
        for b in backends:
            print(f"upload: {b} ...", file=sys.stderr, flush=True)
            doc["upload"][b] = bench_upload(upload_copy(urls[b][max(sizes)], b), args.uploads)
    if len(backends) == 2:
        ratios = {}
        big = max(sizes)
        if "gaps" in only:
            s, p = (next(r for r in doc["gaps"][b] if r["values"] == big)["gaps_seconds"] for b in backends)
            ratios["gaps"] = p / s
        if "upload" in only:
            s, p = (doc["upload"][b]["summary"]["to_visible_seconds_median"] for b in backends)
            ratios["upload_to_visible"] = p / s
        doc["backend_ratios"] = ratios
    doc["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    table = markdown(doc)
    (RESULTS / "store-reads.json").write_text(json.dumps(doc, indent=2, default=str) + "\n")
    (RESULTS / "store-reads.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
