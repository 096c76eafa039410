#!/usr/bin/env bash
# Bookings under contention, on SQLite and on PostgreSQL: campusd on a
# fresh data folder (and a fresh schema), and `campus bookings simulate`
# against it over loopback: PEOPLE people (3 staff, 7 students in 10)
# signed in through the store, CONCURRENCY requests in flight, each turn
# of a person booking a random 30- or 60-minute half-hour slot of the next
# 7 days (08:00-22:00 Asia/Shanghai) in one of ROOMS meeting rooms (so
# requests collide: 409 "booked", naming the booking in the way), POST
# /api/v1/bookings under a fresh Idempotency-Key, 3% sent again under the
# same key (the same answer must come back, replayed); 20% of booking
# turns first cancel one of the person's bookings (DELETE), and a person
# near the bound of 20 live bookings cancels down to 15; 10% of turns ask
# GET /api/v1/spaces instead, half of them for the whole campus with its
# day's timelines (one request, limit=500), half for the nearest free
# meeting room from a room of the campus (near=, available=true). At the
# end every person's bookings are read back (GET /api/v1/me/bookings): no
# two live bookings of a room may overlap, and each person must hold what
# they were told; then they are cancelled. Prints one line per store:
# bookings (201) and conflicts (409) a second, the other statuses, p50/p99
# of POST /bookings and of GET /spaces (campus, nearest), errors, the CPU
# time the server and the simulator used (they share this machine's cores;
# PostgreSQL's own processes are not in the server's figure, only in how
# busy the machine was) and the read-back's check.
#
#   bash scripts/bookings-load.sh [--database-url URL] [--people N] [--duration D] [--concurrency C]
#                                 [--rooms R] [--store sqlite|postgresql] [--perf DIR] [-- SIMULATOR FLAGS]
#
# --database-url (default postgres://postgres@127.0.0.1:5432/test): a
# schema of its own, dropped at the end. --store runs one store only.
# --perf DIR records the server with perf(1) during the run (perf-STORE.data
# in DIR) and writes its 40 costliest functions, inclusive, to
# DIR/perf-STORE.txt: campusd has no pprof route. Flags after -- go to
# the simulator as they are (--spaces 0: bookings alone; --spaces 1
# --near 0 --concurrency 1: the campus question alone, one at a time).
set -euo pipefail
people=500
concurrency=64
rooms=20
duration=60s
stores="sqlite postgresql"
extra=()
perfdir=""
dburl="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
while [ $# -gt 0 ]; do
  case "$1" in
    --database-url) dburl="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --rooms) rooms="$2"; shift 2 ;;
    --store) stores="$2"; shift 2 ;;
    --perf) perfdir="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: $0 [--database-url URL] [--people N] [--duration D] [--concurrency C] [--rooms R] [--store sqlite|postgresql] [--perf DIR] [-- SIMULATOR FLAGS]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
pid=""
schema="bookings_load_$$"
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  case "$stores" in *postgresql*) psql "$dburl" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true ;; esac
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/campusd" ./cmd/campusd
go build -o "$tmp/campus" ./cmd/campus
case "$stores" in *postgresql*)
  psql "$dburl" -qc "CREATE SCHEMA $schema" >/dev/null
  case "$dburl" in *\?*) pgurl="$dburl&search_path=$schema" ;; *) pgurl="$dburl?search_path=$schema" ;; esac ;;
esac
cpu() { # a process's CPU seconds (user + system)
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}
busy() { # the machine's busy and total CPU time so far, in ticks
  awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat
}

