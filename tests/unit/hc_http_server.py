#!/usr/bin/python3
"""HTTP, HTTPS and mutual-TLS servers on 127.0.0.1 for test_hc_http.

Usage: hc_http_server.py CERT KEY

Binds three ephemeral ports on 127.0.0.1 and prints them on one line
("HTTP HTTPS MTLS"), then serves until killed. The mTLS server asks for a
client certificate signed by CERT (the test reuses the self-signed one).
"""
import http.server
import ssl
import sys
import threading
import time

BIG = 10 * 1024 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        p = self.path
        if p == "/":
            self.reply(200, b"ok")
        elif p.startswith("/status/"):
            self.reply(int(p[8:]), b"status page")
        elif p == "/weight":
            self.reply(200, b"ok", [("X-Weight", "7")])
        elif p == "/redirect":
            self.reply(302, b"", [("Location", "/")])
        elif p == "/echo":
            host = self.headers.get("Host", "")
            self.reply(200, ("%s host=%s" % (self.command, host)).encode())
        elif p == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(BIG // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif p == "/stall":
            time.sleep(30)
        elif p == "/junk":
            self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
        elif p == "/close":
            pass
        else:
            self.reply(404, b"not found")

    do_GET = route
    do_HEAD = route
    do_DELETE = route


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request, client_address):
        pass    # failed handshakes and resets are what the tests provoke


def tls_server(cert, key, client_ca):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    srv = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)
    srv.server_bind()
    srv.server_activate()
    return srv


def main():
    cert, key = sys.argv[1], sys.argv[2]
    servers = [Server(("127.0.0.1", 0), Handler),
               tls_server(cert, key, None),
               tls_server(cert, key, cert)]
    print(" ".join(str(s.server_address[1]) for s in servers), flush=True)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
