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
    # A vertex only edges leave (a room's point as a route's start) cannot
    # be a target, and one only edges enter cannot be a source: uniform pairs
    # of any two vertices would be mostly trivially unreachable. So sources
    # are drawn from vertices with an edge out, targets from vertices with an
    # edge in, but for about 1% of the pairs, which test the trivial case.
    has_in = set(v for u in adj for v, _ in adj[u])
    sources = [v for v in verts if adj.get(v)]
    targets = [v for v in verts if v in has_in]
    no_out = [v for v in verts if not adj.get(v)]
    no_in = [v for v in verts if v not in has_in]
    if not sources or not targets:
        die("%s has no edge with a non-negative cost" % edges)
    chosen = []
    seen = set()

    def add(s, t):
        if s != t and (s, t) not in seen:
            seen.add((s, t))
            chosen.append((s, t))
            return True
        return False

    # About 5% of the pairs unreachable on purpose, when some are: a few
    # random sources, each with targets (vertices with an edge in) it cannot
    # reach.
    want_unreach = max(1, n // 20)
    tries = 0
    while len(chosen) < want_unreach and tries < 20:
        tries += 1
        s = rng.choice(sources)
        r = reach(adj, s)
        unreachable = [v for v in targets if v not in r]
        if not unreachable:
            continue
        k = min(len(unreachable), max(1, want_unreach // 4), want_unreach - len(chosen))
        for t in rng.sample(unreachable, k):
            add(s, t)
    designed_unreach = len(chosen)
    # About 1% with a source without an edge out or a target without an edge in.
    want_trivial = n // 100 if (no_out or no_in) else 0
    trivial = 0
    attempts = 0
    while trivial < want_trivial and len(chosen) < n and attempts < 100 * n:
        attempts += 1
        if no_out and (not no_in or rng.random() < 0.5):
            ok = add(rng.choice(no_out), rng.choice(verts))
        else:
            ok = add(rng.choice(verts), rng.choice(no_in))
        trivial += ok
    attempts = 0
    while len(chosen) < n:
        attempts += 1
        if attempts > 1000 * n:
            die("could not pick %d distinct pairs" % n)
        add(rng.choice(sources), rng.choice(targets))
    rng.shuffle(chosen)
    with open(out, "w") as f:
        for s, t in chosen:
            f.write("%d,%d\n" % (s, t))
    print("graph: %d edges, %d vertices (%d with no edge out, %d with no edge in); "
          "%d pairs (seed %d): %d picked unreachable on purpose (%d sources tried), "
          "%d from a vertex with no edge out or to one with no edge in, the rest uniform"
          % (nedges, nv, len(no_out), len(no_in), len(chosen), seed, designed_unreach, tries, trivial))


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
