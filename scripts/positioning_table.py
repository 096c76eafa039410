#!/usr/bin/env python3
"""Print one Markdown table from lines of "method<TAB>eval JSON" (campus
beacons eval's summary) on standard input; the title is the first argument.

Used by scripts/positioning-eval.sh --real. Python 3 standard library only.
"""

import json
import sys


def main():
    title = sys.argv[1] if len(sys.argv) > 1 else "positioning"
    rows = []
    for n, line in enumerate(sys.stdin, 1):
        line = line.rstrip("\n")
        if not line:
            continue
        method, sep, js = line.partition("\t")
        if not sep:
            sys.exit(f"positioning_table: line {n}: no tab between the method and eval's JSON")
        try:
            s = json.loads(js)
        except ValueError as e:
            sys.exit(f"positioning_table: line {n} ({method}): not eval's JSON: {e}")
        rows.append((method, s))
    print(f"\n{title}\n")
    print("| method | fixes | with position | median | p90 | p95 | floor accuracy | inside radius |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for method, s in rows:
        print(f"| {method} | {s['fixes']} | {s['with_position']} | {s['median_m']:.2f} m | {s['p90_m']:.2f} m "
              f"| {s['p95_m']:.2f} m | {100 * s['floor_accuracy']:.1f}% | {100 * s['inside_radius']:.1f}% |")


if __name__ == "__main__":
    main()
