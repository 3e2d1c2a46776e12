#!/usr/bin/env python3
"""A webhook receiver for the tests: verifies Atsbridge-Signature
(t=TIMESTAMP,v1=HEX(HMAC-SHA256(secret, "TIMESTAMP." + body))), refuses a
bad or stale one with 401, fails the first --fail-first deliveries with
500, and appends each accepted body as one line to --out.  Prints
"listening on PORT" once ready; serves until killed."""
import argparse
import hashlib
import hmac
import http.server
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--secret", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--fail-first", type=int, default=0)
args = ap.parse_args()
state = {"seen": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        sig = self.headers.get("Atsbridge-Signature", "")
        parts = dict(p.split("=", 1) for p in sig.split(",") if "=" in p)
        ts = parts.get("t", "0")
        want = hmac.new(args.secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, parts.get("v1", "")) and abs(time.time() - int(ts)) < 300
        state["seen"] += 1
        if not ok:
            with open(args.out + ".bad", "ab") as f:
                f.write(body + b"\n")
            self.send_response(401)
        elif state["seen"] <= args.fail_first:
            self.send_response(500)
        else:
            with open(args.out, "ab") as f:
                f.write(body + b"\n")
            self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print("listening on %d" % srv.server_address[1], flush=True)
srv.serve_forever()
