#!/usr/bin/env python3
"""Do a run's slow requests cluster in time? Reads a LookupProbe per-request log
(QUIVER_PROBE_LATLOG=PREFIX writes PREFIX-<kind>-<run>.txt: lines "<send offset us> <latency us>")
and prints the percentiles, the slow requests (>= THRESHOLD_MS, default the run's p99) grouped into
episodes (slow requests whose intended send times lie within 5 ms of the previous slow one), the
largest episodes, how many slow requests stand alone, and the slow requests per second.
Logs with a third column (the connection, since session 9) also say whether an episode's slow
requests came over the connections of one server event loop: connection i is served by loop
(i + offset) mod LOOPS (LOOPS = the server's event loops, default 4), so an episode whose slow
requests share one residue mod LOOPS is one loop that stopped serving while the others went on.

Usage: bench/lookup-latlog.py FILE [THRESHOLD_MS] [LOOPS]
"""
import collections
import sys


def main():
    f = sys.argv[1]
    rows = sorted(tuple(map(int, line.split())) for line in open(f) if line.strip())
    loops = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    with_conn = rows and len(rows[0]) > 2
    lat = sorted(r[1] for r in rows)
    n = len(lat)

    def p(q):
        return lat[min(n - 1, int(q * n))]

    print(f"{f}: n={n} p50={p(.5)/1000:.3f} p95={p(.95)/1000:.3f} p99={p(.99)/1000:.3f} "
          f"p99.9={p(.999)/1000:.3f} ms")
    threshold = float(sys.argv[2]) * 1000 if len(sys.argv) > 2 and sys.argv[2] != "-" else p(.99)
    slow = [r for r in rows if r[1] >= threshold]
    print(f"slow (>= {threshold/1000:.3f} ms): {len(slow)} = {100*len(slow)/n:.2f}%")
    episodes = []
    cur = None
    for r in slow:
        sent, l = r[0], r[1]
        loop = r[2] % loops if with_conn else 0
        if cur and sent - cur[1] <= 5000:
            cur[1] = sent
            cur[2] += 1
            cur[3] = max(cur[3], l)
            cur[4][loop] += 1
        else:
            cur = [sent, sent, 1, l, collections.Counter({loop: 1})]
            episodes.append(cur)
    sizes = sorted(e[2] for e in episodes)
    print("episodes", len(episodes), "; slow requests per episode: median",
          sizes[len(sizes) // 2] if sizes else 0, "max", sizes[-1] if sizes else 0)
    for e in sorted(sorted(episodes, key=lambda e: -e[2])[:12]):
        print(f"  at {e[0]/1e6:8.3f} s span {(e[1]-e[0])/1000:7.1f} ms, {e[2]} slow, "
              f"max {e[3]/1000:.1f} ms")
    if with_conn:
        # Share of an episode's slow requests on its busiest loop, for episodes of >= 4 slow.
        big = [e for e in episodes if e[2] >= 4]
        one = sum(1 for e in big if max(e[4].values()) >= 0.8 * e[2])
        share = sum(max(e[4].values()) for e in big) / max(1, sum(e[2] for e in big))
        print(f"episodes of >= 4 slow: {len(big)}; with >= 80% of their slow requests on one of "
              f"{loops} loops: {one}; slow requests on the episode's busiest loop: "
              f"{100*share:.0f}% (all loops alike: {100/loops:.0f}%)")
    alone = sum(1 for e in episodes if e[2] == 1)
    print("slow requests alone (episode of 1):", alone,
          f"= {100*alone/max(1, len(slow)):.1f}% of slow")
    per_sec = collections.Counter(r[0] // 1000000 for r in slow)
    print("slow per second:", [per_sec[i] for i in range(int(rows[-1][0] // 1000000) + 1)])


if __name__ == "__main__":
    main()
