"""Benchmarks of the gap model, of partner uploads and of the pages: ``python benchmarks/run.py``.

Prints one JSON document and a Markdown table, and writes both to benchmarks/results/ (gitignored).
Each measurement runs in a subprocess of its own, so peak memory is that measurement's alone.

    python benchmarks/run.py                       # everything (builds a 1-million-value SQLite store once)
    python benchmarks/run.py --only model --sizes 10000,100000
    python benchmarks/run.py --profile 1000000     # cProfile of the model at that size (top functions)

Not part of the test suite: tests/ never imports this package.
"""
from __future__ import annotations

import argparse
import ast
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZES = [10_000, 100_000, 1_000_000]
UPLOAD_ROWS = 100_000
PAGE_STORE_VALUES = 1_000_000
TARGETS = {"model_vs_duckdb_at_1m": 3.0, "growth_100k_to_1m_vs_linear": 1.0, "peak_memory_mib_at_1m": 1024,
           "warm_page_seconds": 0.3}
MIB = 1024 * 1024


# --- memory: peak resident set of this process since the last reset ----------------------------------
def _status(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_peak() -> None:
    """Reset VmHWM (Linux ≥ 4.0); elsewhere the peak is the process's since it started."""
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def rss() -> int:
    return _status("VmRSS") or 0


def peak() -> int:
    value = _status("VmHWM")
    if value is None:
        import resource
        value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return value


class Phase:
    """Wall time and memory of one phase: peak RSS, and its growth over the RSS at the start."""

    def __enter__(self):
        reset_peak()
        self.start_rss = rss()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.peak = peak()
        self.growth = max(self.peak - self.start_rss, 0)
        return False


def _model_inputs(size: int):
    from benchmarks.synthetic import LAST_MONTH, describe, synthetic_values
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.rules.periods import parse_period
    from gapsmodel.rules.territory import load_territory
    catalog, territory = load_catalog(), load_territory()
    values = synthetic_values(size, catalog, territory)
    periods = [parse_period(LAST_MONTH), parse_period(LAST_MONTH[:4])]
    return catalog, territory, values, periods, describe(values)


def run_model(values, catalog, territory, periods):
    from gapsmodel.rules.combine import monthly_figures
    from gapsmodel.rules.gaps import compute_gaps
    t0 = time.perf_counter()
    monthly = monthly_figures(values, catalog, territory, until=values["period"].max())
    t1 = time.perf_counter()
    month = compute_gaps(monthly, catalog, territory, periods[:1])
    t2 = time.perf_counter()
    year = compute_gaps(monthly, catalog, territory, periods[1:])
    t3 = time.perf_counter()
    return (month, year), {"monthly_figures": t1 - t0, "gaps_month": t2 - t1, "gaps_year": t3 - t2, "total": t3 - t0}


# --- workers (each in its own subprocess) -------------------------------------------------------------
def worker_model(size: int, repeat: int) -> dict:
    import duckdb
    import pandas as pd

    from benchmarks.reference import assert_same, reference_gaps
    catalog, territory, values, periods, shape = _model_inputs(size)
    run_model(values.head(2000), catalog, territory, periods)  # import and first-call costs out of the way
    runs = []
    with Phase() as model_phase:
        for _ in range(repeat):
            tables, timing = run_model(values, catalog, territory, periods)
            runs.append(timing)
    con = duckdb.connect()
    reference_gaps(values.head(2000), catalog, territory, periods, con)
    db_times = []
    with Phase() as db_phase:
        for _ in range(repeat):
            t0 = time.perf_counter()
            reference = reference_gaps(values, catalog, territory, periods, con)
            db_times.append(time.perf_counter() - t0)
    compared = assert_same(pd.concat(tables, ignore_index=True), reference, territory.region_ubigeo)
    best = min(runs, key=lambda r: r["total"])
    return {"values": size, "shape": shape, "repeat": repeat, "model_seconds": best["total"],
            "model_parts_seconds": {k: round(v, 4) for k, v in best.items() if k != "total"},
            "model_seconds_all": [round(r["total"], 4) for r in runs],
            "model_peak_mib": model_phase.peak / MIB, "model_growth_mib": model_phase.growth / MIB,
            "duckdb_seconds": min(db_times), "duckdb_seconds_all": [round(t, 4) for t in db_times],
            "duckdb_peak_mib": db_phase.peak / MIB, "duckdb_threads": con.execute(
                "SELECT current_setting('threads')").fetchone()[0],
            "ratio_model_duckdb": best["total"] / min(db_times), "rows_compared": compared,
            "input_frame_mib": values.memory_usage(deep=True).sum() / MIB, "same_numbers": True}


def _read_upload():
    for _ in range(60):  # the ingest package is being written by another engineer: wait for it
        try:
            from gapsmodel.ingest import read_upload
            return read_upload
        except ImportError:
            try:
                from gapsmodel.ingest.validation import read_upload
                return read_upload
            except ImportError:
                time.sleep(10)
    raise SystemExit("gapsmodel.ingest.read_upload is not importable")


def worker_ingest(rows: int) -> dict:
    from benchmarks.messy_csv import messy_csv
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.records.store import Store, checksum
    from gapsmodel.rules.territory import load_territory
    read_upload = _read_upload()
    catalog, territory = load_catalog(), load_territory()
    data = messy_csv(rows, catalog, territory)
    read_upload(messy_csv(200, catalog, territory), "warm.csv", catalog, territory, institution="ACNUR")
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{folder}/upload.db")
        with Phase() as check:
            result = read_upload(data, "acnur_2024.csv", catalog, territory, institution="ACNUR",
                                 locked_months=store.locked_months())
        if not result.ok:
            raise AssertionError(f"the benchmark file was refused: {[str(p) for p in result.errors[:5]]}")
        if len(result.values) != rows:
            raise AssertionError(f"{len(result.values)} values read from {rows} rows")
        with Phase() as store_phase:
            store.add_batch(result.values, institution="ACNUR", filename="acnur_2024.csv", checksum=checksum(data))
        stored = len(store.values())
    total = check.seconds + store_phase.seconds
    return {"rows": rows, "bytes": len(data), "detected": {k: v for k, v in result.detected.items() if k != "columns"},
            "warnings": len(result.warnings), "validate_seconds": check.seconds,
            "validate_rows_per_s": rows / check.seconds, "validate_peak_mib": check.peak / MIB,
            "validate_growth_mib": check.growth / MIB, "import_seconds": store_phase.seconds,
            "import_rows_per_s": rows / store_phase.seconds, "import_peak_mib": store_phase.peak / MIB,
            "total_rows_per_s": rows / total, "stored_values": stored}


def page_store(path: Path) -> str:
    """The 1-million-value store as an SQLite file, built once (a few big batches per institution)."""
    import sqlalchemy as sa

    from benchmarks.synthetic import synthetic_values
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.records.store import VALUE_COLUMNS, Store
    from gapsmodel.rules.territory import load_territory
    url = f"sqlite:///{path}"
    if path.exists():
        store = Store.open(url)
        with store.engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM observations")).scalar()
        if n == PAGE_STORE_VALUES:
            _sessions_and_agreements(store)
            return url
        store.engine.dispose()
        path.unlink()
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    catalog, territory = load_catalog(), load_territory()
    values = synthetic_values(PAGE_STORE_VALUES, catalog, territory)
    store = Store.open(f"sqlite:///{tmp}")
    years = values["period"].str[:4]
    decades = (years.astype(int) // 5 * 5).astype(str)
    for (inst, chunk), batch in values.groupby(["institution", decades], sort=True):
        at = (batch["uploaded_at"].max()).to_pydatetime()
        store.add_batch(batch[VALUE_COLUMNS], institution=inst, filename=f"bench_{inst}_{chunk}.csv", uploaded_at=at)
    _sessions_and_agreements(store)
    store.engine.dispose()
    tmp.rename(path)
    return url


def _sessions_and_agreements(store) -> None:
    """The demo's sessions and agreements (monthly from April 2022), so the session pages have their content."""
    from datetime import timedelta

    from gapsmodel.records.demo import AGREEMENTS, session_dates
    from gapsmodel.records.sessions import add_agreement, add_session, sessions_frame
    if not sessions_frame(store).empty:
        return
    for n, day in enumerate(session_dates(), start=1):
        add_session(store, day, "Sesión de reactivación" if n == 1 else f"Sesión ordinaria N.º {n - 1}")
    for i, day in enumerate(session_dates()[::3]):
        text, inst, days, gap = AGREEMENTS[i % len(AGREEMENTS)]
        add_agreement(store, day, text, inst, day + timedelta(days=days), status="pendiente", gap_code=gap)


def _pages(root: Path = ROOT) -> list[tuple[str, str]]:
    """(file, url path) of every page registered in dashboard.PAGES (read without running the app)."""
    tree = ast.parse((root / "dashboard.py").read_text())
    found: dict[str, list] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and getattr(node.targets[0], "id", "") in (
                "PAGES", "ACCOUNT_PAGE", "ADMIN_PAGES"):
            value = ast.literal_eval(node.value)
            found[node.targets[0].id] = [value] if isinstance(value, tuple) else list(value)
    if "PAGES" not in found:
        raise SystemExit("no PAGES list in dashboard.py")
    rows = found["PAGES"] + found.get("ADMIN_PAGES", []) + found.get("ACCOUNT_PAGE", [])
    return [(row[0], row[4]) for row in rows]


def _as_running_server() -> None:
    """A fresh process runs its first script in Streamlit's older pages/ mode until st.navigation has run
    once (a server does that once per process): start as a server that already has, as tests/conftest.py does."""
    from streamlit.runtime.pages_manager import PagesManager
    PagesManager.uses_pages_directory = False


def _heading(at) -> str:
    for element in list(at.title) + list(at.header):
        return str(element.value)[:60]
    return ""


def worker_pages(url: str, repeat: int, app_root: str) -> dict:
    app = Path(app_root)
    sys.path.insert(0, str(app))  # the app and its gapsmodel from the tree under test
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from gapsmodel.records.permissions import Actor
    os.environ["GAPSMODEL_DATABASE_URL"] = url
    _as_running_server()

    def session(page: str, role: str) -> AppTest:
        at = AppTest.from_file(str(app / "dashboard.py"), default_timeout=900)
        if role != "public":
            at.session_state["actor"] = Actor(f"bench_{role}", role, "ACNUR" if role == "partner" else None)
        at.session_state["lang"] = "es"
        at.switch_page(page)
        return at

    def problems(at: AppTest) -> list[str]:
        return [e.value for e in at.exception] + [e.value for e in at.error]

    out = []
    cases = [(page, "admin") for page, _ in _pages(app)] + [("pages/resumen.py", "public")]
    for page, role in cases:
        if not (app / page).exists():
            continue
        st.cache_data.clear()
        st.cache_resource.clear()
        at = session(page, role)
        with Phase() as cold:
            at.run()
        errors = problems(at)
        heading = _heading(at)
        rerun = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            at.run()
            rerun.append(time.perf_counter() - t0)
        fresh = []
        for _ in range(repeat):
            other = session(page, role)
            t0 = time.perf_counter()
            other.run()
            fresh.append(time.perf_counter() - t0)
            errors += problems(other)
        out.append({"page": page, "role": role, "heading": heading, "cold_seconds": cold.seconds, "cold_peak_mib": cold.peak / MIB,
                    "warm_rerun_seconds": statistics.median(rerun), "warm_new_session_seconds": statistics.median(fresh),
                    # the verdict uses the rerun: a new AppTest session adds the harness's own start-up
                    # (about 0.15-0.2 s even for a page that draws almost nothing), which a server does not
                    "warm_seconds": statistics.median(rerun),
                    "errors": sorted(set(errors))[:5]})
    return {"store_values": PAGE_STORE_VALUES, "pages": out}


def worker_profile_page(url: str, page: str, role: str, app_root: str, top: int = 40) -> dict:
    """cProfile of one warm rerun of a page, inside the script thread (where AppTest runs the page)."""
    import cProfile
    import io
    import pstats
    app = Path(app_root)
    sys.path.insert(0, str(app))
    os.environ["GAPSMODEL_DATABASE_URL"] = url
    from streamlit.navigation import page as st_page
    from streamlit.testing.v1 import AppTest
    _as_running_server()

    from gapsmodel.records.permissions import Actor
    profiler, state = cProfile.Profile(), {"on": False}
    original = st_page.StreamlitPage.run

    def run(self):
        if not state["on"]:
            return original(self)
        profiler.enable()
        try:
            return original(self)
        finally:
            profiler.disable()
    st_page.StreamlitPage.run = run
    at = AppTest.from_file(str(app / "dashboard.py"), default_timeout=900)
    if role != "public":
        at.session_state["actor"] = Actor(f"bench_{role}", role, None)
    at.session_state["lang"] = "es"
    at.switch_page(page)
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    heading = _heading(at)
    at.run()
    state["on"] = True
    t0 = time.perf_counter()
    at.run()
    warm = time.perf_counter() - t0
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return {"page": page, "role": role, "heading": heading, "cold_seconds": cold, "warm_profiled_seconds": warm,
            "cprofile_cumulative": text.getvalue()}


def worker_profile(size: int, top: int = 35) -> dict:
    import cProfile
    import io
    import pstats
    catalog, territory, values, periods, _ = _model_inputs(size)
    run_model(values.head(2000), catalog, territory, periods)
    profiler = cProfile.Profile()
    profiler.enable()
    _, timing = run_model(values, catalog, territory, periods)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return {"values": size, "timing": timing, "cprofile_cumulative": text.getvalue()}


# --- orchestration -------------------------------------------------------------------------------------
def subprocess_json(*args: str) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", *args], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"worker {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export_tree(rev: str, folder: Path) -> tuple[Path, str]:
    """The app at a git revision, exported with ``git archive`` (the shared working tree may be mid-edit)."""
    if rev == ".":
        return ROOT, "working tree"
    if Path(rev).is_dir():
        return Path(rev).resolve(), f"folder {rev}"
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder, f"git {commit}"


def machine() -> dict:
    import duckdb
    import pandas
    import streamlit
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        ram = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "ram_gib": round(ram / 1024 ** 3, 1) if ram else None,
            "python": platform.python_version(), "os": platform.platform(), "pandas": pandas.__version__,
            "duckdb": duckdb.__version__, "streamlit": streamlit.__version__}


def verdicts(doc: dict) -> dict:
    out = {}
    model = {r["values"]: r for r in doc.get("model", [])}
    if 1_000_000 in model:
        big = model[1_000_000]
        out["model_within_3x_duckdb_at_1m"] = big["ratio_model_duckdb"] <= TARGETS["model_vs_duckdb_at_1m"]
        out["peak_memory_under_1gib_at_1m"] = big["model_peak_mib"] < TARGETS["peak_memory_mib_at_1m"]
        if 100_000 in model:
            growth = (big["model_seconds"] / model[100_000]["model_seconds"]) / 10
            doc["growth_100k_to_1m_vs_linear"] = growth
            out["growth_no_worse_than_linear"] = growth <= TARGETS["growth_100k_to_1m_vs_linear"]
    if doc.get("pages"):
        out["warm_pages_under_0.3s"] = all(p["warm_seconds"] < TARGETS["warm_page_seconds"]
                                           for p in doc["pages"]["pages"])
    return out


def _n(x: float, digits: int = 2) -> str:
    return f"{x:,.{digits}f}"


def markdown(doc: dict) -> str:
    lines = []
    if doc.get("model"):
        lines += ["### Gap model (steps 1-5, all levels, one month and one year) vs DuckDB SQL reference", "",
                  "| values | institutions × months | model s | of which monthly figures s | DuckDB s | model/DuckDB "
                  "| model peak RSS MiB | model growth MiB | rows compared (same numbers) |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in doc["model"]:
            lines.append(f"| {r['values']:,} | {r['shape']['institutions']} × {r['shape']['months']} "
                         f"| {_n(r['model_seconds'], 3)} | {_n(r['model_parts_seconds']['monthly_figures'], 3)} "
                         f"| {_n(r['duckdb_seconds'], 3)} | {_n(r['ratio_model_duckdb'], 1)}× "
                         f"| {_n(r['model_peak_mib'], 0)} | {_n(r['model_growth_mib'], 0)} | {r['rows_compared']:,} ✓ |")
        if "growth_100k_to_1m_vs_linear" in doc:
            lines += ["", f"Time growth from 100 thousand to 1 million values: "
                          f"{_n(doc['growth_100k_to_1m_vs_linear'] * 10, 1)}× for 10× the values "
                          f"({_n(doc['growth_100k_to_1m_vs_linear'], 2)} of linear)."]
        lines.append("")
    if doc.get("ingest"):
        r = doc["ingest"]
        lines += [f"### Upload of a {r['rows']:,}-row messy CSV ({r['bytes'] / MIB:.1f} MiB; `;`, `1.234,5`, "
                  f"cp1252, Spanish headers)", "",
                  "| step | seconds | rows/s | peak RSS MiB |", "|---|---:|---:|---:|",
                  f"| read and validate (`read_upload`) | {_n(r['validate_seconds'])} | {r['validate_rows_per_s']:,.0f} "
                  f"| {_n(r['validate_peak_mib'], 0)} |",
                  f"| import (`Store.add_batch`, SQLite) | {_n(r['import_seconds'])} | {r['import_rows_per_s']:,.0f} "
                  f"| {_n(r['import_peak_mib'], 0)} |",
                  f"| both | {_n(r['validate_seconds'] + r['import_seconds'])} | {r['total_rows_per_s']:,.0f} | |", ""]
    if doc.get("pages"):
        lines += [f"### Pages under AppTest on a {doc['pages']['store_values']:,}-value SQLite store "
                  f"({doc.get('pages_tree', '')})", "",
                  "| page | role | first heading | cold s | warm rerun s | warm new session s | cold peak RSS MiB "
                  "| errors |", "|---|---|---|---:|---:|---:|---:|---|"]
        for p in doc["pages"]["pages"]:
            lines.append(f"| `{p['page']}` | {p['role']} | {p.get('heading', '')} | {_n(p['cold_seconds'])} | {_n(p['warm_rerun_seconds'], 3)} "
                         f"| {_n(p['warm_new_session_seconds'], 3)} | {_n(p['cold_peak_mib'], 0)} "
                         f"| {'; '.join(p['errors']) or '—'} |")
        lines.append("")
    if doc.get("verdicts"):
        lines += ["### Targets", "", "| target | met |", "|---|---|"]
        lines += [f"| {k} | {'yes' if v else '**no**'} |" for k, v in doc["verdicts"].items()]
        lines.append("")
    m = doc["machine"]
    lines += [f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}, pandas "
              f"{m['pandas']}, DuckDB {m['duckdb']}, Streamlit {m['streamlit']}; {m['os']}. Load average "
              f"(1, 5, 15 min) at start {m['load_average_at_start']}, at end {m.get('load_average_at_end')}: "
              f"other work on the machine inflates the times.",
              f"Command: `{doc['command']}`"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="model,ingest,pages", help="comma list of model, ingest, pages")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=int, help="cProfile the model at this size and exit")
    parser.add_argument("--pages-tree", default="HEAD",
                        help="git revision whose pages are timed (exported to a temporary folder), '.' for the "
                             "working tree as it is, or a folder holding another copy of the app")
    parser.add_argument("--profile-page", metavar="PAGE", help="cProfile a warm run of pages/PAGE.py on the "
                        "1-million-value store and exit")
    parser.add_argument("--role", default="admin", help="role for --profile-page (public, analyst, partner, admin)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, *rest = args.worker
        if kind == "model":
            result = worker_model(int(rest[0]), int(rest[1]))
        elif kind == "ingest":
            result = worker_ingest(int(rest[0]))
        elif kind == "pages":
            result = worker_pages(rest[0], int(rest[1]), rest[2])
        elif kind == "profile_page":
            result = worker_profile_page(*rest)
        elif kind == "profile":
            result = worker_profile(int(rest[0]))
        else:
            raise SystemExit(f"unknown worker {kind}")
        print(json.dumps(result, default=str))
        return 0

    if args.profile:
        result = subprocess_json("profile", str(args.profile))
        print(json.dumps(result["timing"], indent=2))
        print(result["cprofile_cumulative"])
        return 0

    if args.profile_page:
        url = page_store(RESULTS / "store-1m.db")
        with tempfile.TemporaryDirectory() as folder:
            app_root, _ = export_tree(args.pages_tree, Path(folder))
            result = subprocess_json("profile_page", url, args.profile_page, args.role, str(app_root))
        print(f"{result['heading']!r}: cold {result['cold_seconds']:.2f} s, "
              f"warm (profiled) {result['warm_profiled_seconds']:.2f} s")
        print(result["cprofile_cumulative"])
        return 0

    only = set(args.only.split(","))
    command = "python benchmarks/run.py" + (f" {' '.join(argv if argv is not None else sys.argv[1:])}"
                                            if (argv if argv is not None else sys.argv[1:]) else "")
    doc: dict = {"machine": machine(), "command": command, "targets": TARGETS,
                 "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if "model" in only:
        doc["model"] = []
        for size in [int(s) for s in args.sizes.split(",")]:
            print(f"model: {size:,} values ...", file=sys.stderr, flush=True)
            doc["model"].append(subprocess_json("model", str(size), str(args.repeat if size < 1_000_000 else
                                                                        max(1, min(args.repeat, 2)))))
    if "ingest" in only:
        print(f"upload: {UPLOAD_ROWS:,} rows ...", file=sys.stderr, flush=True)
        doc["ingest"] = subprocess_json("ingest", str(UPLOAD_ROWS))
    if "pages" in only:
        RESULTS.mkdir(parents=True, exist_ok=True)
        print(f"pages: store of {PAGE_STORE_VALUES:,} values ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        url = page_store(RESULTS / "store-1m.db")
        doc["page_store_build_seconds"] = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as folder:
            app_root, doc["pages_tree"] = export_tree(args.pages_tree, Path(folder))
            doc["pages"] = subprocess_json("pages", url, str(args.repeat), str(app_root))
    doc["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    doc["verdicts"] = verdicts(doc)
    table = markdown(doc)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"results-{stamp}", "latest"):
        (RESULTS / f"{name}.json").write_text(json.dumps(doc, indent=2, default=str) + "\n")
        (RESULTS / f"{name}.md").write_text(table + "\n")
    print(json.dumps(doc, indent=2, default=str))
    print()
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
