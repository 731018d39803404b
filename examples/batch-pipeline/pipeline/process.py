"""Keep the earthquakes at or above MIN_MAGNITUDE, with the columns we use."""

import csv
import os
import sys

FIELDS = ["time", "latitude", "longitude", "depth", "mag", "region"]


def region(place: str) -> str:
    # "10 km SSW of Ridgecrest, CA" -> "CA"; places without a comma stand alone.
    return place.rsplit(", ", 1)[-1].strip() or "unknown"


def main(src: str, dst: str) -> None:
    min_mag = float(os.environ.get("MIN_MAGNITUDE", "2.5"))
    kept = total = 0
    with open(src, newline="") as fin, open(dst, "w", newline="") as fout:
        out = csv.DictWriter(fout, fieldnames=FIELDS)
        out.writeheader()
        for row in csv.DictReader(fin):
            total += 1
            if row["type"] != "earthquake" or not row["mag"]:
                continue
            if float(row["mag"]) < min_mag:
                continue
            out.writerow({k: row[k] for k in FIELDS[:-1]} | {"region": region(row["place"])})
            kept += 1
    print(f"kept {kept} of {total} events with magnitude >= {min_mag}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
