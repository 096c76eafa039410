#!/usr/bin/env python3
"""Helper of pgrouting-compare.sh (Python 3 standard library only).

  pairs EDGES_CSV N SEED OUT      pick N distinct (source,target) pairs
  compare EDGES_CSV PAIRS PGR ENGINE [MAX_SHOWN]
                                  compare pgRouting's and the engine's costs
  median SECONDS...               the median of some timings

EDGES_CSV is pgRouting's edge table format, as `campus graph --format csv`
writes it: id,source,target,cost,reverse_cost,x1,y1,x2,y2 (a negative cost
means that direction is forbidden, as pgRouting reads it).
"""

import collections
import csv
import heapq
import math
import random
import statistics
import sys

HEADER = ["id", "source", "target", "cost", "reverse_cost", "x1", "y1", "x2", "y2"]
REL_TOL = 1e-9


def die(msg):
    print("pgrouting_compare.py: " + msg, file=sys.stderr)
    sys.exit(2)


def read_edges(path):
    """Returns (vertices sorted, adjacency {u: [(v, cost)]}, edge count)."""
    adj = collections.defaultdict(list)
    verts = set()
    n = 0
    ids = set()
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r, None)
        if header != HEADER:
            die("%s: header is %r, want %r" % (path, header, HEADER))
        for lineno, row in enumerate(r, start=2):
            if len(row) != len(HEADER):
                die("%s:%d: %d fields, want %d" % (path, lineno, len(row), len(HEADER)))
            try:
                eid, s, t = int(row[0]), int(row[1]), int(row[2])
                c, rc = float(row[3]), float(row[4])
            except ValueError as e:
                die("%s:%d: %s" % (path, lineno, e))
            if not (math.isfinite(c) and math.isfinite(rc)):
                die("%s:%d: cost is not finite" % (path, lineno))
            if eid in ids:
                die("%s:%d: duplicate edge id %d" % (path, lineno, eid))
            ids.add(eid)
            n += 1
            verts.add(s)
            verts.add(t)
            # pgRouting: a negative cost means the edge is absent that way.
            if c >= 0:
                adj[s].append((t, c))
            if rc >= 0:
                adj[t].append((s, rc))
    return sorted(verts), adj, n


