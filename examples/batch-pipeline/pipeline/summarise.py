"""Summarise the processed events into summary.json and summary.md."""

import collections
import csv
import json
import os
import statistics
import sys


def main(src: str, outdir: str) -> None:
    top = int(os.environ.get("TOP_REGIONS", "10"))
    with open(src, newline="") as f:
        rows = list(csv.DictReader(f))
    mags = [float(r["mag"]) for r in rows]
    regions = collections.Counter(r["region"] for r in rows)
    summary = {
        "events": len(rows),
        "magnitude": {
            "mean": round(statistics.fmean(mags), 2) if mags else None,
            "max": max(mags, default=None),
        },
        "by_magnitude": dict(sorted(collections.Counter(str(int(m)) for m in mags).items())),
        "top_regions": regions.most_common(top),
    }
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(f"# Earthquakes\n\n{summary['events']} events, max magnitude {summary['magnitude']['max']}.\n\n")
        f.write("| region | events |\n|---|---|\n")
        for name, n in summary["top_regions"]:
            f.write(f"| {name} | {n} |\n")
    print(f"wrote {outdir}/summary.json and {outdir}/summary.md")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
