#!/usr/bin/env bash
# Issue 10 part 6: the peers at national scale, side by side in one run. shapely, DuckDB and
# PostGIS load the national archive's CSVs (CRIME_DATA) and answer the radius set; shapely and
# PostGIS also the real areas; then geoquery batch answers both sets from MIRROR (the same CSVs
# ingested) and its totals are compared with shapely's. Results go to $PEER_RESULTS (default
# /tmp/geoquery-peers-national), never over the real archive's committed results.
# Usage: ./national_side_by_side.sh GEOQUERY MIRROR NATIONAL_ARCHIVE_DIR
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE"
[ $# -eq 3 ] || { echo "usage: $0 GEOQUERY MIRROR NATIONAL_ARCHIVE_DIR" >&2; exit 2; }
[ -f areas.jsonl ] || python3 areas.py          # from the real boundaries, before CRIME_DATA changes
export CRIME_DATA="$3" PEER_RESULTS="${PEER_RESULTS:-/tmp/geoquery-peers-national}"
export PGDATA="${PGDATA:-/tmp/geoquery-peers-pg-national}"
python3 shapely_peer.py
python3 shapely_peer.py areas.jsonl
python3 duckdb_peer.py
./postgis_peer.sh | grep '^postgis'
./postgis_peer.sh areas.jsonl | grep '^postgis'
python3 batch_peers.py "$1" "$2" --fields total,by_category --jobs 1
# Every engine against the others on all lines, and against a brute force over the first 20 queries.
python3 crosscheck.py 20
