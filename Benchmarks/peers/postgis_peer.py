"""PostGIS peer client: load tables via COPY, then time a prepared query per radius query.

Usage: python3 postgis_peer.py DSN [queries.jsonl | areas.jsonl]   (normally run by postgis_peer.sh)
An areas file (lines with "geojson") is answered with postgis_areas.sql: the whole line is timed,
its JSON read on the client and the geometry sent as GeoJSON text.
"""
import io, json, os, sys, time
import psycopg2
from common import HERE, load_points, load_queries, summarize, write_results

conn = psycopg2.connect(sys.argv[1]); conn.autocommit = True
cur = conn.cursor()
sql = lambda name: open(os.path.join(HERE, name)).read()

t0 = time.perf_counter()
points, counts, months, cats = load_points()
t_load = time.perf_counter() - t0

t1 = time.perf_counter()
cur.execute(sql("postgis_schema.sql"))
buf = io.StringIO("".join(f"{i}\tSRID=4326;POINT({lng!r} {lat!r})\n" for i, (lat, lng) in enumerate(points)))
cur.copy_expert("COPY points (id, geog) FROM STDIN", buf)
buf = io.StringIO("".join(f"{p}\t{m}\t{c}\t{n}\n" for (p, m, c), n in counts.items()))
cur.copy_expert("COPY counts (point_id, month, category, n) FROM STDIN", buf)
t_copy = time.perf_counter() - t1
for stmt in filter(str.strip, sql("postgis_index.sql").split(";")):
    cur.execute(stmt)  # one by one: VACUUM cannot run in the implicit multi-statement transaction
t_build = time.perf_counter() - t1

cur.execute(sql("postgis_query.sql"))
cur.execute("SELECT postgis_full_version(), version()")
versions = cur.fetchone()

path = sys.argv[2] if len(sys.argv) > 2 else None
if path and '"geojson"' in open(path).readline():
    for stmt in filter(str.strip, sql("postgis_areas.sql").split(";")):
        cur.execute(stmt)
    qs = open(path).read().splitlines()
    def run(line):
        q = json.loads(line)
        cur.execute("EXECUTE qa(%s, %s, %s)", (json.dumps(q["geojson"]), q["from"], q["to"]))
    engine = "postgis-areas"
else:
    qs = load_queries(path)
    run = lambda q: cur.execute("EXECUTE q(%s, %s, %s, %s, %s)", (q["lat"], q["lng"], q["r"], q["from"], q["to"]))
    engine = "postgis"
for q in qs[:20]:  # warm-up (also gets past the custom-plan phase of the prepared statement)
    run(q); cur.fetchall()
times, results = [], []
for q in qs:
    t = time.perf_counter(); run(q); rows = cur.fetchall(); times.append(time.perf_counter() - t)
    results.append((sum(n for _, n in rows), {c: n for c, n in rows}))
write_results(engine, results)
if engine == "postgis":
    cur.execute("EXPLAIN ANALYZE EXECUTE q(%s, %s, %s, %s, %s)", (qs[2]["lat"], qs[2]["lng"], qs[2]["r"], qs[2]["from"], qs[2]["to"]))
    print("\n".join(r[0] for r in cur.fetchall()))
summarize(engine, times, t_build, f"(csv load+aggregate {t_load:.2f}s, COPY {t_copy:.2f}s, rest = index+vacuum analyze; "
          f"client-side timing over unix socket; {versions[1].split(',')[0]}; {versions[0]})")
