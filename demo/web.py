#!/usr/bin/python3
"""A demo real server: answers every GET with "hello from NAME" over
HTTP/1.1 with keep-alive, one thread per connection.

    web.py NAME [PORT]
"""

import http.server
import sys


class Hello(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep connections open between requests

    def do_GET(self):
        body = ("hello from %s\n" % self.server.name).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    srv = http.server.ThreadingHTTPServer(
        ("0.0.0.0", int(sys.argv[2]) if len(sys.argv) > 2 else 80), Hello)
    srv.daemon_threads = True
    srv.name = sys.argv[1]
    srv.serve_forever()


if __name__ == "__main__":
    main()
