#!/usr/bin/env bash
# The card readers under load, on SQLite and on PostgreSQL: campusd on a
# fresh data folder (and a fresh schema), and `campus readers simulate`
# against it over loopback: PEOPLE people (3 staff, 6 students, 1 family
# member in 10) walking the campus's routes from the gates to buildings,
# lifts, rooms, printers, the library and the tills, a class change every
# 5 s, each use of a reader a POST /api/v1/access/check (most codes
# fetched from the server right before, GET /api/v1/card/code), a few
# copies and screenshots. Prints decisions a second (mean and the busiest
# second), the checks' p50/p99 (client side), errors, and the CPU time
# the server and the simulator used (they share this machine's cores).
#
#   bash scripts/access-load.sh [--database-url URL] [--people N] [--duration D] [--concurrency C]
#                               [--store sqlite|postgresql] [--perf DIR]
#
# The campus is a copy of data/floorplans/hkust-gz whose access.json lets
# people move 100 times faster than a walk (travel.foot_factor and
# vehicle_factor 100, the rest as it is), and the simulated people go at
# 80 times a walk: a trip across campus takes seconds, so a few thousand
# people make thousands of uses a second while every one of them stays an
# honest walker under the travel rule the server applies (none is
# impossible travel). The server's work per decision is the campus's own:
# the same readers, rules, routes and checks.
#
# --database-url (default postgres://postgres@127.0.0.1:5432/test): a
# schema of its own, dropped at the end. --store runs one store only.
# --perf DIR records the server with perf(1) during the run (perf-STORE.data
# in DIR) and writes its 40 costliest functions, inclusive, to
# DIR/perf-STORE.txt: campusd has no pprof route.
set -euo pipefail
people=3000
concurrency=64
duration=60s
stores="sqlite postgresql"
perfdir=""
dburl="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
while [ $# -gt 0 ]; do
  case "$1" in
    --database-url) dburl="$2"; shift 2 ;;
    --people) people="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --store) stores="$2"; shift 2 ;;
    --perf) perfdir="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    *) echo "usage: $0 [--database-url URL] [--people N] [--duration D] [--concurrency C] [--store sqlite|postgresql] [--perf DIR]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
pid=""
schema="access_load_$$"
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  case "$stores" in *postgresql*) psql "$dburl" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true ;; esac
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/campusd" ./cmd/campusd
go build -o "$tmp/campus" ./cmd/campus
cp -r data/floorplans/hkust-gz "$tmp/campus-fast"
python3 - "$tmp/campus-fast/access.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["travel"] = {"foot_factor": 100, "vehicle_factor": 100, "slack_s": 10}
json.dump(d, open(p, "w"), indent=2)
PY
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
  # --reader-rate 0: at 80 times a walk, a turnstile is asked far more
  # often than one can turn (10 a second, the default bound).
  CAMPUS_DATABASE_URL="$url" "$tmp/campusd" --addr "127.0.0.1:$port" --data-dir "$tmp/data-$store" \
    --venue "$tmp/campus-fast" --reader-rate 0 2>"$tmp/log-$store" &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  # The simulator sets up its people in the store before the run: the
  # server's CPU is read when the run starts, from its first line.
  CAMPUS_DATABASE_URL="$url" "$tmp/campus" readers simulate --server "$base" --data-dir "$tmp/data-$store" \
    --venue "$tmp/campus-fast" --people "$people" --duration "$duration" --pace 80 --wave 5s --jitter 1s \
    --copies 0.001 --screenshots 0.001 --concurrency "$concurrency" >"$tmp/report-$store.json" 2>"$tmp/sim-$store.err" &
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
  local status=0
  wait "$sim" || status=$?
  after=$(cpu "$pid")
  busy1=$(busy)
  if [ -n "$perfpid" ]; then
    kill -INT "$perfpid"; wait "$perfpid" 2>/dev/null || true
    perf report -i "$perfdir/perf-$store.data" --children --sort symbol --stdio -g none 2>/dev/null |
      grep '%' | grep -v '^#' | head -40 | cut -c1-200 >"$perfdir/perf-$store.txt" || true
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  if [ "$status" != 0 ] && [ ! -s "$tmp/report-$store.json" ]; then
    echo "$store: the simulator failed (exit $status):" >&2; cat "$tmp/sim-$store.err" >&2; return 1
  fi
  python3 - "$store" "$tmp/report-$store.json" "$before" "$after" $busy0 $busy1 <<'PY'
import json, sys
store, path, before, after = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
b0, t0, b1, t1 = map(float, sys.argv[5:9])
r = json.load(open(path))
lat = r["check_latency_ms"]
print(f'{store:<10} {r["decisions_per_s"]:>7.0f} decisions/s (busiest second {r["peak_decisions_per_s"]}), '
      f'check p50 {lat["p50"]} ms, p99 {lat["p99"]} ms; {r["decisions"]} decisions in {r["duration_s"]:.0f} s; '
      f'errors {r["errors"] or "none"}; impossible travel {r["by_reason"].get("impossible_travel", 0)}; '
      f'CPU: server {after - before:.1f} s, simulator {r["client_cpu_s"]:.1f} s, the machine {100 * (b1 - b0) / (t1 - t0):.0f}% busy; '
      f'requests {r["requests"].get("check", 0)} checks, {r["requests"].get("code", 0)} codes; '
      f'decisions/s by 10 s {r["decisions_per_s_by_10s"]}')
PY
  grep "set-up" "$tmp/sim-$store.err" | sed "s/^campus readers simulate: /$store /"
}
echo "campus readers simulate: $people people, $duration, at most $concurrency requests in flight, pace 80 (access.json travel factors 100), server and simulator sharing $(nproc) cores"
for s in $stores; do
  case "$s" in
    sqlite) run sqlite "" ;;
    postgresql) run postgresql "$pgurl" ;;
    *) echo "--store: $s is not sqlite or postgresql" >&2; exit 2 ;;
  esac
done
