#!/usr/bin/env bash
# pgrouting-compare.sh: an independent check of the engine's router against
# pgRouting, for correctness (every pair's least cost) and speed.
#
# usage: bash scripts/pgrouting-compare.sh [--profile walk|wheelchair|sheltered]
#          [--role staff|student|family|visitor|tourist] [--pairs N] [--seed S]
#          [--repeat R] [--campus BIN]
#
# It exports the routing graph with `campus graph --format csv` (pgRouting's
# edge table format), loads it into a schema of its own in PostgreSQL, picks
# N random distinct (source,target) pairs from the seed, and asks both
# pgRouting (pgr_dijkstraCost, all pairs in one query) and the engine
# (`campus route --pairs FILE`, all pairs in one process) for every pair's
# least cost. Costs must agree to a relative 1e-9, and unreachable pairs
# must be unreachable for both; any mismatch is listed (first 20) and the
# exit status is 1. Each side is then timed R times (default 5) as a whole
# process, wall clock, and the medians are reported.
#
# Needs Go, python3 and PostgreSQL (PGHOST, PGPORT, PGDATABASE, PGUSER as
# usual; default 127.0.0.1:5432, database test). Starts the local cluster if
# it is down, installs postgresql-<major>-pgrouting with apt if the extension
# is missing, and creates the extension in the database.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
helper="$here/pgrouting_compare.py"

usage() { sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

profile=walk role=student npairs=1000 seed=1 repeat=5 campus_bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile|--role|--pairs|--seed|--repeat|--campus)
      [ $# -ge 2 ] || usage
      opt=${1#--} val=$2; shift 2 ;;
    --profile=*|--role=*|--pairs=*|--seed=*|--repeat=*|--campus=*)
      opt=${1%%=*}; opt=${opt#--}; val=${1#*=}; shift ;;
    -h|--help) usage ;;
    *) echo "pgrouting-compare: unknown argument $1" >&2; usage ;;
  esac
  case "$opt" in
    profile) profile=$val ;;
    role) role=$val ;;
    pairs) npairs=$val ;;
    seed) seed=$val ;;
    repeat) repeat=$val ;;
    campus) campus_bin=$val ;;
  esac
