"""Thirty people open the overview at once: ``python benchmarks/concurrency.py``.

One real ``streamlit run dashboard.py`` server on the 1-million-value SQLite store of benchmarks/run.py
(or ``--store demo``: the demo store), its caches warmed by one session first. Then:

- **server time**: ``--sessions`` (30) clients speak Streamlit's own websocket protocol at once
  (``/_stcore/stream``: one ``rerun_script`` back-message each, timed until the run's ``script_finished``
  forward-message). No browser draws, so this is the server's time alone, queueing included. A run that
  sends an exception element or an error alert counts as an error.
- **server CPU per warm overview**: the server process's user+system CPU (``/proc/<pid>/stat``) over
  ``--sequential`` (10) warm runs one after another, divided by their number.
- **client time**: ``--browsers`` (3) headless Chromium pages (Debian's ``/usr/bin/chromium``) open the
  overview one after another on the warm server: time from navigation until the page is drawn and idle.
  Their draw time is that minus the server time of one warm run.
- **after an upload**: a second process (this one) adds a small batch to the store, as another app server
  or the command line would; then the 30 sessions open the overview at once again. The server counts every
  snapshot it builds (``model.take_snapshot`` is wrapped in the served process, nothing in the app
  changes): one warm-up after the upload must cost the same builds as 30 sessions at once.

Prints one JSON document and a Markdown table and writes both to benchmarks/results/ (gitignored).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COUNT_FILE_ENV = "GAPSMODEL_BENCH_SNAPSHOT_COUNT"
PROFILE_ENV = "GAPSMODEL_BENCH_PROFILE"  # cProfile of every script run, to <this path>.<run number>
SERVER_PORT = 8623
RUN_TIMEOUT_S = 300
TARGET_P95_S = 3.0
TARGET_CPU_S = 0.1
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


# --- the served process: streamlit run, with every snapshot build counted -------------------------------
def serve(argv: list[str]) -> None:
    """Run ``streamlit run dashboard.py`` in this process, appending one line per snapshot built."""
    from gapsmodel import model
    count_file = os.environ[COUNT_FILE_ENV]
    take = model.take_snapshot

    def counted(*args, **kwargs):
        with open(count_file, "a") as out:
            out.write(f"{time.time()}\n")
        return take(*args, **kwargs)

    model.take_snapshot = counted  # app/cached.py calls model.take_snapshot through the module
    if os.environ.get(PROFILE_ENV):
        _profile_script_runs(os.environ[PROFILE_ENV])
    from streamlit.web import cli
    sys.argv = ["streamlit", "run", "dashboard.py", *argv]
    cli.main()


def _profile_script_runs(path: str) -> None:
    """cProfile every whole script run (dashboard.py and its page) in the script thread, where it runs."""
    import cProfile

    from streamlit.runtime.scriptrunner import script_runner
    original = script_runner.ScriptRunner._run_script
    runs = iter(range(1, 1_000_000))

    def run(self, rerun_data):
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            return original(self, rerun_data)
        finally:
            profiler.disable()
            profiler.dump_stats(f"{path}.{next(runs)}")
    script_runner.ScriptRunner._run_script = run


class Server:
    def __init__(self, url: str, port: int, folder: Path, profile: Path | None = None):
        self.url, self.port, self.folder, self.profile = url, port, folder, profile
        self.count_file = folder / "snapshots.count"
        self.log_path = folder / "streamlit.log"
        self.http = f"http://127.0.0.1:{port}"

    def start(self) -> "Server":
        self.count_file.write_text("")
        env = dict(os.environ, GAPSMODEL_DATABASE_URL=self.url, GAPSMODEL_DEMO="1", PYTHONUNBUFFERED="1",
                   **{COUNT_FILE_ENV: str(self.count_file)})
        if self.profile:
            env[PROFILE_ENV] = str(self.profile)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.http}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return self
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise SystemExit("the server did not become healthy within 120 s")

    def snapshots_built(self) -> int:
        return len(self.count_file.read_text().splitlines())

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


# --- a Streamlit client without a browser ----------------------------------------------------------------
async def one_run(port: int, page_name: str = "") -> dict:
    """Connect, ask for one run of the page, and time it until the run's script_finished message."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    back = BackMsg()
    back.rerun_script.query_string = ""
    back.rerun_script.page_name = page_name
    problems: list[str] = []
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=60) as ws:
        started = time.perf_counter()
        await ws.send(back.SerializeToString())
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=RUN_TIMEOUT_S)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "exception":
                    problems.append(element.exception.message[:200])
                elif element.WhichOneof("type") == "alert" and element.alert.format == 1:  # ERROR
                    problems.append(element.alert.body[:200])
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the page asked for a rerun: that one is part of opening it
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    problems.append("compile error")
                return {"seconds": time.perf_counter() - started, "problems": problems}


