"""Slow but steady readers of an 85 MB crimes-street listing from `geoquery serve` on /tmp/m1 with the
default 30 s idle timeout (2026-12-07): five readers at the rates given (bytes/s), each for 80 s;
prints the socket memory `ss` shows for the server side (tb: the send buffer) and whether each
reader was still being served.

usage: python3 slow-rates.py GEOQUERY_BINARY [RATE ...]
"""
import socket, time, threading, subprocess, sys
from served import start
p, port = start(sys.argv[1])
big = "/api/crimes-street/all-crime?poly=54,-3:54,1:51,1:51,-3&date=2019-01"
res = {}
def run(rate, limit=80):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(120)
    s.sendall(f"GET {big} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    t0 = time.time(); got = 0
    while time.time() - t0 < limit:
        d = s.recv(4096)
        if not d: res[rate] = f"closed after {time.time()-t0:.1f} s, {got} bytes"; return
        got += len(d); time.sleep(len(d) / rate)
    res[rate] = f"open after {limit} s, {got} bytes"; s.close()
ts = [threading.Thread(target=run, args=(r,)) for r in [int(x) for x in (sys.argv[2:] or ["1000", "2000", "4000", "8000", "25000"])]]
for t in ts: t.start()
time.sleep(5)
print(subprocess.run(["ss", "-tmn", "sport", "=", f":{port}"], capture_output=True, text=True).stdout[:1500])
for t in ts: t.join()
for k in sorted(res): print(f"{k/1000:.0f} KB/s: {res[k]}")
p.terminate(); p.wait()
