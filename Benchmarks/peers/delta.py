#!/usr/bin/env python3
"""What adding and restating cost with the delta beside the snapshot (issue 10 part 4), at 24x.

Builds a snapshot of the national sample's first 35 months (with the 43 force boundaries),
then, timing each with /usr/bin/time: adds one force's month 36 (Leicestershire; it goes to
the delta), then the whole month 36 (Leicestershire's file again with the others), restates one
force-month of month 30 (the delta supersedes it in the snapshot), and compacts. The same
batch lines (the peer radius set and the real areas, all months) are answered on the mirror
with its delta and on the compacted one, per line as growth.py measures them.

Usage: delta.py GEOQUERY WORK [NATIONAL_FOLDER]   (the folder `geoquery sample --national
--months 36 --write DIR` wrote; generated into WORK/nat36 when not given)
"""
import json, os, shutil, subprocess, sys
from common import DATA, HERE, batch_per_line

geoquery, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
BOUNDARIES = os.path.join(os.path.dirname(DATA), "boundaries", "police-force-areas", "police_force_areas_dec2020_generalised.geojson")
FIELDS = ["--fields", "total,by_category", "--jobs", "1"]
os.makedirs(work, exist_ok=True)
national = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else os.path.join(work, "nat36")
if not os.path.isdir(national):
    subprocess.run([geoquery, "sample", "--national", "--months", "36", "--write", national,
                    "--archive", DATA], check=True)
months = sorted(m for m in os.listdir(national) if os.path.isdir(os.path.join(national, m)))
assert len(months) == 36, f"{national} holds {len(months)} months, not 36"


def timed(args):
    """Wall s, user s, sys s, peak kB and the summary's last line of one ingest."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", os.path.join(work, "time.txt"), geoquery] + args,
                         check=True, stdout=subprocess.PIPE)
    wall, user, sys_, peak = open(os.path.join(work, "time.txt")).read().split()[-4:]
    return {"wall_s": float(wall), "user_s": float(user), "sys_s": float(sys_), "peak_kb": int(peak),
            "summary": out.stdout.decode().strip().splitlines()[-1]}


def lines(name):
    if not os.path.exists(os.path.join(HERE, name)):  # areas.jsonl is written by areas.py
        subprocess.run([sys.executable, os.path.join(HERE, name.replace(".jsonl", ".py"))], check=True)
    return [json.dumps({k: v for k, v in json.loads(l).items() if k not in ("from", "to")}, separators=(",", ":"))
            for l in open(os.path.join(HERE, name))]


mirror = os.path.join(work, "m")
shutil.rmtree(mirror, ignore_errors=True)
record = {}
record["base"] = timed(["ingest", "--mirror", mirror] + [os.path.join(national, m) for m in months[:35]] + ["--boundaries", BOUNDARIES])
sets = {"radius": lines("queries.jsonl"), "areas": lines("areas.jsonl")}
# One force-month with map points the snapshot lacks: only that force's catchments are computed.
record["add force-month"] = timed(["ingest", "--mirror", mirror, os.path.join(national, months[35], f"{months[35]}-leicestershire-street.csv")])
record["add month"] = timed(["ingest", "--mirror", mirror, os.path.join(national, months[35])])
for name, batch in sets.items():
    record[f"{name} with the month's delta"] = batch_per_line(geoquery, mirror, FIELDS, batch)
    record[f"{name} with the month's delta"].pop("out")
# Leicestershire: the peer sets' circles and areas lie mostly in the real archive's forces.
restated = os.path.join(national, months[29], f"{months[29]}-leicestershire-street.csv")
record["restate force-month"] = timed(["ingest", "--mirror", mirror, restated])
for name, batch in sets.items():
    record[f"{name} with delta"] = batch_per_line(geoquery, mirror, FIELDS, batch)
record["compact"] = timed(["ingest", "--mirror", mirror, "--compact"])
for name, batch in sets.items():
    record[f"{name} compacted"] = batch_per_line(geoquery, mirror, FIELDS, batch)
for name in sets:
    # The two mirrors must give the same answers, line for line.
    record[f"{name} same answers"] = {"same": record[f"{name} with delta"]["out"] == record[f"{name} compacted"]["out"]}
    for which in ("with delta", "compacted"):
        record[f"{name} {which}"].pop("out")
for k, v in record.items():
    print(k, v, flush=True)
json.dump(record, open(os.path.join(work, "delta.json"), "w"), indent=1)