async def many_runs(port: int, sessions: int) -> list[dict]:
    async def guarded():
        try:
            return await one_run(port)
        except Exception as exc:  # a refused or dropped connection is an error of the run, not of the benchmark
            return {"seconds": float("nan"), "problems": [f"{type(exc).__name__}: {exc}"]}
    return await asyncio.gather(*(guarded() for _ in range(sessions)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def wave(server: Server, sessions: int) -> dict:
    built = server.snapshots_built()
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    runs = asyncio.run(many_runs(server.port, sessions))
    wall = time.perf_counter() - started
    times = [r["seconds"] for r in runs if r["seconds"] == r["seconds"]]
    errors = [p for r in runs for p in r["problems"]]
    return {"sessions": sessions, "p50_s": statistics.median(times) if times else None,
            "p95_s": percentile(times, 0.95) if times else None, "max_s": max(times) if times else None,
            "wall_s": wall, "server_cpu_s": server.cpu_seconds() - cpu, "errors": len(errors),
            "error_samples": errors[:3], "snapshots_built": server.snapshots_built() - built,
            "rss_mib": server.rss_mib()}


def sequential(server: Server, runs: int) -> dict:
    cpu = server.cpu_seconds()
    times = [asyncio.run(one_run(server.port))["seconds"] for _ in range(runs)]
    return {"runs": runs, "median_s": statistics.median(times), "cpu_per_run_s": (server.cpu_seconds() - cpu) / runs}


def browsers(server: Server, count: int) -> dict:
    """Headless Chromium opens the overview ``count`` times, one after another: navigation to drawn and idle."""
    from playwright.sync_api import sync_playwright
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                    headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for _ in range(count):
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="es-PE")
            page = context.new_page()
            started = time.perf_counter()
            page.goto(server.http, wait_until="domcontentloaded")
            # the boundary credit is the last thing dashboard.py writes; then the app must be idle
            page.get_by_text("INEI", exact=False).last.wait_for(timeout=RUN_TIMEOUT_S * 1000)
            page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=RUN_TIMEOUT_S * 1000)
            page.wait_for_selector(APP_IDLE, timeout=RUN_TIMEOUT_S * 1000)
            times.append(time.perf_counter() - started)
            context.close()
        browser.close()
    return {"pages": count, "median_s": statistics.median(times), "max_s": max(times)}


def upload_small_batch(url: str, bump: float = 0) -> int:
    """A 13-value batch for the store's last month, added through a Store of this process (not the server's)."""
    import pandas as pd

    from gapsmodel.records.store import VALUE_COLUMNS, Store
    from gapsmodel.rules.territory import load_territory
    store = Store.open(url)
    last = store.values()["period"].max()
    frame = pd.DataFrame({"institution": "ACNUR", "indicator": "camas_albergue",
                          "ubigeo": list(load_territory().district_codes), "period": last, "sex": "total",
                          "age": "total", "nationality": "total", "value": 40.0 + bump, "note": "benchmark"})
    store.add_batch(frame[VALUE_COLUMNS], institution="ACNUR", filename="bench_concurrency.csv")
    store.engine.dispose()
    return len(frame)


