"""Write queries.jsonl: 2,000 seeded random radius queries over the crime archive.

centre  = exact lat/lng strings of a uniformly random located CSV row
          (files in sorted path order, rows in file order)
radius  = uniform 0.05-3 miles, in metres with 3 decimals
from/to = two random months present in the data, sorted
"""
import json, os, random, sys
from common import HERE, MILE, iter_rows

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000

located, months = [], set()
for lat, lng, month, _ in iter_rows():
    months.add(month)
    if lat and lng:
        located.append((lat, lng))
months = sorted(months)

random.seed(42)
with open(os.path.join(HERE, "queries.jsonl"), "w") as f:
    for _ in range(N):
        lat, lng = random.choice(located)
        radius = random.uniform(0.05, 3.0) * MILE
        a, b = sorted((random.choice(months), random.choice(months)))
        line = f'{{"lat":{lat},"lng":{lng},"radius":"{radius:.3f}m","from":"{a}","to":"{b}"}}'
        json.loads(line)  # the raw CSV strings must be valid JSON numbers
        f.write(line + "\n")
print(f"{N} queries from {len(located)} located rows, {len(months)} months ({months[0]}..{months[-1]})")
