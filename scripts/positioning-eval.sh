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
set -euo pipefail
seeds="2 3 4"
walks=20
sigma=6
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --walks) walks="$2"; shift 2 ;;
    --sigma) sigma="$2"; shift 2 ;;
    *) echo "usage: $0 [--seeds \"S ...\"] [--walks N] [--sigma DB]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/campus" ./cmd/campus
campus="$tmp/campus"
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