def markdown(doc: dict) -> str:
    w, a, s, b = doc["warm"], doc["after_upload"], doc["sequential"], doc["browser"]
    f = lambda x: "–" if x is None else f"{x:.2f}"  # noqa: E731
    rows = [
        "| measurement | sessions | p50 s | p95 s | max s | server CPU s (per run) | errors | snapshots built |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| warm, at once (websocket) | {w['sessions']} | {f(w['p50_s'])} | {f(w['p95_s'])} | {f(w['max_s'])} | "
        f"{w['server_cpu_s']:.2f} ({w['server_cpu_s'] / w['sessions']:.3f}) | {w['errors']} | {w['snapshots_built']} |",
        f"| after an upload, at once (websocket) | {a['sessions']} | {f(a['p50_s'])} | {f(a['p95_s'])} | "
        f"{f(a['max_s'])} | {a['server_cpu_s']:.2f} | {a['errors']} | {a['snapshots_built']} |",
        f"| after another upload, one session alone | 1 | {f(doc['after_upload_one_session']['p50_s'])} | | | "
        f"{doc['after_upload_one_session']['server_cpu_s']:.2f} | {doc['after_upload_one_session']['errors']} | "
        f"{doc['after_upload_one_session']['snapshots_built']} |",
        f"| warm, one after another (websocket) | {s['runs']} | {f(s['median_s'])} | | | "
        f"({s['cpu_per_run_s']:.3f}) | | |",
        f"| browser: navigation to drawn and idle | {b['pages']} | {f(b['median_s'])} | | {f(b['max_s'])} | "
        f"draw ≈ {b['median_s'] - s['median_s']:.2f} s | | |",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["1m", "demo"], default="1m")
    parser.add_argument("--url", help="a store URL of your own (e.g. PostgreSQL) instead of --store")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--sequential", type=int, default=10)
    parser.add_argument("--browsers", type=int, default=3)
    parser.add_argument("--port", type=int, default=SERVER_PORT)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="concurrency-"))
    if args.url:
        url = args.url
    elif args.store == "demo":
        url = f"sqlite:///{folder / 'demo.db'}"
    else:
        from benchmarks.run import page_store
        RESULTS.mkdir(parents=True, exist_ok=True)
        # a copy: the upload below must not change the store other benchmarks reuse
        source = Path(page_store(RESULTS / "store-1m.db").removeprefix("sqlite:///"))
        copy = folder / "store-1m.db"
        copy.write_bytes(source.read_bytes())
        url = f"sqlite:///{copy}"
    server = Server(url, args.port, folder).start()
    try:
        cold = asyncio.run(one_run(server.port))
        asyncio.run(one_run(server.port))  # a second session: every per-session cache of the page filled
        doc = {"store": args.url and "given URL" or args.store, "cold_first_run_s": cold["seconds"],
               "cold_problems": cold["problems"]}
        doc["warm"] = wave(server, args.sessions)
        doc["sequential"] = sequential(server, args.sequential)
        doc["browser"] = browsers(server, args.browsers) if args.browsers else None
        doc["uploaded_values"] = upload_small_batch(url)
        doc["after_upload"] = wave(server, args.sessions)
        doc["after_upload_again_warm"] = wave(server, args.sessions)
        # what one session alone builds after an upload: the 30 at once must not build more
        upload_small_batch(url, bump=1)
        doc["after_upload_one_session"] = wave(server, 1)
    finally:
        server.stop()
    from benchmarks.run import machine
    doc["machine"] = machine()
    doc["command"] = "python benchmarks/concurrency.py " + " ".join(argv if argv is not None else sys.argv[1:])
    doc["targets"] = {"p95_s": TARGET_P95_S, "cpu_per_warm_overview_s": TARGET_CPU_S}
    doc["verdicts"] = {"warm_p95_under_target": doc["warm"]["p95_s"] is not None and doc["warm"]["p95_s"] < TARGET_P95_S,
                       "no_errors": doc["warm"]["errors"] == doc["after_upload"]["errors"] == 0,
                       "one_recompute_after_upload": doc["after_upload"]["snapshots_built"]
                       == doc["after_upload_one_session"]["snapshots_built"] > 0
                       and doc["after_upload_again_warm"]["snapshots_built"] == 0}
    table = markdown(doc)
    print(json.dumps(doc, indent=2, default=str))
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "concurrency-latest.json").write_text(json.dumps(doc, indent=2, default=str))
    (RESULTS / "concurrency-latest.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2:])
    else:
        sys.exit(main())
