#!/usr/bin/env python3
"""Two geoquery builds' batch cost a line, alternating, in the steady state.

Each run answers a query set repeated REPEAT times (so the mirror's pages and checksums are
touched once, not once a line) and a one-line batch; the cost a line is their difference over
the added lines, wall and CPU. The builds alternate run by run, so a change in the machine's load
falls on both.

Usage: python3 batch_ab.py OLD NEW MIRROR [SET] [REPEAT] [RUNS]
       (SET defaults to areas.jsonl, REPEAT to 10, RUNS to 8; --fields total,by_category --jobs 1)
"""
import os, resource, statistics, subprocess, sys, tempfile, time

old, new, mirror = sys.argv[1:4]
query_set = sys.argv[4] if len(sys.argv) > 4 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "areas.jsonl")
repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 10
runs = int(sys.argv[6]) if len(sys.argv) > 6 else 8
lines = open(query_set).read().splitlines(keepends=True)
work = tempfile.mkdtemp(prefix="batch-ab-")
one, many = os.path.join(work, "one.jsonl"), os.path.join(work, "many.jsonl")
open(one, "w").write(lines[0])
open(many, "w").write("".join(lines) * repeat)
added = len(lines) * repeat - 1


def run(binary, path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(path) as stdin:
        subprocess.run([binary, "batch", "--mirror", mirror, "--fields", "total,by_category", "--jobs", "1"],
                       stdin=stdin, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


results = {old: [], new: []}
for r in range(runs):
    for binary in ((old, new) if r % 2 == 0 else (new, old)):
        w1, c1 = run(binary, one)
        w, c = run(binary, many)
        results[binary].append(((w - w1) / added * 1e6, (c - c1) / added * 1e6))
for name, binary in (("old", old), ("new", new)):
    wall = [x[0] for x in results[binary]]
    cpu = [x[1] for x in results[binary]]
    print(f"{name} {binary}: {len(lines)} lines x{repeat}, {runs} runs: a line {statistics.median(wall):.1f} us wall "
          f"(median; {min(wall):.1f}-{max(wall):.1f}), {statistics.median(cpu):.1f} us CPU ({min(cpu):.1f}-{max(cpu):.1f})")
