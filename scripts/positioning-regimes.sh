#!/usr/bin/env bash
# Positioning judged by the simulator's regimes: for each regime (the
# centre of the ranges first, then each edge, then everything drawn at
# once), walks on each seed (a site each, no survey), positioned tracked
# (`campus position --role staff`) and scan by scan (`--no-track`), scored
# by `campus beacons eval` over all seeds together. Prints one markdown
# table, a row per regime and method.
#
#   bash scripts/positioning-regimes.sh [--seeds "2001-2030"] [--walks 3] [--regimes "centre wide"]
#
# The seeds default to the reporting seeds (beacons.ReportingSeeds): the
# figures to report. Tune on the tuning seeds (--seeds tuning), never on
# these. --seeds takes what `campus beacons simulate --seeds` takes.
set -euo pipefail
seeds="reporting"
walks=3
regimes="centre exp-1.6 exp-3.0 shadow-4 shadow-8 corr-6 offset-6 miss-30 slow fast stops sparse-outdoor scan-2s wide"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --walks) walks="$2"; shift 2 ;;
    --regimes) regimes="$2"; shift 2 ;;
    *) echo "usage: $0 [--seeds \"S ...\"] [--walks N] [--regimes \"R ...\"]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/campus" ./cmd/campus
campus="$tmp/campus"
start=$SECONDS
echo "| regime | method | scans | median m | p90 m | p95 m | right floor | inside radius | lost tracks | longest growth s |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in $regimes; do
  "$campus" beacons simulate --regime "$r" --seeds "$seeds" --walks "$walks" > "$tmp/walks.jsonl"
  for m in tracked single; do
    args=(--role staff)
    [ "$m" = single ] && args+=(--no-track)
    "$campus" position "${args[@]}" < "$tmp/walks.jsonl" | "$campus" beacons eval |
      jq -r --arg r "$r" --arg m "$m" \
        '"| \($r) | \($m) | \(.fixes) | \(.median_m) | \(.p90_m) | \(.p95_m) | \(.floor_accuracy * 100 * 10 | round / 10)% | \(.inside_radius * 100 * 10 | round / 10)% | \(.lost_tracks) | \(.longest_growth_s) |"'
  done
done
echo
echo "seeds: $seeds; walks per seed: $walks; $((SECONDS - start)) s"
