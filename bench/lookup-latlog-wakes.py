#!/usr/bin/env python3
"""Do a run's slow episodes start when some thread of the server wakes up? Reads a LookupProbe
per-request log (QUIVER_PROBE_LATLOG), the run's wall-clock start (printed by LookupProbe as
"window <start> <end>") and the server's JFR ThreadPark events (`jfr print --events jdk.ThreadPark
server.jfr > park.txt`; a parked thread's wake-up is its event's start plus duration), and counts the
episodes (>= 4 slow requests within 5 ms of each other) that start within [-15, +3] ms of a wake-up
of a thread whose name starts with PREFIX (default quiver-registry, the registry refresh threads),
against the same count for random times. Since session 9.

Usage: bench/lookup-latlog-wakes.py LATLOG WINDOW_START_ISO PARK_TXT [THRESHOLD_MS|-] [PREFIX]
"""
import datetime
import random
import re
import sys


def main():
    rows = sorted(tuple(map(int, line.split()[:2])) for line in open(sys.argv[1]) if line.strip())
    t0 = datetime.datetime.fromisoformat(sys.argv[2].replace("Z", "+00:00")[:26] + "+00:00")
    lat = sorted(r[1] for r in rows)
    threshold = (float(sys.argv[4]) * 1000 if len(sys.argv) > 4 and sys.argv[4] != "-"
                 else lat[int(0.99 * len(lat))])
    prefix = sys.argv[5] if len(sys.argv) > 5 else "quiver-registry"
    episodes = []
    for sent, l in rows:
        if l < threshold:
            continue
        if episodes and sent - episodes[-1][1] <= 5000:
            episodes[-1][1] = sent
            episodes[-1][2] += 1
        else:
            episodes.append([sent, sent, 1])
    starts = [e[0] for e in episodes if e[2] >= 4]
    wakes = []
    for ev in open(sys.argv[3]).read().split("jdk.ThreadPark {")[1:]:
        th = re.search(r'eventThread = "([^"]+)"', ev)
        if not th or not th.group(1).startswith(prefix):
            continue
        h, m, s = re.search(r"startTime = (\S+)", ev).group(1).split(":")
        d = re.search(r"duration = ([\d.]+) (\w+)", ev)
        us = float(d.group(1)) * {"s": 1e6, "ms": 1e3, "us": 1}.get(d.group(2), 1e3)
        base = t0.replace(hour=int(h), minute=int(m), second=0, microsecond=0)
        wakes.append((base - t0).total_seconds() * 1e6 + float(s) * 1e6 + us)
    end = rows[-1][0]
    wakes = [w for w in wakes if 0 <= w <= end]

    def near(times):
        return sum(1 for t in times if any(t - 15000 <= w <= t + 3000 for w in wakes))

    random.seed(1)
    rnd = [random.uniform(0, end) for _ in range(2000)]
    print(f"threshold {threshold/1000:.2f} ms; episodes of >= 4 slow: {len(starts)}; "
          f"wake-ups of {prefix}* in the run: {len(wakes)}")
    print(f"episodes starting within [-15, +3] ms of a wake-up: {near(starts)} of {len(starts)}; "
          f"random times: {100 * near(rnd) / len(rnd):.0f}%")


if __name__ == "__main__":
    main()
