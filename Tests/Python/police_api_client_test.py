#!/usr/bin/env python3
"""Drives `geoquery serve` with police-api-client (PyPI), a real third-party data.police.uk client,
unchanged except for its base URL, and checks its answers against the CSVs read here with Python's
csv module (and pyproj's WGS84 geodesic for the 1-mile radius).

Run by .ci/run after `swift test` (which builds .build/debug/geoquery):
    python3 Tests/Python/police_api_client_test.py
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

from police_api import PoliceAPI
from pyproj import Geod

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("GEOQUERY_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))
BINARY = os.environ.get("GEOQUERY_BINARY", os.path.join(ROOT, ".build", "debug", "geoquery"))
MONTH = "2019-01"
FORCES = ["leicestershire", "city-of-london", "btp"]
CLOCK_TOWER = (52.6344, -1.1313)
ONE_MILE = 1609.344
SLUGS = {"anti-social behaviour": "anti-social-behaviour", "bicycle theft": "bicycle-theft", "burglary": "burglary",
         "criminal damage and arson": "criminal-damage-arson", "drugs": "drugs", "other theft": "other-theft",
         "possession of weapons": "possession-of-weapons", "public order": "public-order", "robbery": "robbery",
         "shoplifting": "shoplifting", "theft from the person": "theft-from-the-person", "vehicle crime": "vehicle-crime",
         "violence and sexual offences": "violent-crime", "other crime": "other-crime"}

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def rows():
    """Every row of the month's CSVs: (force, lat or None, lng or None, category slug)."""
    out = []
    for force in FORCES:
        path = os.path.join(SHARED, "crime-archive", MONTH, f"{MONTH}-{force}-street.csv")
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                lat = float(r["Latitude"]) if r["Latitude"] else None
                lng = float(r["Longitude"]) if r["Longitude"] else None
                out.append((force, lat, lng, SLUGS[r["Crime type"].strip().lower()]))
    return out


def main():
    mirror = tempfile.mkdtemp(prefix="geoquery-pyclient-")
    files = [os.path.join(SHARED, "crime-archive", MONTH, f"{MONTH}-{f}-street.csv") for f in FORCES]
    subprocess.run([BINARY, "ingest", "--mirror", mirror] + files, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([BINARY, "serve", "--mirror", mirror, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()  # "geoquery: serving DIR at http://127.0.0.1:PORT/"
        base = first.strip().split(" at ")[-1]
        check(base.startswith("http://127.0.0.1:"), f"serve prints its URL ({first.strip()})")
        api = PoliceAPI(base_url=base + "api/")
        reference = rows()

        forces = {f.id: f.name for f in api.get_forces()}
        published = {name[len(MONTH) + 1:-len("-street.csv")] for name in os.listdir(os.path.join(SHARED, "crime-archive", MONTH))}
        check(forces.get("leicestershire") == "Leicestershire Police" and published <= set(forces) and all(forces.values()),
              f"get_forces: every force the archive publishes ({len(published)}) is listed and named ({len(forces)})")
        check(api.get_force("city-of-london").name == "City of London Police", "get_force: one force's name")
        check(api.get_dates() == [MONTH] and api.get_latest_date() == MONTH, "get_dates / get_latest_date")
        names = {c.id: c.name for c in api.get_crime_categories(date=MONTH)}
        check(names.get("violent-crime") == "Violence and sexual offences" and "all-crime" not in names, "get_crime_categories")

        geod = Geod(ellps="WGS84")
        lat0, lng0 = CLOCK_TOWER
        inside = [r for r in reference if r[1] is not None
                  and abs(r[1] - lat0) < 0.03 and abs(r[2] - lng0) < 0.05
                  and geod.inv(lng0, lat0, r[2], r[1])[2] <= ONE_MILE]
        crimes = api.get_crimes_point(lat0, lng0, date=MONTH)
        check(len(crimes) == len(inside) and len(inside) > 1000, f"get_crimes_point: {len(crimes)} crimes within a mile, CSV says {len(inside)}")
        burglaries = api.get_crimes_point(lat0, lng0, date=MONTH, category="burglary")
        check(len(burglaries) == sum(1 for r in inside if r[3] == "burglary"), "get_crimes_point with a category")
        check(sum(1 for c in crimes if c.location.is_btp()) == sum(1 for r in inside if r[0] == "btp"), "BTP crimes say so (location_type)")

        # A rectangle, POSTed as police-api-client does with polygons.
        box = [(52.625, -1.145), (52.640, -1.145), (52.640, -1.120), (52.625, -1.120)]
        area = api.get_crimes_area(box, date=MONTH)
        expected = sum(1 for r in reference if r[1] is not None and 52.625 <= r[1] <= 52.640 and -1.145 <= r[2] <= -1.120)
        check(len(area) == expected and expected > 100, f"get_crimes_area (POST): {len(area)}, CSV says {expected}")

        location = crimes[0].location
        at = api.get_crimes_location(location.id, date=MONTH)
        same = [r for r in reference if r[1] == float(location.latitude) and r[2] == float(location.longitude)]
        check(len(at) == len(same) and all(c.location.id == location.id for c in at), "get_crimes_location: that map point's crimes")

        nolocation = api.get_crimes_no_location("leicestershire", date=MONTH)
        expected = sum(1 for r in reference if r[0] == "leicestershire" and r[1] is None)
        check(len(nolocation) == expected and expected > 0, f"get_crimes_no_location: {len(nolocation)}, CSV says {expected}")
    finally:
        server.terminate()
        code = server.wait(timeout=30)
        check(code == 0, f"serve stops cleanly on SIGTERM (exit {code})")
        shutil.rmtree(mirror, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("police-api-client against geoquery serve: all checks passed")


if __name__ == "__main__":
    main()
