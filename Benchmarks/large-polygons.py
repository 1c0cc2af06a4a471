#!/usr/bin/env python3
"""Seeded large test polygons for the CLI timings in BENCHMARKS.md ("Very large polygons").

    python3 Benchmarks/large-polygons.py 200000 /tmp/polygons

writes comb<N>.poly (a comb like LargePolygonTests': a straight base under N-2 random teeth
2 micro-degrees apart, over Leicester), blob<N>.poly / blob<N>.wkt (a smooth 7-lobed ring,
9 decimals) and star<N>.wkt (N long spikes in every direction, 6 decimals).
"""
import math, os, random, sys

n = int(sys.argv[1])
out = sys.argv[2] if len(sys.argv) > 2 else "."
os.makedirs(out, exist_ok=True)
lat0, lng0 = 52.6297, -1.1316

random.seed(14)
west, base = -1_330_000, 52_580_000
top = [2 * random.randint(26_300_000, 26_350_000) + (k % 2) for k in range(n - 2)]
east = west + (len(top) - 1) * 2
d = lambda e6: f"{e6 / 1e6:.6f}"
comb = [f"{d(base)},{d(west)}", f"{d(base)},{d(east)}"] + [f"{d(top[k])},{d(west + 2 * k)}" for k in range(len(top) - 1, -1, -1)]
open(f"{out}/comb{n}.poly", "w").write(":".join(comb))

blob = []
for i in range(n):
    a = 2 * math.pi * i / n
    r = 0.2 * (1 + 0.1 * math.sin(7 * a))
    blob.append((lat0 + r * math.sin(a) * 0.6, lng0 + r * math.cos(a)))
open(f"{out}/blob{n}.poly", "w").write(":".join(f"{la:.9f},{lo:.9f}" for la, lo in blob))
open(f"{out}/blob{n}.wkt", "w").write("POLYGON((" + ", ".join(f"{lo:.9f} {la:.9f}" for la, lo in blob + blob[:1]) + "))")

random.seed(7)
star = []
for i in range(n):
    a = 2 * math.pi * i / n
    r = (0.03 if i % 2 else 0.06) * (1 + 0.3 * random.random())
    star.append((lat0 + r * math.sin(a) * 0.6, lng0 + r * math.cos(a)))
open(f"{out}/star{n}.wkt", "w").write("POLYGON((" + ", ".join(f"{lo:.6f} {la:.6f}" for la, lo in star + star[:1]) + "))")
