#!/usr/bin/env bash
# Load test of campusd from loopback with wrk: requests per second and p99
# latency for nearest, search and route at 64 connections.
#
#   bash scripts/load-test.sh [--duration 10s] [--connections 64]
#
# It builds campusd, starts it on a free loopback port with a temporary data
# folder, waits until it is ready, runs wrk against each endpoint in turn,
# prints one summary line per endpoint, and stops the server. It installs
# Debian's wrk if missing.
set -euo pipefail
duration=10s
connections=64
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "usage: $0 [--duration D] [--connections N]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
tmp="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/campusd" ./cmd/campusd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$tmp/campusd" --addr "127.0.0.1:$port" --data-dir "$tmp/data" 2>"$tmp/log" &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/readyz" >/dev/null || { echo "campusd did not start:"; cat "$tmp/log"; exit 1; }
sleep 1 # landmark tables warm up in the background
declare -A urls=(
  [nearest]="/api/v1/nearest?category=copymachine&lon=113.4782635&lat=22.8959151&ordinal=5&k=3"
  [search]="/api/v1/search?q=C3-6"
  [route]="/api/v1/route?from=G2&to=C3-607"
)
echo "wrk, ${connections} connections, 2 threads, ${duration} per endpoint, campusd on 127.0.0.1 ($(nproc) cores shared with wrk)"
for name in nearest search route; do
  curl -fs "$base${urls[$name]}" >/dev/null || { echo "$name: the request fails"; exit 1; }
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$base${urls[$name]}")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  printf '%-8s %10s req/s   p99 %8s   %s\n' "$name" "$rps" "$p99" "${errs:-no errors}"
done
