"""A short query's latency while six long listings run (issue 13's hardening, 2026-12-07).

usage: python3 short-during-long.py GEOQUERY_BINARY   (serves /tmp/m1, the real archive with boundaries)
Starts `geoquery serve` on a free loopback port, times one force-sized crimes-street listing alone,
then six at once with three /v1/query probes sent 0.3 s after them, and stops the server.
"""
import subprocess, sys, time, threading, urllib.request, re
binary = sys.argv[1]
p = subprocess.Popen([binary, "serve", "--mirror", "/tmp/m1", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
port = None
t0 = time.time()
while port is None and time.time() - t0 < 60:
    line = p.stdout.readline()
    m = re.search(r"127\.0\.0\.1:(\d+)", line)
    if m: port = int(m.group(1))
threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
base = f"http://127.0.0.1:{port}"
def get(path):
    s = time.time(); urllib.request.urlopen(base + path, timeout=120).read(); return time.time() - s
get("/v1/info")
heavy = "/api/crimes-street/all-crime?poly=54,-3:54,1:51,1:51,-3&date=2019-01"
alone = get(heavy)
done = []
ts = [threading.Thread(target=lambda: done.append(get(heavy))) for _ in range(6)]
for t in ts: t.start()
time.sleep(0.3)
probes = [get("/v1/query?lat=52.6344&lng=-1.1313&radius=800m") for _ in range(3)]
for t in ts: t.join()
print(f"{binary}: heavy alone {alone:.2f} s; 6 heavy at once: {sorted(round(d,2) for d in done)}; probes during them: {[round(x,3) for x in probes]} s")
p.terminate(); p.wait()
