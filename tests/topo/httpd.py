"""A test HTTP server: answers with the status and body written in a
control file, or stalls, so tests can flip a real server's health.

    httpd.py PORT CONTROL_FILE

CONTROL_FILE holds "STATUS BODY" (e.g. "200 ok", "503 down"), "stall"
(accept, read, never answer) or "weight N" (200 with X-Weight: N).
"""

import http.server
import socketserver
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2]) as f:
            mode = f.read().strip()
        if mode == "stall":
            time.sleep(3600)
            return
        if mode.startswith("weight "):
            self.send_response(200)
            self.send_header("X-Weight", mode.split()[1])
            body = b"ok\n"
        else:
            status, _, text = mode.partition(" ")
            self.send_response(int(status))
            body = (text + "\n").encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
