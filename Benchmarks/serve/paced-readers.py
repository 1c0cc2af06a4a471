"""Four readers of long answers at once, against `geoquery serve` on /tmp/m1 with the default 30 s
idle timeout (2026-12-07): a steady 30 KB/s reader of an 85 MB listing, a reader of an 8 MB
listing pausing 20 s after each MB, a 6.8 MB catchment GeoJSON read at 100 KB/s, and a reader that
reads 10 KB and stops for 40 s. Prints how each ended.

usage: python3 paced-readers.py GEOQUERY_BINARY
"""
import socket, time, threading, sys
from served import start
p, port = start(sys.argv[1])
big = "/api/crimes-street/all-crime?poly=54,-3:54,1:51,1:51,-3&date=2019-01"
county = "/api/crimes-street/all-crime?poly=52.39,-1.60:52.98,-1.60:52.98,-0.66:52.39,-0.66&date=2019-01"
catch = "/v1/catchment?lat=52.6344&lng=-1.1313&radius=8mi&format=geojson"
res = {}
def run(name, path, rate=None, pauses=None, stall=False, limit=75):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(120)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    t0 = time.time(); got = 0; data = bytearray()
    try:
        while time.time() - t0 < limit:
            d = s.recv(16384 if rate else 65536)
            if not d: break
            got += len(d); data += d[-16:] if len(data) > 64 else d
            if stall and got > 10000: time.sleep(40); stall = False
            if rate: time.sleep(len(d) / rate)
            if pauses and got // 1_000_000 > pauses[0] and pauses[1] > 0:
                pauses[0] += 1; pauses[1] -= 1; time.sleep(20)
        else:
            res[name] = f"still open after {limit} s, {got} bytes (not cut)"; s.close(); return
    except Exception as e:
        res[name] = f"error {e}"; return
    res[name] = f"closed after {time.time()-t0:.1f} s, {got} bytes, ends {bytes(data[-7:])!r}"
ts = [threading.Thread(target=run, args=a, kwargs=k) for a, k in [
    (("steady30", big), {"rate": 30000}), (("paused", county), {"pauses": [0, 4]}),
    (("catch100", catch), {"rate": 100000, "limit": 120}), (("stalled", big), {"stall": True, "limit": 60})]]
for t in ts: t.start()
for t in ts: t.join()
for k, v in res.items(): print(k, v)
p.terminate(); p.wait()
