#!/usr/bin/env bash
# Saved places under load, on SQLite and on PostgreSQL: wrk from loopback,
# 64 connections, writes (POST /api/v1/me/places) then reads (GET, a person
# with 5 places), requests per second and p99 for each store. A person may
# keep 200 places, so the writes go round 160 accounts (each signed in from
# its own loopback address, 127.0.0.3 and up, under the login limits;
# they are made and signed in four at a time).
#
#   bash scripts/places-load.sh [--duration 8s] [--database-url postgres://...]
#
# PostgreSQL runs in a schema of its own, dropped at the end. Installs
# Debian's wrk if missing.
set -euo pipefail
duration=8s
dburl="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --database-url) dburl="$2"; shift 2 ;;
    *) echo "usage: $0 [--duration D] [--database-url URL]" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
tmp="$(mktemp -d)"
pid=""
schema="places_load_$$"
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  psql "$dburl" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/campusd" ./cmd/campusd
go build -o "$tmp/campus" ./cmd/campus
psql "$dburl" -qc "CREATE SCHEMA $schema" >/dev/null
pgurl="$dburl&search_path=$schema"

writers=160
cat > "$tmp/post.lua" <<'LUA'
local tokens = {}
for line in io.lines(os.getenv("WRITER_TOKENS")) do tokens[#tokens + 1] = line end
local body = '{"name":"where I parked","lon":113.4786,"lat":22.8955,"ordinal":-1}'
local i = math.random(#tokens)
request = function()
  i = i % #tokens + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[i]}, body)
end
LUA

run() { # store, extra server args...
  local store="$1"; shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  export CAMPUS_BIN="$tmp/campus" CAMPUS_DATA_DIR="$tmp/data-$store"
  # shellcheck disable=SC2016
  echo "a long password" | env "$@" "$CAMPUS_BIN" users add --role staff --email reader@hkust-gz.edu.cn >/dev/null # migrates
  seq -f 'writer%g' 1 $writers | env "$@" xargs -P 4 -I{} sh -c \
    'echo "a long password" | "$CAMPUS_BIN" users add --role staff --email "{}@hkust-gz.edu.cn" >/dev/null'
  unset CAMPUS_DATA_DIR
  env "$@" "$tmp/campusd" --addr "127.0.0.1:$port" --data-dir "$tmp/data-$store" 2>"$tmp/log-$store" &
  pid=$!
  local base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  token() { # email, source address
    curl -fs --interface "$2" -H 'Content-Type: application/json' -d "{\"email\":\"$1@hkust-gz.edu.cn\",\"password\":\"a long password\"}" "$base/api/v1/auth/login" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
  }
  local rt i
  rt=$(token reader 127.0.0.2)
  export -f token; export base
  seq 1 $writers | xargs -P 4 -I{} bash -c 'token "writer{}" "127.0.0.$((3 + {} / 16))"' >"$tmp/tokens-$store"
  export WRITER_TOKENS="$tmp/tokens-$store"
  for i in 1 2 3 4 5; do curl -fs -o /dev/null -H "Authorization: Bearer $rt" -H 'Content-Type: application/json' -d '{"name":"p","lon":113.4786,"lat":22.8955,"ordinal":0}' "$base/api/v1/me/places"; done
  for what in write read; do
    local out
    if [ "$what" = write ]; then
      out=$(wrk -t2 -c64 -d"$duration" --latency -s "$tmp/post.lua" "$base/api/v1/me/places")
    else
      out=$(wrk -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $rt" "$base/api/v1/me/places")
    fi
    printf '%-10s %-6s %10s req/s   p99 %8s   %s\n' "$store" "$what" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
      "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
echo "wrk, 64 connections, 2 threads, $duration each, server and wrk sharing $(nproc) cores"
run sqlite CAMPUS_DATABASE_URL=
run postgresql CAMPUS_DATABASE_URL="$pgurl"
