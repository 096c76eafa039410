#!/usr/bin/env bash
# Load test of campusd from loopback with wrk: requests per second and p99
# latency for nearest, search and route at 64 connections, and search
# again signed in (every request's bearer token is looked up: the session
# cache's work).
#
#   bash scripts/load-test.sh [--duration 10s] [--connections 64] [--database-url URL]
#
# It builds campusd, starts it on a free loopback port with a temporary data
# folder (or on PostgreSQL with --database-url), waits until it is ready,
# makes an account and signs it in, runs wrk against each endpoint in turn,
# prints one summary line per endpoint, and stops the server. It installs
# Debian's wrk if missing.
set -euo pipefail
duration=10s
connections=64
database_url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --database-url) database_url="$2"; shift 2 ;;
    *) echo "usage: $0 [--duration D] [--connections N] [--database-url URL]" >&2; exit 2 ;;
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
go build -o "$tmp/campus" ./cmd/campus
export CAMPUS_DATABASE_URL="$database_url"
store=sqlite
[ -n "$database_url" ] && store=postgresql
email="load-$RANDOM$RANDOM@hkust-gz.edu.cn"
echo 'load test password' | "$tmp/campus" users add --role staff --email "$email" --data-dir "$tmp/data" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$tmp/campusd" --addr "127.0.0.1:$port" --data-dir "$tmp/data" 2>"$tmp/log" &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/readyz" >/dev/null || { echo "campusd did not start:"; cat "$tmp/log"; exit 1; }
sleep 1 # landmark tables warm up in the background
token=$(curl -fs -X POST -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"load test password\"}" "$base/api/v1/auth/login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
declare -A urls=(
  [nearest]="/api/v1/nearest?category=copymachine&lon=113.4782635&lat=22.8959151&ordinal=5&k=3"
  [search]="/api/v1/search?q=C3-6"
  [route]="/api/v1/route?from=G2&to=C3-607"
  [search-signed-in]="/api/v1/search?q=C3-6"
)
echo "wrk, ${connections} connections, 2 threads, ${duration} per endpoint, campusd on 127.0.0.1 ($(nproc) cores shared with wrk), store: $store"
for name in nearest search route search-signed-in; do
  auth=()
  [ "$name" = search-signed-in ] && auth=(-H "Authorization: Bearer $token")
  curl -fs "${auth[@]}" "$base${urls[$name]}" >/dev/null || { echo "$name: the request fails"; exit 1; }
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "${auth[@]}" "$base${urls[$name]}")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")
  printf '%-16s %10s req/s   p99 %8s   %s\n' "$name" "$rps" "$p99" "${errs:-no errors}"
done
