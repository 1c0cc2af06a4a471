"""Shared helpers for the peer benchmarks: CSV loading, queries, stats."""
import csv, glob, json, math, os, resource, statistics, subprocess, time

# ../shared/data beside the checkout (Benchmarks/peers is three levels below it).
DATA = os.environ.get("CRIME_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "crime-archive"))
HERE = os.path.dirname(os.path.abspath(__file__))
# Where results-*.jsonl and categories-*.jsonl go (and are compared from): a run on other data
# (the national archive) keeps its own, beside the real archive's committed ones.
RESULTS = os.environ.get("PEER_RESULTS", HERE)
MILE = 1609.344


def csv_files():
    return sorted(glob.glob(os.path.join(DATA, "*", "*-street.csv")))


def iter_rows():
    """Yield (lat_str, lng_str, month, category) for every CSV row (lat/lng may be '')."""
    for path in csv_files():
        with open(path, newline="", encoding="utf-8") as f:
            r = csv.reader(f)
            h = next(r)
            ilng, ilat, imon, icat = h.index("Longitude"), h.index("Latitude"), h.index("Month"), h.index("Crime type")
            for row in r:
                yield row[ilat], row[ilng], row[imon], row[icat]


def load_points():
    """Aggregate located rows into distinct map points.

    Returns (points, counts, months, cats):
      points: list of (lat, lng) floats, index = point id
      counts: dict (point_id, month, category) -> n
      months, cats: sorted lists of distinct months / categories (located rows only)
    """
    pid, points, counts = {}, [], {}
    for lat, lng, month, cat in iter_rows():
        if not lat or not lng:
            continue
        key = (lat, lng)
        i = pid.get(key)
        if i is None:
            i = pid[key] = len(points)
            points.append((float(lat), float(lng)))
        k = (i, month, cat)
        counts[k] = counts.get(k, 0) + 1
    months = sorted({k[1] for k in counts})
    cats = sorted({k[2] for k in counts})
    return points, counts, months, cats


def load_queries(path=None):
    out = []
    with open(path or os.path.join(HERE, "queries.jsonl")) as f:
        for line in f:
            q = json.loads(line)
            assert q["radius"].endswith("m")
            q["r"] = float(q["radius"][:-1])
            out.append(q)
    return out


def deg_box(lat, lng, r):
    """Generous lat/lng half-widths (degrees) containing every point within r metres.
    1 deg latitude >= 110574 m; 1 deg longitude >= 111319*cos(lat) m on WGS84."""
    dlat = r / 110000.0 * 1.01 + 1e-5
    phi = min(89.9, abs(lat) + dlat)
    dlng = dlat / math.cos(math.radians(phi))
    return dlat, dlng


def write_results(engine, results):
    """results: list of (total, {category: n}) in query order."""
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"results-{engine}.jsonl"), "w") as f:
        for total, _ in results:
            f.write(json.dumps({"total": total}) + "\n")
    with open(os.path.join(RESULTS, f"categories-{engine}.jsonl"), "w") as f:
        for _, bycat in results:
            f.write(json.dumps(dict(sorted(bycat.items())), separators=(",", ":")) + "\n")


def summarize(engine, times_s, build_s, extra=""):
    us = sorted(t * 1e6 for t in times_s)
    p = lambda q: us[min(len(us) - 1, int(math.ceil(q * len(us))) - 1)]
    line = (f"{engine}: n={len(us)} median={statistics.median(us):.0f}us p90={p(0.90):.0f}us "
            f"p99={p(0.99):.0f}us mean={statistics.fmean(us):.0f}us build={build_s:.2f}s {extra}")
    print(line, flush=True)
    return line


def batch_per_line(geoquery, mirror, options, lines):
    """geoquery batch's mean per line, as issue 10 measures it: `lines` three times minus a one-line
    batch, divided by the lines between them (process start and mirror opening cancel out), each
    the best of three runs, in wall time and in CPU time (user + system of the child). Returns
    {"wall_us", "cpu_us", "full_s", "one_s", "errors", "out"} (out: the x3 batch's output lines)."""
    def best_of_three(text):
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

    full, full_cpu, out = best_of_three("\n".join(lines * 3) + "\n")
    one, one_cpu, _ = best_of_three(lines[0] + "\n")
    n = 3 * len(lines) - 1
    return {"wall_us": (full - one) / n * 1e6, "cpu_us": (full_cpu - one_cpu) / n * 1e6, "full_s": full, "one_s": one,
            "errors": sum('"error"' in l for l in out), "out": out}
