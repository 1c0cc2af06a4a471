"""Compare per-query totals (and category counts) across results-<engine>.jsonl files,
and against an independent brute force over the raw CSV rows (no aggregation, no bbox:
month filter, then pyproj geodesic distance to every located row).

Usage: python3 crosscheck.py [N=200]   (first N queries; engines are compared on all of them too)
"""
import collections, glob, json, os, sys
import numpy as np, pyproj
from common import RESULTS, iter_rows, load_queries

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
qs = load_queries()
read = lambda p: [json.loads(l) for l in open(p)]
everything = {os.path.basename(p)[8:-6]: read(p) for p in sorted(glob.glob(os.path.join(RESULTS, "results-*.jsonl")))}
# The radius set's engines; the areas set's (results-*-areas.jsonl) are compared with each other.
engines = {e: r for e, r in everything.items() if not e.endswith("-areas")}
areas = {e: r for e, r in everything.items() if e.endswith("-areas")}
cats = {e: read(os.path.join(RESULTS, f"categories-{e}.jsonl")) for e in engines
        if os.path.exists(os.path.join(RESULTS, f"categories-{e}.jsonl"))}

lat, lng, mon, cat = [], [], [], []
for la, ln, m, c in iter_rows():
    if la and ln:
        lat.append(float(la)); lng.append(float(ln)); mon.append(m); cat.append(c)
lat, lng, mon, cat = np.array(lat), np.array(lng), np.array(mon), np.array(cat)
geod = pyproj.Geod(ellps="WGS84")
brute_t, brute_c, margin = [], [], float("inf")
for q in qs[:N]:
    sel = (mon >= q["from"]) & (mon <= q["to"])
    k = int(sel.sum())
    _, _, d = geod.inv(np.full(k, q["lng"]), np.full(k, q["lat"]), lng[sel], lat[sel])
    hit = cat[sel][d <= q["r"]]
    margin = min(margin, float(np.abs(d - q["r"]).min()) if k else margin)
    brute_t.append(len(hit)); brute_c.append(dict(sorted(collections.Counter(hit.tolist()).items())))

print(f"brute force over first {N} queries: smallest |distance - radius| of any row = {margin:.6f} m")
ok = True
for e, res in engines.items():
    bad = [i for i in range(N) if res[i]["total"] != brute_t[i]]
    badc = [i for i in range(N) if e in cats and cats[e][i] != brute_c[i]]
    print(f"{e:8s} first {N} vs brute force: {len(bad)} total mismatches, {len(badc)} category mismatches"
          + (f"; first: query {bad[0] + 1} {qs[bad[0]]} got {res[bad[0]]['total']} want {brute_t[bad[0]]}" if bad else ""))
    ok &= not bad and not badc
names = list(engines)
for a in names:
    for b in names[names.index(a) + 1:]:
        n = min(len(engines[a]), len(engines[b]))
        bad = [i for i in range(n) if engines[a][i] != engines[b][i]]
        badc = [i for i in range(n) if a in cats and b in cats and cats[a][i] != cats[b][i]]
        print(f"{a} vs {b}, all {n} queries: {len(bad)} total mismatches, {len(badc)} category mismatches"
              + (f"; first: query {bad[0] + 1} {qs[bad[0]]}: {engines[a][bad[0]]} vs {engines[b][bad[0]]}" if bad else ""))
        ok &= not bad and not badc
names = list(areas)
for a in names:
    for b in names[names.index(a) + 1:]:
        bad = [i for i in range(min(len(areas[a]), len(areas[b]))) if areas[a][i] != areas[b][i]]
        print(f"{a} vs {b}, all {len(areas[a])} areas: {len(bad)} total mismatches")
        ok &= not bad and len(areas[a]) == len(areas[b])
print("ALL AGREE" if ok else "MISMATCHES FOUND")
sys.exit(0 if ok else 1)
