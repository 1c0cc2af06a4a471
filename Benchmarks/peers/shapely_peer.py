"""In-process peer: shapely STRtree bbox prefilter + pyproj geodesic filter + numpy CSR sums.

Usage: python3 shapely_peer.py [queries.jsonl | areas.jsonl]
An areas file (lines with "geojson") is answered area by area: the line's JSON read with
`json.loads`, its geometry made a shapely polygon (`make_valid` when invalid, as geoquery's
"repair": true), the map points it covers found through the STRtree, then the same CSR sums. The
whole line is timed, parse included, as `geoquery batch` pays for it.
"""
import bisect, json, sys, time
import numpy as np, pyproj, shapely
from shapely import STRtree
from shapely.geometry import shape
from common import deg_box, load_points, load_queries, summarize, write_results

t0 = time.perf_counter()
points, counts, months, cats = load_points()
t_load = time.perf_counter() - t0

t1 = time.perf_counter()
lat = np.array([p[0] for p in points]); lng = np.array([p[1] for p in points])
tree = STRtree(shapely.points(lng, lat))
# CSR layout: records of point i are rec_*[off[i]:off[i+1]]
mi = {m: i for i, m in enumerate(months)}; ci = {c: i for i, c in enumerate(cats)}
keys = sorted(counts)
rec_pid = np.array([k[0] for k in keys], dtype=np.int64)
rec_month = np.array([mi[k[1]] for k in keys], dtype=np.int16)
rec_cat = np.array([ci[k[2]] for k in keys], dtype=np.int16)
rec_n = np.array([counts[k] for k in keys], dtype=np.float64)
off = np.searchsorted(rec_pid, np.arange(len(points) + 1))
geod = pyproj.Geod(ellps="WGS84")
t_build = time.perf_counter() - t1


def query(q):
    if isinstance(q, str):  # an areas line
        q = json.loads(q)
        g = shape(q["geojson"])
        if not g.is_valid:
            g = shapely.make_valid(g)
        ids = tree.query(g, predicate="covers")  # boundary points count, as in geoquery
    else:
        la, ln, r = q["lat"], q["lng"], q["r"]
        dlat, dlng = deg_box(la, ln, r)
        cand = tree.query(shapely.box(ln - dlng, la - dlat, ln + dlng, la + dlat))
        if len(cand):
            _, _, dist = geod.inv(np.full(len(cand), ln), np.full(len(cand), la), lng[cand], lat[cand])
            ids = cand[dist <= r]
        else:
            ids = cand
    m0 = bisect.bisect_left(months, q["from"]); m1 = bisect.bisect_right(months, q["to"]) - 1
    starts = off[ids]; lens = off[ids + 1] - starts
    idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
    sel = idx[(rec_month[idx] >= m0) & (rec_month[idx] <= m1)]
    bycat = np.bincount(rec_cat[sel], weights=rec_n[sel], minlength=len(cats)).astype(np.int64)
    return int(bycat.sum()), {cats[i]: int(n) for i, n in enumerate(bycat) if n}


path = sys.argv[1] if len(sys.argv) > 1 else None
areas = path is not None and '"geojson"' in open(path).readline()
qs = open(path).read().splitlines() if areas else load_queries(path)
engine = "shapely-areas" if areas else "shapely"
for q in qs[:20]:  # warm-up
    query(q)
times, results = [], []
for q in qs:
    t = time.perf_counter(); res = query(q); times.append(time.perf_counter() - t)
    results.append(res)
write_results(engine, results)
summarize(engine, times, t_build, f"(csv load+aggregate {t_load:.2f}s; {len(points)} points, "
          f"{len(counts)} count rows; shapely {shapely.__version__}, pyproj {pyproj.__version__}, "
          f"PROJ {pyproj.proj_version_str}, numpy {np.__version__})")
