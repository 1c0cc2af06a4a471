"""A stand-in API that takes its time: lists 2019-01 at once, then answers every crimes request
(GET or POST) with an empty list after DELAY seconds. For measuring what the harvester costs
while it waits (BENCHMARKS.md, "The harvester's CPU while it waits").

    python3 slow_api.py PORT DELAY
"""
import http.server
import sys
import time


class SlowAPI(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if "crimes-street-dates" in self.path:
            body = b'[{"date":"2019-01","stop-and-search":[]}]'
        else:
            time.sleep(float(sys.argv[2]))
            body = b"[]"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), SlowAPI).serve_forever()
