#!/usr/bin/env bash
# Payments at the tills under load, on SQLite and on PostgreSQL: campusd on
# a fresh data folder (and a fresh schema), with the sandbox provider's
# secret (CAMPUS_PAY_SANDBOX_SECRET) and no bound on a reader's checks
# (--reader-rate 0), and `campus payments simulate` against it over
# loopback: PEOPLE people (3 staff, 7 students in 10), their wallets topped
# up through the real path (POST /api/v1/wallet/topups, then the
# provider's notification signed with the secret), each paying at one of
# the campus's 8 tills again and again: a code fetched from the server
# (GET /api/v1/card/code), then POST /api/v1/pos/charge under a fresh
# Idempotency-Key, CONCURRENCY charges in flight; 5% of paid charges sent
# again under the same key (the same payment must answer), 2% over the
# balance (402 expected). At the end every wallet is read back (what was
# topped up less what the tills were told was paid) and the ledger
# verified through the store. Prints one line per store: payments a
# second (mean and the busiest second), the charges' p50/p99 (client
# side), errors, the CPU time the server and the simulator used (they
# share this machine's cores), the wallets' check and the ledger's.
#
#   bash scripts/payments-load.sh [--database-url URL] [--people N] [--duration D] [--concurrency C]
#                                 [--store sqlite|postgresql] [--perf DIR]
#
# --database-url (default postgres://postgres@127.0.0.1:5432/test): a
# schema of its own, dropped at the end. --store runs one store only.
# --perf DIR records the server with perf(1) during the run (perf-STORE.data
# in DIR) and writes its 40 costliest functions, inclusive, to
# DIR/perf-STORE.txt: campusd has no pprof route.
set -euo pipefail
people=2000
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
schema="payments_load_$$"
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
# The provider's secret, shared by the server and the simulator (the
# provider): a fresh one each run.
CAMPUS_PAY_SANDBOX_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export CAMPUS_PAY_SANDBOX_SECRET

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
  # --reader-rate 0: each till is asked far more often than a queue of
  # people could pay (10 a second, the default bound).
  CAMPUS_DATABASE_URL="$url" "$tmp/campusd" --addr "127.0.0.1:$port" --data-dir "$tmp/data-$store" \
    --reader-rate 0 2>"$tmp/log-$store" &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  # The simulator sets up its people in the store and tops their
  # wallets up before the run: the server's CPU is read when the run
  # starts, from its "running for" line.
  CAMPUS_DATABASE_URL="$url" "$tmp/campus" payments simulate --server "$base" --data-dir "$tmp/data-$store" \
    --people "$people" --duration "$duration" --concurrency "$concurrency" >"$tmp/report-$store.json" 2>"$tmp/sim-$store.err" &
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
  # The run is over when the simulator starts checking the wallets.
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
lat = r["charge_latency_ms"]
w = r["wallets"]
print(f'{store:<10} {r["payments_per_s"]:>7.0f} payments/s (busiest second {r["peak_payments_per_s"]}), '
      f'charge p50 {lat["p50"]} ms, p99 {lat["p99"]} ms; {r["payments"]} payments in {r["duration_s"]:.0f} s; '
      f'charges by status {r["charges_by_status"]}, {r["retries"]} retries ({r["retries_same_payment"]} the same payment); '
      f'errors {r["errors"] or "none"}; '
      f'CPU: server {after - before:.1f} s, simulator {r["client_cpu_s"]:.1f} s, the machine {100 * (b1 - b0) / (t1 - t0):.0f}% busy; '
      f'wallets {w["checked"]} checked, {w["wrong"]} wrong; ledger verify ok {str(r["ledger_verify"]["ok"]).lower()}; '
      f'payments/s by 10 s {r["payments_per_s_by_10s"]}; simulator exit {status}')
PY
}
echo "campus payments simulate: $people people, $duration, at most $concurrency charges in flight, server and simulator sharing $(nproc) cores"
for s in $stores; do
  case "$s" in
    sqlite) run sqlite "" ;;
    postgresql) run postgresql "$pgurl" ;;
    *) echo "--store: $s is not sqlite or postgresql" >&2; exit 2 ;;
  esac
done
