#!/usr/bin/env python3
"""Docker daemons that answer /_ping and fail a later call, on unix
sockets, for tests/cli/ships-exit.sh (issue 11 item 15).

usage: half-daemon.py DIR
Serves DIR/MODE.sock for each mode below and DIR/good.sock (answers
everything), writes DIR/ready, and runs until killed.
  badjson  /version answers 200 with malformed JSON
  html     /version answers 200 with an HTML page
  old      /version says API 1.12
  auth     /info answers 401
  list     the container list answers 500
"""
import json
import os
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler

MODES = ["good", "badjson", "html", "old", "auth", "list"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"

    def send(self, code, body, ctype="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        p, mode = self.path, self.server.mode
        if p == "/_ping":
            self.send(200, "OK", "text/plain")
        elif p.endswith("/version"):
            if mode == "badjson":
                self.send(200, '{"Version": "20.10", "ApiVersion": ')
            elif mode == "html":
                self.send(200, "<html><body>proxy login</body></html>", "text/html")
            else:
                api = "1.12" if mode == "old" else "1.41"
                self.send(200, json.dumps({"Version": "20.10", "ApiVersion": api}))
        elif p.endswith("/info"):
            if mode == "auth":
                self.send(401, json.dumps({"message": "authentication required"}))
            else:
                self.send(200, json.dumps({"Containers": 2}))
        elif "/containers/json" in p:
            if mode == "list":
                self.send(500, json.dumps({"message": "database is locked"}))
            else:
                self.send(200, "[]")
        else:
            self.send(404, json.dumps({"message": "no"}))


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


d = sys.argv[1]
for m in MODES:
    path = os.path.join(d, m + ".sock")
    if os.path.exists(path):
        os.unlink(path)
    s = Server(path, Handler)
    s.mode = m
    threading.Thread(target=s.serve_forever, daemon=True).start()
open(os.path.join(d, "ready"), "w").close()
threading.Event().wait()
