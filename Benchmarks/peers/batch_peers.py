"""geoquery batch's mean per line on the peer sets, as issue 10 measures it: the set repeated three
times minus a one-line batch, divided by the lines between them (process start and mirror opening
cancel out), best of three runs each, in wall time and in CPU time (user + system, the steadier
figure on a shared machine). Also checks its totals against the peers' results files.

Usage: python3 batch_peers.py GEOQUERY MIRROR [--fields total,by_category] [--jobs 1]
"""
import json, os, resource, subprocess, sys, time
from common import HERE, RESULTS

geoquery, mirror, options = sys.argv[1], sys.argv[2], sys.argv[3:]


def timed(text):
    """Best wall and best CPU (user + system) seconds of three runs, and the output lines."""
    wall = cpu = None
    for _ in range(3):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t = time.perf_counter()
        out = subprocess.run([geoquery, "batch", "--mirror", mirror] + options, input=text.encode(),
                             stdout=subprocess.PIPE, check=True).stdout
        e = time.perf_counter() - t; r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        c = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        wall = e if wall is None or e < wall else wall
        cpu = c if cpu is None or c < cpu else cpu
    return wall, cpu, out.decode().splitlines()


for name, peer in [("queries.jsonl", "results-shapely.jsonl"), ("areas.jsonl", "results-shapely-areas.jsonl")]:
    lines = open(os.path.join(HERE, name)).read().splitlines()
    full, full_cpu, out = timed("\n".join(lines * 3) + "\n")
    one, one_cpu, _ = timed(lines[0] + "\n")
    per_line = (full - one) / (3 * len(lines) - 1) * 1e6
    per_line_cpu = (full_cpu - one_cpu) / (3 * len(lines) - 1) * 1e6
    errors = sum('"error"' in l for l in out)
    check = ""
    if os.path.exists(os.path.join(RESULTS, peer)):
        theirs = [json.loads(l)["total"] for l in open(os.path.join(RESULTS, peer))]
        ours = [json.loads(l).get("total") for l in out[:len(lines)]]
        check = f"; totals equal to {peer}: {sum(a == b for a, b in zip(ours, theirs))}/{len(theirs)}"
    print(f"geoquery batch {' '.join(options)} on {name}: {len(lines)} lines x3, mean per line {per_line:.1f}us wall, {per_line_cpu:.1f}us CPU "
          f"(x3 batch {full:.3f}s, one line {one:.3f}s, {errors} error lines{check})", flush=True)