done
case "$profile" in walk|wheelchair|sheltered) ;; *) echo "pgrouting-compare: --profile: $profile?" >&2; usage ;; esac
case "$role" in staff|student|family|visitor|tourist) ;; *) echo "pgrouting-compare: --role: $role?" >&2; usage ;; esac
for n in "$npairs" "$seed" "$repeat"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "pgrouting-compare: not a number: $n" >&2; usage; }
done
if [ "$npairs" -lt 1 ] || [ "$repeat" -lt 1 ]; then usage; fi

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGDATABASE=${PGDATABASE:-test}
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgrouting-compare.XXXXXX")
schema="pgrc_$(date +%s)_$$_${RANDOM}"
schema_made=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$schema_made" = 1 ]; then
    psql_ -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 \
      || echo "pgrouting-compare: could not drop schema $schema" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "$*" >&2; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# --- 1. PostgreSQL up, pgRouting there --------------------------------------
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  case "$PGHOST" in
    127.0.0.1|localhost|/*) ;;
    *) say "pgrouting-compare: PostgreSQL at $PGHOST:$PGPORT is not up"; exit 1 ;;
  esac
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "PostgreSQL is down: starting cluster $ver/main"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
  pg_isready -q -h "$PGHOST" -p "$PGPORT" || { say "pgrouting-compare: PostgreSQL did not come up"; exit 1; }
fi
if ! psql_ -c 'CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE' >/dev/null 2>"$tmp/ext.err"; then
  major=$(psql_ -Atc 'SHOW server_version_num')
  major=$((major / 10000))
  pkg="postgresql-$major-pgrouting"
  say "pgRouting is missing ($(head -n 1 "$tmp/ext.err")): installing $pkg with apt"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null
  psql_ -c 'CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE' >/dev/null
fi
pgr_version=$(psql_ -Atc 'SELECT pgr_version()')

# --- 2. build the CLI, export the graph, load it -----------------------------
if [ -z "$campus_bin" ]; then
  say "building cmd/campus"
  (cd "$root" && go build -o "$tmp/campus" ./cmd/campus)
  campus="$tmp/campus"
else
  campus=$campus_bin
fi
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then rev="$rev + uncommitted changes"; fi

say "exporting the graph: campus graph --profile $profile --role $role --format csv"
if ! (cd "$root" && "$campus" graph --profile "$profile" --role "$role" --format csv) \
    >"$tmp/edges.csv" 2>"$tmp/graph.err"; then
  say "pgrouting-compare: campus graph failed:"; cat "$tmp/graph.err" >&2; exit 1
fi
[ -s "$tmp/graph.err" ] && { say "campus graph said on stderr:"; sed 's/^/  /' "$tmp/graph.err" >&2; }
nedges=$(($(wc -l <"$tmp/edges.csv") - 1))

# --- 3. the pairs -------------------------------------------------------------
graph_line=$(python3 "$helper" pairs "$tmp/edges.csv" "$npairs" "$seed" "$tmp/pairs.csv")
say "$graph_line"

schema_made=1
t0=$EPOCHREALTIME
psql_ -f - <<SQL
CREATE SCHEMA $schema;
CREATE TABLE $schema.edges (
  id bigint NOT NULL, source bigint NOT NULL, target bigint NOT NULL,
  cost double precision NOT NULL, reverse_cost double precision NOT NULL,
  x1 double precision, y1 double precision, x2 double precision, y2 double precision);
\copy $schema.edges FROM '$tmp/edges.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE $schema.pairs (source bigint NOT NULL, target bigint NOT NULL);
\copy $schema.pairs FROM '$tmp/pairs.csv' WITH (FORMAT csv)
ANALYZE $schema.edges;
ANALYZE $schema.pairs;
SQL
t1=$EPOCHREALTIME
load_s=$(secs "$t0" "$t1")
loaded=$(psql_ -Atc "SELECT count(*) FROM $schema.edges")
[ "$loaded" = "$nedges" ] || { say "pgrouting-compare: loaded $loaded edges of $nedges"; exit 1; }

# --- 4, 5, 7. run and time both sides ----------------------------------------
query="COPY (SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost(
  'SELECT id, source, target, cost, reverse_cost FROM $schema.edges',
  'SELECT source, target FROM $schema.pairs',
  directed := true)) TO STDOUT WITH (FORMAT csv)"

pgr_times=() eng_times=()
for i in $(seq 1 "$repeat"); do
  say "pgRouting run $i/$repeat"
  t0=$EPOCHREALTIME
  psql_ -c "$query" >"$tmp/pgr.$i.csv"
  t1=$EPOCHREALTIME
  pgr_times+=("$(secs "$t0" "$t1")")
done
for i in $(seq 1 "$repeat"); do
  say "engine run $i/$repeat"
  t0=$EPOCHREALTIME
  rc=0
  (cd "$root" && exec "$campus" route --pairs "$tmp/pairs.csv" --profile "$profile" --role "$role") \
    >"$tmp/eng.$i.csv" 2>"$tmp/eng.$i.err" || rc=$?
  t1=$EPOCHREALTIME
  if [ "$rc" != 0 ]; then
    say "pgrouting-compare: campus route exited $rc:"; head -n 20 "$tmp/eng.$i.err" >&2; exit 1
  fi
  eng_times+=("$(secs "$t0" "$t1")")
done
# The engine's fixed cost: the same process with no pairs (load the
# archive, validate, index, build the graph), for reading the medians.
: >"$tmp/nopairs.csv"
eng0_times=()
for i in $(seq 1 "$repeat"); do
  t0=$EPOCHREALTIME
  (cd "$root" && exec "$campus" route --pairs "$tmp/nopairs.csv" --profile "$profile" --role "$role") \
    >/dev/null 2>&1 || { say "pgrouting-compare: campus route with no pairs failed"; exit 1; }
  t1=$EPOCHREALTIME
  eng0_times+=("$(secs "$t0" "$t1")")
done
[ -s "$tmp/eng.1.err" ] && { say "campus route said on stderr:"; head -n 5 "$tmp/eng.1.err" | sed 's/^/  /' >&2; }

# Every run must answer the same (a warning only: the first run is compared).
for i in $(seq 2 "$repeat"); do
  cmp -s <(sort "$tmp/pgr.1.csv") <(sort "$tmp/pgr.$i.csv") || say "WARNING: pgRouting run $i answered differently from run 1"
  cmp -s "$tmp/eng.1.csv" "$tmp/eng.$i.csv" || say "WARNING: engine run $i answered differently from run 1"
done

# --- 6. compare ---------------------------------------------------------------
python3 "$helper" compare "$tmp/edges.csv" "$tmp/pairs.csv" "$tmp/pgr.1.csv" "$tmp/eng.1.csv" 20 \
  | tee "$tmp/compare.out" | grep -v '^RESULT '
read -r _ mism problems unreach < <(grep '^RESULT ' "$tmp/compare.out")

pgr_med=$(python3 "$helper" median "${pgr_times[@]}")
eng_med=$(python3 "$helper" median "${eng_times[@]}")
eng0_med=$(python3 "$helper" median "${eng0_times[@]}")
ratio=$(awk -v a="$pgr_med" -v b="$eng_med" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')

echo
echo "== profile $profile, role $role, seed $seed; engine $rev; pgRouting $pgr_version"
echo "graph $nedges edges; load into PostgreSQL (CREATE + \\copy edges and pairs + ANALYZE) $load_s s"
echo "pairs unreachable for both: $unreach"
echo "pgRouting runs (psql, pgr_dijkstraCost over all pairs): ${pgr_times[*]} s"
echo "engine runs (campus route --pairs, a whole process that loads the campus archive itself): ${eng_times[*]} s"
echo "engine with an empty pairs file (loading the campus and building the graph only): ${eng0_times[*]} s, median $eng0_med s"
printf 'pairs %d, mismatches %d, pgRouting median %.2f s, engine median %.2f s (includes loading the campus), ratio %sx\n' \
  "$npairs" "$mism" "$pgr_med" "$eng_med" "$ratio"
if [ "$problems" != 0 ]; then echo "output problems: $problems (see PROBLEM lines above)"; fi
if [ "$mism" != 0 ] || [ "$problems" != 0 ]; then exit 1; fi