run() { # store, database URL (empty: SQLite)
  local store="$1" url="$2" port base before after
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  base="http://127.0.0.1:$port"
  CAMPUS_DATABASE_URL="$url" "$tmp/campusd" --addr "127.0.0.1:$port" --data-dir "$tmp/data-$store" 2>"$tmp/log-$store" &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  # The simulator signs its people in through the store and reads their
  # bookings before the run: the server's CPU is read when the run
  # starts, from its "running for" line.
  CAMPUS_DATABASE_URL="$url" "$tmp/campus" bookings simulate --server "$base" --data-dir "$tmp/data-$store" \
    --people "$people" --duration "$duration" --concurrency "$concurrency" --rooms "$rooms" ${extra[@]+"${extra[@]}"} >"$tmp/report-$store.json" 2>"$tmp/sim-$store.err" &
  local sim=$!
  while ! grep -q "running for" "$tmp/sim-$store.err" 2>/dev/null; do
    kill -0 "$sim" 2>/dev/null || break
    sleep 0.2
  done
  before=$(cpu "$pid")
  busy0=$(busy)
  local perfpid=""
  if [ -n "$perfdir" ]; then
    perf record -F 499 -g -p "$pid" -o "$perfdir/perf-$store.data" 2>/dev/null &
    perfpid=$!
  fi
  # The run is over when the simulator starts reading the bookings back.
  local status=0
  while kill -0 "$sim" 2>/dev/null && ! grep -q "run over" "$tmp/sim-$store.err" 2>/dev/null; do
    sleep 0.2
  done
  after=$(cpu "$pid")
  busy1=$(busy)
  if [ -n "$perfpid" ]; then
    kill -INT "$perfpid"; wait "$perfpid" 2>/dev/null || true
  fi
  wait "$sim" || status=$?
  if [ -n "$perfpid" ]; then
    perf report -i "$perfdir/perf-$store.data" --children --sort symbol --stdio -g none 2>/dev/null |
      grep '%' | grep -v '^#' | head -40 | cut -c1-200 >"$perfdir/perf-$store.txt" || true
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  if [ ! -s "$tmp/report-$store.json" ]; then
    echo "$store: the simulator failed (exit $status):" >&2; cat "$tmp/sim-$store.err" >&2; return 1
  fi
  python3 - "$store" "$tmp/report-$store.json" "$before" "$after" $busy0 $busy1 "$status" <<'PY'
import json, sys
store, path, before, after = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
b0, t0, b1, t1 = map(float, sys.argv[5:9])
status = sys.argv[9]
r = json.load(open(path))
bk, campus, near, cancel = r["book_latency_ms"], r["spaces_campus_latency_ms"], r["spaces_near_latency_ms"], r["cancel_latency_ms"]
other = {k: v for k, v in r["posts_by_status"].items() if k not in ("201", "409")}
c = r["check"]
rooms = sorted(set(r["campus_spaces"].values()))
print(f'{store:<10} {r["bookings_per_s"]:>6.0f} bookings/s (201; busiest second {r["peak_bookings_per_s"]}), '
      f'{r["conflicts_per_s"]:.0f} conflicts/s (409), other statuses {other or "none"}, {r["posts_per_s"]:.0f} POST /bookings answered a second; '
      f'POST /bookings p50 {bk["p50"]} ms, p99 {bk["p99"]} ms; '
      f'GET /spaces campus ({"/".join(map(str, rooms))} spaces with timelines, {r["spaces_questions"].get("campus", 0)} asked) p50 {campus["p50"]} ms, p99 {campus["p99"]} ms; '
      f'nearest free ({r["spaces_questions"].get("near", 0)} asked) p50 {near["p50"]} ms, p99 {near["p99"]} ms; '
      f'DELETE p50 {cancel["p50"]} ms ({sum(r["cancels"].values())} cancels); '
      f'{r["retries"]} retries ({r["retries_same_answer"]} the same answer); errors {r["errors"] or "none"}; '
      f'CPU: server {after - before:.1f} s, simulator {r["client_cpu_s"]:.1f} s, the machine {100 * (b1 - b0) / (t1 - t0):.0f}% busy; '
      f'check: {c["live"]} live bookings of {c["rooms"]} rooms read back from {c["people"]} people, {c["overlaps"]} overlaps, {c["lost"]} lost, {c["unknown"]} unknown; '
      f'bookings/s by 10 s {r["bookings_per_s_by_10s"]}, conflicts/s {r["conflicts_per_s_by_10s"]}; simulator exit {status}')
PY
}
echo "campus bookings simulate: $people people, $duration, $rooms meeting rooms, at most $concurrency requests in flight${extra[*]+, ${extra[*]}}, server and simulator sharing $(nproc) cores"
for s in $stores; do
  case "$s" in
    sqlite) run sqlite "" ;;
    postgresql) run postgresql "$pgurl" ;;
    *) echo "--store: $s is not sqlite or postgresql" >&2; exit 2 ;;
  esac
done
