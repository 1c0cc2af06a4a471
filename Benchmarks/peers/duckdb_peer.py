"""DuckDB + spatial extension peer (in-process, in-memory database).

Build is pure SQL straight from the CSVs. Points get ids in (lat, lng) order and counts
are stored sorted by point id, so the lat/lng bbox prefilter prunes via zone maps on both
tables (the hash join pushes its min/max point id into the counts scan). Exact filter:
ST_Distance_Spheroid (GeographicLib geod_inverse; POINT_2D is lat first) <= radius.

Usage: python3 duckdb_peer.py [queries.jsonl]
"""
import glob, os, re, sys, time
import duckdb, duckdb_extension_spatial
from common import DATA, deg_box, load_queries, summarize, write_results

EXT = glob.glob(os.path.join(os.path.dirname(duckdb_extension_spatial.__file__),
                             "extensions", "*", "spatial.duckdb_extension"))[0]
MONTH = re.compile(r"\d{4}-\d{2}")
CSVS = os.path.join(DATA, "*", "*-street.csv")

t0 = time.perf_counter()
con = duckdb.connect()  # in-memory; default threads (= 2 cores here)
con.execute(f"LOAD '{EXT}'")  # signature-checked; no network INSTALL
con.execute(f"""
CREATE TEMP TABLE raw AS
SELECT CAST(Latitude AS DOUBLE) lat, CAST(Longitude AS DOUBLE) lng, Month AS month, "Crime type" AS category
FROM read_csv('{CSVS}', header = true, all_varchar = true,
              delim = ',', quote = '"', escape = '"')  -- explicit: the sniffer misses quoted commas in some files
WHERE coalesce(Latitude, '') <> '' AND coalesce(Longitude, '') <> '';
CREATE TABLE points AS
SELECT (row_number() OVER (ORDER BY lat, lng) - 1)::INTEGER AS id, lat, lng
FROM (SELECT DISTINCT lat, lng FROM raw) ORDER BY id;
CREATE TABLE counts AS
SELECT p.id AS point_id, r.month, r.category, count(*)::INTEGER AS n
FROM raw r JOIN points p USING (lat, lng) GROUP BY ALL ORDER BY point_id, month, category;
DROP TABLE raw;
""")
t_build = time.perf_counter() - t0
npts, ncnt = con.sql("SELECT (SELECT count(*) FROM points), (SELECT count(*) FROM counts)").fetchone()

con.execute("""
PREPARE q AS
SELECT c.category, sum(c.n)::BIGINT
FROM points p JOIN counts c ON c.point_id = p.id
WHERE p.lat BETWEEN $lat0 AND $lat1 AND p.lng BETWEEN $lng0 AND $lng1
  AND ST_Distance_Spheroid(ST_Point2D($lat, $lng), ST_Point2D(p.lat, p.lng)) <= $r
  AND c.month BETWEEN $m0 AND $m1
GROUP BY c.category
""")


def run(q):
    dlat, dlng = deg_box(q["lat"], q["lng"], q["r"])
    m0, m1 = q["from"], q["to"]
    assert MONTH.fullmatch(m0) and MONTH.fullmatch(m1)
    # EXECUTE takes no bind parameters, so values go in as literals (repr() round-trips doubles exactly)
    return con.execute(f"EXECUTE q(lat0 := {q['lat'] - dlat!r}, lat1 := {q['lat'] + dlat!r}, "
                       f"lng0 := {q['lng'] - dlng!r}, lng1 := {q['lng'] + dlng!r}, lat := {q['lat']!r}, "
                       f"lng := {q['lng']!r}, r := {q['r']!r}, m0 := '{m0}', m1 := '{m1}')").fetchall()


qs = load_queries(sys.argv[1] if len(sys.argv) > 1 else None)
for q in qs[:20]:  # warm-up
    run(q)
times, results = [], []
for q in qs:
    t = time.perf_counter(); rows = run(q); times.append(time.perf_counter() - t)
    results.append((sum(n for _, n in rows), {c: n for c, n in rows}))
write_results("duckdb", results)
spatial_ver = con.sql("SELECT extension_version FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone()[0]
summarize("duckdb", times, t_build, f"(build = CSV read + aggregate + tables, all SQL; {npts} points, {ncnt} count rows; "
          f"duckdb {duckdb.__version__}, spatial {spatial_ver} from duckdb-extension-spatial 1.5.5)")
