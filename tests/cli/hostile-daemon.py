#!/usr/bin/env python3
"""Docker daemons that lie, on unix sockets, for tests/cli/escape.sh and
tests/cli/ships-exit.sh.

usage: hostile-daemon.py DIR
Serves DIR/evil.sock (a Version with ESC, CR and LF, or with
EVIL_VERSION_SIZE=N one of N bytes), DIR/err.sock (every call fails
with a message that draws on the terminal), and daemons that answer
/_ping and then fail one later call: DIR/badjson.sock (/version is
malformed JSON), DIR/html.sock (/version is an HTML page), DIR/old.sock
(API 1.12), DIR/auth.sock (/info answers 401), DIR/list.sock (the
container list answers 500); DIR/good.sock answers everything.  Writes
DIR/ready, and runs until killed.
"""
import json
import os
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler

VERSION = "20.10\x1b[31m\r\nfake  unix  reachable\x1b[0m"
if os.environ.get("EVIL_VERSION_SIZE"):
    VERSION = "v" * int(os.environ["EVIL_VERSION_SIZE"])
MESSAGE = "\x1b]0;owned\x07\nmaestro: all ships fine\x1b[2K"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"

    def send(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Api-Version", "1.41")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        p = self.path
        if self.server.mode == "err":
            self.send(500, json.dumps({"message": MESSAGE}))
            return
        mode = self.server.mode
        if p == "/_ping":
            self.send(200, "OK", "text/plain")
        elif p.endswith("/version") and mode == "badjson":
            self.send(200, '{"Version": "20.10", "ApiVersion": ')
        elif p.endswith("/version") and mode == "html":
            self.send(200, "<html><body>proxy login</body></html>", "text/html")
        elif p.endswith("/version"):
            self.send(200, json.dumps({"Version": VERSION if mode == "evil" else "20.10",
                                       "ApiVersion": "1.12" if mode == "old" else "1.41",
                                       "MinAPIVersion": "1.12"}))
        elif p.endswith("/info") and mode == "auth":
            self.send(401, json.dumps({"message": "authentication required"}))
        elif p.endswith("/info"):
            self.send(200, json.dumps({"Containers": 3}))
        elif "/containers/json" in p and mode == "list":
            self.send(500, json.dumps({"message": "database is locked"}))
        elif "/containers/json" in p:
            self.send(200, "[]")
        else:
            self.send(404, json.dumps({"message": "no"}))


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def serve(path, mode):
    if os.path.exists(path):
        os.unlink(path)
    s = Server(path, Handler)
    s.mode = mode
    threading.Thread(target=s.serve_forever, daemon=True).start()


d = sys.argv[1]
for m in ["evil", "err", "good", "badjson", "html", "old", "auth", "list"]:
    serve(os.path.join(d, m + ".sock"), m)
open(os.path.join(d, "ready"), "w").close()
threading.Event().wait()
