"""geoquery batch's mean per line on the peer sets, as issue 10 measures it: the set repeated three
times minus a one-line batch, divided by the lines between them (process start and mirror opening
cancel out), best of three runs each, in wall time and in CPU time (user + system, the steadier
figure on a shared machine). Also checks its totals against the peers' results files.

Usage: python3 batch_peers.py GEOQUERY MIRROR [--fields total,by_category] [--jobs 1]
"""
import json, os, sys
from common import HERE, RESULTS, batch_per_line

geoquery, mirror, options = sys.argv[1], sys.argv[2], sys.argv[3:]

for name, peer in [("queries.jsonl", "results-shapely.jsonl"), ("areas.jsonl", "results-shapely-areas.jsonl")]:
    lines = open(os.path.join(HERE, name)).read().splitlines()
    m = batch_per_line(geoquery, mirror, options, lines)
    out = m["out"]
    check = ""
    if os.path.exists(os.path.join(RESULTS, peer)):
        theirs = [json.loads(l)["total"] for l in open(os.path.join(RESULTS, peer))]
        ours = [json.loads(l).get("total") for l in out[:len(lines)]]
        check = f"; totals equal to {peer}: {sum(a == b for a, b in zip(ours, theirs))}/{len(theirs)}"
    print(f"geoquery batch {' '.join(options)} on {name}: {len(lines)} lines x3, mean per line {m['wall_us']:.1f}us wall, {m['cpu_us']:.1f}us CPU "
          f"(x3 batch {m['full_s']:.3f}s, one line {m['one_s']:.3f}s, {m['errors']} error lines{check})", flush=True)
