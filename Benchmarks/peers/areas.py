"""Write areas.jsonl: the 1,009 real areas as batch lines, in a seeded order with seeded months.

area    = each LSOA 2011 polygon in ../shared/data/boundaries/lsoa-2011-by-lad (1,006: files in
          sorted order, features in file order) and three police force areas (Leicestershire,
          City of London, Durham) from police-force-areas, as a GeoJSON geometry object
from/to = two random months present in the data, sorted (random.seed(42));
          "repair": true, as four of the LSOAs cross themselves
"""
import glob, json, os, random
from common import HERE, iter_rows

BOUNDARIES = os.path.join(os.path.dirname(os.environ.get("CRIME_DATA", os.path.join(HERE, "../../../shared/data/crime-archive"))), "boundaries")
FORCES = ["Leicestershire", "London, City of", "Durham"]

areas = []
for path in sorted(glob.glob(os.path.join(BOUNDARIES, "lsoa-2011-by-lad", "*.json"))):
    for f in json.load(open(path))["features"]:
        areas.append((f["properties"]["LSOA11CD"], f["geometry"]))
forces = json.load(open(os.path.join(BOUNDARIES, "police-force-areas", "police_force_areas_dec2020_generalised.geojson")))["features"]
for name in FORCES:
    f = next(f for f in forces if f["properties"]["PFA20NM"] == name)
    areas.append((name, f["geometry"]))

months = sorted({m for _, _, m, _ in iter_rows()})
random.seed(42)
with open(os.path.join(HERE, "areas.jsonl"), "w") as out:
    for name, geometry in areas:
        a, b = sorted((random.choice(months), random.choice(months)))
        out.write(json.dumps({"id": name, "geojson": geometry, "repair": True, "from": a, "to": b}, separators=(",", ":")) + "\n")
print(f"{len(areas)} areas, {len(months)} months ({months[0]}..{months[-1]})")
