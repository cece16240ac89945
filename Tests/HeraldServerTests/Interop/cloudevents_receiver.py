#!/usr/bin/env python3
"""A webhook receiver written with the CloudEvents Python SDK, run by WebhookTests.

Usage: cloudevents_receiver.py accept|refuse

Listens on a free loopback port and prints `PORT <n>`. Answers the CloudEvents Web Hook validation
handshake (OPTIONS with WebHook-Request-Origin): `accept` allows the origin, `refuse` answers 403. Each
POSTed event is read with the SDK (`from_http`, binary or structured) and printed as `EVENT <json>` in the
SDK's JSON format; the answer is 200. Stops when its standard input closes.
"""
import http.server
import sys
import threading

from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.formats.json import JSONFormat

MODE = sys.argv[1]
FORMAT = JSONFormat()


class Receiver(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_OPTIONS(self):
        origin = self.headers.get("WebHook-Request-Origin")
        if MODE == "accept" and origin:
            self.send_response(200)
            self.send_header("WebHook-Allowed-Origin", origin)
            self.send_header("WebHook-Allowed-Rate", "6000")
        else:
            self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()
        print("OPTIONS", origin, flush=True)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        event = from_http(HTTPMessage(headers=headers, body=body), FORMAT)
        print("EVENT", FORMAT.write(event).decode(), flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
print("PORT", server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
