#!/usr/bin/env bash
# Issue 10 part 1, side by side in one run: geoquery batch --fields total,by_category --jobs 1 and
# the shapely and PostGIS peers, on the radius set (queries.jsonl) and the real areas (areas.jsonl).
# Usage: ./batch_side_by_side.sh GEOQUERY MIRROR     (areas.jsonl is written by areas.py if missing)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE"
[ -f areas.jsonl ] || python3 areas.py
python3 shapely_peer.py
python3 shapely_peer.py areas.jsonl
./postgis_peer.sh | grep '^postgis'
./postgis_peer.sh areas.jsonl | grep '^postgis'
python3 batch_peers.py "$1" "$2" --fields total,by_category --jobs 1