def reach(adj, s):
    seen = {s}
    stack = [s]
    while stack:
        u = stack.pop()
        for v, _ in adj.get(u, ()):
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def dijkstra(adj, s, t):
    """The least cost from s to t, or -1: the referee for a mismatch."""
    dist = {s: 0.0}
    heap = [(0.0, s)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == t:
            return d
        if d > dist.get(u, math.inf):
            continue
        for v, c in adj.get(u, ()):
            nd = d + c
            if nd < dist.get(v, math.inf):
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return -1.0


def cmd_pairs(edges, n, seed, out):
    n, seed = int(n), int(seed)
    verts, adj, nedges = read_edges(edges)
    nv = len(verts)
    if nv < 2:
        die("fewer than 2 vertices in %s" % edges)
    if n > nv * (nv - 1):
        die("%d pairs asked, the graph has only %d vertices" % (n, nv))
    rng = random.Random(seed)
    chosen = []
    seen = set()
    # About 5% of the pairs on purpose unreachable, when some are: a few
    # sources, each with the vertices it cannot reach.
    want_unreach = max(1, n // 20)
    tries = 0
    while len(chosen) < want_unreach and tries < 20:
        tries += 1
        s = rng.choice(verts)
        r = reach(adj, s)
        unreachable = [v for v in verts if v not in r]
        if not unreachable:
            continue
        k = min(len(unreachable), max(1, want_unreach // 4), want_unreach - len(chosen))
        for t in rng.sample(unreachable, k):
            if (s, t) not in seen:
                seen.add((s, t))
                chosen.append((s, t))
    designed_unreach = len(chosen)
    while len(chosen) < n:
        s = rng.choice(verts)
        t = rng.choice(verts)
        if s == t or (s, t) in seen:
            continue
        seen.add((s, t))
        chosen.append((s, t))
    rng.shuffle(chosen)
    with open(out, "w") as f:
        for s, t in chosen:
            f.write("%d,%d\n" % (s, t))
    print("graph: %d edges, %d vertices; %d pairs (seed %d), %d of them picked "
          "unreachable on purpose (%d sources tried)"
          % (nedges, nv, len(chosen), seed, designed_unreach, tries))


def read_costs(path, what, ncols_ok=(3,)):
    """{(s,t): cost} from lines s,t,cost; a header line is allowed."""
    costs = {}
    problems = []
    with open(path, newline="") as f:
        for lineno, row in enumerate(csv.reader(f), start=1):
            if not row or all(not x.strip() for x in row):
                continue
            if len(row) not in ncols_ok:
                problems.append("%s line %d: %r: want source,target,cost" % (what, lineno, row))
                continue
            try:
                s, t, c = int(row[0]), int(row[1]), float(row[2])
            except ValueError:
                if lineno == 1:
                    continue  # a header
                problems.append("%s line %d: %r: not source,target,cost" % (what, lineno, row))
                continue
            if (s, t) in costs:
                problems.append("%s line %d: pair %d,%d repeated" % (what, lineno, s, t))
            costs[(s, t)] = c
    return costs, problems


def fmt(c):
    return "%r" % c if c != -1 else "-1 (unreachable)"


def cmd_compare(edges, pairs_path, pgr_path, eng_path, max_shown="20"):
    max_shown = int(max_shown)
    pairs = []
    with open(pairs_path) as f:
        for line in f:
            if line.strip():
                s, t = line.strip().split(",")
                pairs.append((int(s), int(t)))
    pgr, pgr_problems = read_costs(pgr_path, "pgRouting")
    eng, eng_problems = read_costs(eng_path, "engine")
    problems = pgr_problems + eng_problems
    asked = set(pairs)
    for (s, t) in eng:
        if (s, t) not in asked:
            problems.append("engine: answered pair %d,%d that was not asked" % (s, t))
    for (s, t) in pgr:
        if (s, t) not in asked:
            problems.append("pgRouting: answered pair %d,%d that was not asked" % (s, t))
    mism = []
    unreach = 0
    for (s, t) in pairs:
        a = pgr.get((s, t), -1.0)  # pgRouting leaves unreachable pairs out
        if (s, t) not in eng:
            mism.append((s, t, a, None, "missing from the engine's output"))
            continue
        b = eng[(s, t)]
        if a == -1 and b == -1:
            unreach += 1
            continue
        if (a == -1) != (b == -1) or b < 0:
            mism.append((s, t, a, b, "reachability differs" if (a == -1) != (b == -1) else "negative cost"))
            continue
        m = max(abs(a), abs(b))
        if m == 0 or abs(a - b) / m < REL_TOL:
            continue
        mism.append((s, t, a, b, "relative difference %.3g" % (abs(a - b) / m)))
    for p in problems[:max_shown]:
        print("PROBLEM " + p)
    if len(problems) > max_shown:
        print("... %d problems in all" % len(problems))
    if mism:
        _, adj, _ = read_edges(edges)
        print("MISMATCHES: %d of %d pairs (first %d; 'python' is a plain Dijkstra "
              "in the helper, as a referee):" % (len(mism), len(pairs), min(max_shown, len(mism))))
        print("  source,target: pgRouting | engine | python | what")
        for s, t, a, b, why in mism[:max_shown]:
            ref = dijkstra(adj, s, t)
            print("  %d,%d: %s | %s | %s | %s"
                  % (s, t, fmt(a), "(none)" if b is None else fmt(b), fmt(ref), why))
        kinds = collections.Counter(w.split(" ")[0] if not w.startswith("relative") else "cost"
                                    for _, _, _, _, w in mism)
        print("  by kind: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
    print("compared %d pairs: %d mismatches, %d unreachable for both, %d output problems"
          % (len(pairs), len(mism), unreach, len(problems)))
    # Machine-readable last line for the shell script.
    print("RESULT %d %d %d" % (len(mism), len(problems), unreach))


def cmd_median(*xs):
    print("%.3f" % statistics.median(float(x) for x in xs))


def main(argv):
    cmds = {"pairs": (cmd_pairs, 4, 4), "compare": (cmd_compare, 4, 5), "median": (cmd_median, 1, 999)}
    if len(argv) < 2 or argv[1] not in cmds:
        die(__doc__)
    fn, lo, hi = cmds[argv[1]]
    args = argv[2:]
    if not lo <= len(args) <= hi:
        die(__doc__)
    fn(*args)


if __name__ == "__main__":
    main(sys.argv)
