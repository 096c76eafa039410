#!/usr/bin/env bash
# Positioning on simulated campus walks, every method on the same scans:
# for each seed (one radio environment of the campus each), a site survey
# and 20 walks with independent noise, a calibration from the survey, then
# fixes by each method, scored by `campus beacons eval`, per seed and
# pooled over the seeds.
#
#   bash scripts/positioning-eval.sh [--seeds "2 3 4"] [--walks 20] [--sigma 6]
#
# Prints one line per method and seed: the label, then eval's JSON.
#
# With --real, the public datasets under beacons/testdata/real instead (or
# only the one named, --real NAME): per dataset, a calibration from its
# survey, then every method on the same test scans (the site's own
# beacons.geojson, --role staff), also weighted k-nearest neighbours
# (--knn), and one table per dataset.
#
#   bash scripts/positioning-eval.sh --real [NAME]
set -euo pipefail
seeds="2 3 4"
walks=20
sigma=6
real=""
usage() { echo "usage: $0 [--seeds \"S ...\"] [--walks N] [--sigma DB] | --real [NAME]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --walks) walks="$2"; shift 2 ;;
    --sigma) sigma="$2"; shift 2 ;;
    --real)
      real="all"; shift
      if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then real="$1"; shift; fi ;;
    *) usage ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/campus" ./cmd/campus
campus="$tmp/campus"

if [ -n "$real" ]; then
  if [ "$real" = all ]; then
    dirs=(beacons/testdata/real/*/)
  else
    dirs=("beacons/testdata/real/$real/")
    [ -f "${dirs[0]}beacons.geojson" ] || { echo "$0: no dataset $real under beacons/testdata/real" >&2; exit 2; }
  fi
  methods=(tracked tracked-calibrated single single-calibrated plain knn)
  for d in "${dirs[@]}"; do
    name="$(basename "$d")"
    site="$d/beacons.geojson"
    gzip -dc "$d/survey.jsonl.gz" | "$campus" beacons calibrate --beacons "$site" > "$tmp/cal-$name.json"
    gzip -dc "$d/walks.jsonl.gz" > "$tmp/walks-$name.jsonl"
    : > "$tmp/table-$name.tsv"
    for m in "${methods[@]}"; do
      args=(--role staff --beacons "$site")
      case "$m" in
        *-calibrated|knn) args+=(--calibration "$tmp/cal-$name.json") ;;
      esac
      case "$m" in
        single*) args+=(--no-track) ;;
        plain) args+=(--plain) ;;
        knn) args+=(--knn) ;;
      esac
      "$campus" position "${args[@]}" < "$tmp/walks-$name.jsonl" > "$tmp/$m-$name.jsonl"
      # The same windows for every method: a tracker answers a scan that
      # heard nothing (it keeps walking), a one-scan method cannot, so
      # only the scans that heard a beacon are scored.
      python3 -c 'import sys, json
for scan, fix in zip(open(sys.argv[1]), open(sys.argv[2])):
    if json.loads(scan)["scans"]:
        sys.stdout.write(fix)' "$tmp/walks-$name.jsonl" "$tmp/$m-$name.jsonl" > "$tmp/$m-$name.heard.jsonl"
      printf '%s\t%s\n' "$m" "$("$campus" beacons eval < "$tmp/$m-$name.heard.jsonl")" >> "$tmp/table-$name.tsv"
    done
    python3 "$root/scripts/positioning_table.py" "$name" < "$tmp/table-$name.tsv"
  done
  exit 0
fi
methods=(tracked tracked-calibrated single single-calibrated plain)
for s in $seeds; do
  "$campus" beacons simulate --survey --seed "$s" --sigma "$sigma" > "$tmp/survey-$s.jsonl"
  "$campus" beacons calibrate < "$tmp/survey-$s.jsonl" > "$tmp/cal-$s.json"
  "$campus" beacons simulate --walks "$walks" --seed "$s" --sigma "$sigma" > "$tmp/walks-$s.jsonl"
  for m in "${methods[@]}"; do
    args=(--role staff)
    case "$m" in
      *-calibrated) args+=(--calibration "$tmp/cal-$s.json") ;;
    esac
    case "$m" in
      single*) args+=(--no-track) ;;
      plain) args+=(--plain) ;;
    esac
    "$campus" position "${args[@]}" < "$tmp/walks-$s.jsonl" > "$tmp/$m-$s.jsonl"
    printf '%s\tseed %s\t%s\n' "$m" "$s" "$("$campus" beacons eval < "$tmp/$m-$s.jsonl")"
    cat "$tmp/$m-$s.jsonl" >> "$tmp/$m-all.jsonl"
  done
done
for m in "${methods[@]}"; do
  printf '%s\tall\t%s\n' "$m" "$("$campus" beacons eval < "$tmp/$m-all.jsonl")"
done
