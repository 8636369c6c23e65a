#!/usr/bin/env python3
"""Markdown table of sppc --report files: model, target, method, MAC speedup, test top-1 and its change,
epochs, wall time (OUT_DIR/TAG.wall from bench/prune_matrix.sh), latency speedups per batch size.

    python3 bench/python/report_table.py OUT_DIR
"""
import json
import pathlib
import sys


def main():
    out = pathlib.Path(sys.argv[1])
    rows = []
    for path in sorted(out.glob("*.json")):
        r = json.loads(path.read_text())
        if "macSpeedup" not in r:
            continue
        wall = path.with_suffix(".wall")
        acc = r.get("accuracy") or {}
        lat = (r.get("latency") or {}).get("batches") or []
        epochs = r.get("epochs", 3)
        rows.append((pathlib.Path(r["input"]).name.split(".")[0], r["targetSpeedup"], r["method"], r["macSpeedup"],
                     acc.get("top1After"), acc.get("top1Change"), epochs,
                     float(wall.read_text()) if wall.exists() else None,
                     " / ".join(f"{b['speedup']:.2f}x" for b in lat), "/".join(str(b["batch"]) for b in lat)))
    order = {"spp": 0, "l1": 1, "taylor": 2, "increg": 3}
    rows.sort(key=lambda x: (x[0], x[1], order.get(x[2], 9)))
    print("| model | target | method | MAC speedup | top-1 | change | epochs | wall time | latency speedup (batch) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m, s, meth, mac, top1, change, epochs, wall, lat, batches in rows:
        top1_s = f"{100 * top1:.2f}%" if top1 is not None else "-"
        change_s = f"{100 * change:+.2f}" if change is not None else "-"
        wall_s = f"{wall:.0f} s" if wall is not None else "-"
        print(f"| {m} | {s:g}x | {meth} | {mac:.2f}x | {top1_s} | {change_s} | {epochs:g} | {wall_s} | {lat} ({batches}) |")


if __name__ == "__main__":
    main()
