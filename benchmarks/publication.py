"""The cost of the public view: the public gap table (publication step + published arithmetic) against the
exact gap table, on the same synthetic monthly figures, in the same run: ``python benchmarks/publication.py``.

    python benchmarks/publication.py [--size 1000000] [--repeat 3]

Prints one JSON line. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from benchmarks.synthetic import LAST_MONTH, synthetic_values
    from gapsmodel.model.audience import public_gap_table
    from gapsmodel.rules.catalog import load_catalog
    from gapsmodel.rules.combine import monthly_figures
    from gapsmodel.rules.gaps import compute_gaps
    from gapsmodel.rules.periods import parse_period, periods_between
    from gapsmodel.rules.territory import load_territory
    catalog, territory = load_catalog(), load_territory()
    values = synthetic_values(args.size, catalog, territory)
    monthly = monthly_figures(values, catalog, territory, until=values["period"].max())
    first = str(monthly["period"].min())
    periods = periods_between(first, LAST_MONTH, "month")[-12:] + [parse_period(LAST_MONTH[:4])]
    timings = {"exact": [], "public": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        compute_gaps(monthly, catalog, territory, periods)
        t1 = time.perf_counter()
        public_gap_table(monthly, catalog, territory, periods)
        t2 = time.perf_counter()
        timings["exact"].append(t1 - t0)
        timings["public"].append(t2 - t1)
    best = {k: min(v) for k, v in timings.items()}
    print(json.dumps({"values": args.size, "monthly_figures": len(monthly), "periods": len(periods),
                      "exact_seconds": round(best["exact"], 3), "public_seconds": round(best["public"], 3),
                      "ratio_public_exact": round(best["public"] / best["exact"], 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
