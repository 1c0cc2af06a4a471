"""The server's memory with clients that ask for long listings and do not read them, and its CPU
after clients that ask and leave at once (2026-12-07).

usage: python3 slow-readers.py GEOQUERY_BINARY [CLIENTS]   (serves /tmp/m1, the real archive with boundaries)
Starts `geoquery serve` on a free loopback port. Then:
1. CLIENTS (default 20) connections each send one GET for a large crimes-street listing (a box of
   central England, one month, ~85 MB of JSON) and read nothing for 20 s; the server's resident
   memory (VmRSS, VmHWM) is read from /proc, and a /v1/query probe is timed meanwhile.
2. The connections close; the server's CPU time over the next 10 s is read from /proc.
3. CLIENTS more connections send the same GET and close at once; the server's CPU time over the
   next 20 s says how much work it did for clients that had gone.
Stops the server.
"""
import re, socket, subprocess, sys, time, urllib.request

binary = sys.argv[1]
clients = int(sys.argv[2]) if len(sys.argv) > 2 else 20
p = subprocess.Popen([binary, "serve", "--mirror", "/tmp/m1", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
port = None
t0 = time.time()
while port is None and time.time() - t0 < 60:
    m = re.search(r"127\.0\.0\.1:(\d+)", p.stdout.readline())
    if m: port = int(m.group(1))
import threading
threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
base = f"http://127.0.0.1:{port}"
heavy = "/api/crimes-street/all-crime?poly=54,-3:54,1:51,1:51,-3&date=2019-01"

def status():
    fields = {}
    for line in open(f"/proc/{p.pid}/status"):
        k, _, v = line.partition(":")
        fields[k] = v.strip()
    return fields

def cpu_seconds():
    parts = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / 100  # utime + stime, clock ticks of 1/100 s

def probe():
    s = time.time(); urllib.request.urlopen(base + "/v1/query?lat=52.6344&lng=-1.1313&radius=800m", timeout=120).read(); return time.time() - s

def ask(close_at_once):
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.sendall(f"GET {heavy} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    if close_at_once: c.close(); return None
    return c

probe()
rss0 = status()["VmRSS"]
held = [ask(False) for _ in range(clients)]
time.sleep(10)
during = probe()
time.sleep(10)
st = status()
print(f"{binary}: {clients} clients not reading: VmRSS {rss0} before, {st['VmRSS']} after 20 s (VmHWM {st['VmHWM']}); probe during {during * 1000:.0f} ms")
for c in held: c.close()
c0 = cpu_seconds(); time.sleep(10)
print(f"  after they closed: {cpu_seconds() - c0:.2f} s of CPU in the next 10 s; VmRSS {status()['VmRSS']}")
c0 = cpu_seconds()
for _ in range(clients): ask(True)
time.sleep(20)
print(f"  {clients} clients that asked and left at once: {cpu_seconds() - c0:.2f} s of CPU in the next 20 s; VmRSS {status()['VmRSS']}; probe {probe() * 1000:.0f} ms")
p.terminate(); p.wait()
