#!/usr/bin/env bash
# PostGIS peer: throwaway cluster on 127.0.0.1:54329 + unix socket, load, benchmark, stop.
# Prereq (root): apt-get update && apt-get install -y --no-install-recommends postgresql-15-postgis-3
#                pip install psycopg2-binary
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PGBIN=/usr/lib/postgresql/15/bin
PGDATA="${PGDATA:-/tmp/geoquery-peers-pg}"
PORT="${PGPORT:-54329}"
SOCK="$PGDATA/sock"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"; [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust >/dev/null
  mkdir -p "$SOCK"; [ "$(id -u)" = 0 ] && chown postgres: "$SOCK"
fi
# Benchmark-only settings: no durability needed; JIT off (it only adds latency to short queries).
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w start -o \
  "-p $PORT -c listen_addresses=127.0.0.1 -k $SOCK -c shared_buffers=512MB -c fsync=off \
   -c synchronous_commit=off -c full_page_writes=off -c jit=off"
trap 'as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w stop -m fast' EXIT
cd "$HERE"
python3 postgis_peer.py "host=$SOCK port=$PORT user=postgres dbname=postgres" "$@"
