"""A gate in front of the MESH sandbox, for RehabCount's fault tests: it passes every request through to the sandbox,
except those a rule names, which it stops at a chosen moment.

    mesh_gate.py UPSTREAM EVENTS [--port N] [--hold-before M:RE] [--hold-after M:RE] [--answer M:RE:STATUS]
                 [--cut M:RE:BYTES]

    --hold-before M:RE    a request whose method is M and whose path matches RE is never sent on, nor answered
    --hold-after M:RE     ... is sent on, MESH's answer is read, and the client is never answered
    --answer M:RE:STATUS  ... is answered STATUS by the gate, without reaching MESH
    --cut M:RE:BYTES      ... is sent on; BYTES of MESH's answer reach the client, then the gate stops at once,
                          as a MESH server that stopped would: the connection drops, and no one is listening

Each line of EVENTS says what happened: "ready PORT" once listening, then "held METHOD PATH", "answered …" or
"cut …". It listens on 127.0.0.1, on PORT or a free port.
"""

import argparse
import http.client
import http.server
import os
import re
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


def rule(text: str, with_value: bool):
    """METHOD:REGEX, or METHOD:REGEX:NUMBER with a value."""
    method, _, rest = text.partition(":")
    pattern, value = rest.rsplit(":", 1) if with_value else (rest, None)
    if not method or not pattern:
        raise SystemExit(f"mesh_gate: bad rule {text}")
    return method.upper(), re.compile(pattern), int(value) if with_value else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("upstream")
    parser.add_argument("events")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--hold-before", action="append", default=[])
    parser.add_argument("--hold-after", action="append", default=[])
    parser.add_argument("--answer", action="append", default=[])
    parser.add_argument("--cut", action="append", default=[])
    args = parser.parse_args()
    rules = (
        [("hold-before", *rule(r, False)) for r in args.hold_before]
        + [("hold-after", *rule(r, False)) for r in args.hold_after]
        + [("answer", *rule(r, True)) for r in args.answer]
        + [("cut", *rule(r, True)) for r in args.cut]
    )
    upstream = urllib.parse.urlsplit(args.upstream)
    lock = threading.Lock()

    def event(line: str) -> None:
        with lock, open(args.events, "a") as events:
            events.write(line + "\n")

    class Gate(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def forward(self, body: bytes):
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Host"] = upstream.netloc
            connection.request(self.command, self.path, body=body if body else None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            connection.close()
            return response, data

        def reply(self, status: int, headers, data: bytes, length: int) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            self.wfile.flush()

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urllib.parse.urlsplit(self.path).path
            match = next((r for r in rules if r[1] == self.command and r[2].search(path)), None)
            what = match[0] if match else "pass"
            if what == "hold-before":
                event(f"held {self.command} {path}")
                while True:
                    time.sleep(3600)
            if what == "answer":
                event(f"answered {self.command} {path} {match[3]}")
                self.reply(match[3], [("Content-Type", "application/json")], b'{"detail":"gate"}', 17)
                return
            response, data = self.forward(body)
            if what == "hold-after":
                event(f"held {self.command} {path} {response.status}")
                while True:
                    time.sleep(3600)
            if what == "cut":
                self.reply(response.status, response.getheaders(), data[: match[3]], len(data))
                event(f"cut {self.command} {path}")
                os._exit(0)
            self.reply(response.status, response.getheaders(), data, len(data))

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Gate)
    server.daemon_threads = True
    event(f"ready {server.server_address[1]}")
    server.serve_forever()


if __name__ == "__main__":
    main()
