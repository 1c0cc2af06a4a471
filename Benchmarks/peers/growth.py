"""Issue 10 part 5: how geoquery's costs grow with the archive, measured one mirror at a time.

For 1x (the real archive in ../shared/data), 4x (the first six months of the national generator's
36), 24x (its 36 months) and 120x (its 180 months from 2010-12), each ingested with the 43 police
force boundaries: ingest wall and CPU time and peak memory (/usr/bin/time), crimes and map points
(`geoquery info`), snapshot size, the time to open the mirror (a whole `geoquery query` process
asking a 10 m circle, best of 3), and geoquery batch's mean cost per line on the peer sets,
measured as batch_peers.py does (common.batch_per_line: (the set x3 - one line) / lines between, best of 3, wall and CPU):
- "same months": the 2,000 radius lines (queries.jsonl) and the 1,009 real areas (areas.jsonl)
  with their months drawn again (seeded) from 2020-01..2020-06, which every mirror holds, so the
  same questions go to every mirror;
- "all months": the same lines without months, so each answers over every month its mirror holds.

Usage: python3 growth.py GEOQUERY WORKDIR [SCALE...]   (SCALE: 1 4 24 120; default all four)
WORKDIR holds the generated archives (made when missing: 20 GB for 120x), the mirrors and
growth.json. Prints one markdown row per mirror and a line per batch measurement.
"""
import json, os, random, shutil, subprocess, sys, time
from common import DATA, HERE, batch_per_line

geoquery, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
scales = sys.argv[3:] or ["1", "4", "24", "120"]
BOUNDARIES = os.path.join(os.path.dirname(DATA), "boundaries", "police-force-areas", "police_force_areas_dec2020_generalised.geojson")
WINDOW = [f"2020-{m:02d}" for m in range(1, 7)]
FIELDS = ["--fields", "total,by_category", "--jobs", "1"]


def generated(name, months, start):
    path = os.path.join(work, name)
    if not os.path.isdir(path):
        subprocess.run([geoquery, "sample", "--national", "--months", str(months), "--start", start,
                        "--write", path, "--archive", DATA], check=True, stdout=subprocess.DEVNULL)
    return path


def inputs(scale):
    if scale == "1":
        return [DATA]
    if scale == "4":
        nat36 = generated("nat36", 36, "2020-01")
        return [os.path.join(nat36, m) for m in WINDOW]
    if scale == "24":
        return [generated("nat36", 36, "2020-01")]
    return [generated("nat180", 180, "2010-12")]


def ingest(scale, mirror):
    shutil.rmtree(mirror, ignore_errors=True)
    times = os.path.join(work, "time.txt")
    out = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", times, geoquery, "ingest", "--mirror", mirror] + inputs(scale)
                   + ["--boundaries", BOUNDARIES], check=True, stdout=subprocess.PIPE)
    wall, user, sys_, peak_kb = open(times).read().split()[-4:]
    # The summary's last line: what the mirror holds and the time of each stage (read, build, catchments...).
    summary = out.stdout.decode().strip().splitlines()[-1]
    return float(wall), float(user), float(sys_), int(peak_kb), summary


def best_wall(args, runs=3):
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        e = time.perf_counter() - t
        best = e if best is None or e < best else best
    return best


def line_sets():
    """name -> lines: each peer set with its months drawn again from WINDOW, and without months."""
    if not os.path.exists(os.path.join(HERE, "areas.jsonl")):
        subprocess.run([sys.executable, os.path.join(HERE, "areas.py")], check=True)
    rng = random.Random(510)
    sets = {}
    for name in ["queries.jsonl", "areas.jsonl"]:
        rows = [json.loads(l) for l in open(os.path.join(HERE, name))]
        same, every = [], []
        for r in rows:
            a, b = sorted((rng.choice(WINDOW), rng.choice(WINDOW)))
            same.append(json.dumps(dict(r, **{"from": a, "to": b}), separators=(",", ":")))
            every.append(json.dumps({k: v for k, v in r.items() if k not in ("from", "to")}, separators=(",", ":")))
        sets[f"{name} same months"] = same
        sets[f"{name} all months"] = every
    return sets


os.makedirs(work, exist_ok=True)
sets = line_sets()
record_path = os.path.join(work, "growth.json")
record = json.load(open(record_path)) if os.path.exists(record_path) else {}
for scale in scales:
    mirror = os.path.join(work, f"m{scale}")
    wall, user, sys_, peak_kb, summary = ingest(scale, mirror)
    print(f"{scale}x ingest: {summary}", flush=True)
    info = json.loads(subprocess.run([geoquery, "info", "--mirror", mirror, "--format", "json"], check=True,
                                     stdout=subprocess.PIPE).stdout)
    crimes, points = info["crimes"], info["map_points"]
    # Sizes as the mirror reports them, so this script does not name the mirror's files.
    snapshot, catchments = info["snapshot"]["bytes"], info["catchment_bytes"]
    opened = best_wall([geoquery, "query", "--mirror", mirror, "--lat", "52.6344", "--lng", "-1.1313", "--radius", "10m"])
    r = {"crimes": crimes, "map_points": points, "months": f"{info['first_month']}..{info['last_month']}",
         "ingest_summary": summary, "ingest_wall_s": wall, "ingest_user_s": user, "ingest_sys_s": sys_, "peak_kb": peak_kb,
         "snapshot_bytes": snapshot, "catchment_bytes": catchments, "open_s": opened, "batch": {}}
    for name, lines in sets.items():
        b = batch_per_line(geoquery, mirror, FIELDS, lines)
        r["batch"][name] = {k: b[k] for k in ("wall_us", "cpu_us", "errors")}
        print(f"{scale}x {name}: {b['wall_us']:.1f} us wall, {b['cpu_us']:.1f} us CPU per line, {b['errors']} error lines", flush=True)
    record[scale] = r
    json.dump(record, open(record_path, "w"), indent=1)
    q, a = r["batch"]["queries.jsonl same months"], r["batch"]["areas.jsonl same months"]
    qa, aa = r["batch"]["queries.jsonl all months"], r["batch"]["areas.jsonl all months"]
    print(f"| {scale}x | {crimes:,} | {points:,} | {wall:.1f} s ({user:.1f} + {sys_:.1f} s) | {peak_kb:,} kB ({peak_kb * 1024 / crimes:.1f} B) "
          f"| {snapshot:,} B ({snapshot / crimes:.2f} B) | {opened:.2f} s | {q['wall_us']:.0f} / {a['wall_us']:.0f} µs "
          f"| {qa['wall_us']:.0f} / {aa['wall_us']:.0f} µs |", flush=True)
