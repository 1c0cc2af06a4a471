"""`geoquery serve` on a free loopback port for the scripts here: start(binary) returns the
process and its port once it listens, its log drained on a thread so it never blocks."""
import re, subprocess, threading, time


def start(binary, mirror="/tmp/m1", wait=60):
    p = subprocess.Popen([binary, "serve", "--mirror", mirror, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t0 = time.time()
    while time.time() - t0 < wait:
        m = re.search(r"127\.0\.0\.1:(\d+)", p.stdout.readline())
        if m:
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, int(m.group(1))
    p.terminate()
    raise SystemExit(f"{binary} serve did not start within {wait} s")
