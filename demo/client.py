#!/usr/bin/python3
"""Demo clients, run in the client namespace.

    client.py count URL N
        N requests, one connection each; prints {"web1": n, ...}.
    client.py loop URL LOG STOP
        A request every 50 ms (a new connection each, 0.5 s timeout) until
        the file STOP exists; appends "START_NS END_NS ok|fail WHO" per
        request to LOG as it goes.
    client.py hold HOST PORT LOG GO
        One HTTP/1.1 connection kept open: a request now, another on the
        same connection once the file GO exists; writes its local port to
        LOG.port after the first, and one JSON object {"port": N,
        "first": WHO, "second": WHO or null, "error": ...} to LOG.
"""

import http.client
import json
import os
import sys
import time
import urllib.request


def who(body):
    return body.decode(errors="replace").strip().split()[-1]


def get(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return who(r.read())


def count(url, n):
    hits = {}
    for _ in range(int(n)):
        w = get(url, 5)
        hits[w] = hits.get(w, 0) + 1
    print(json.dumps(hits, sort_keys=True))


def loop(url, log, stop):
    with open(log, "a", buffering=1) as out:
        while not os.path.exists(stop):
            t0 = time.time_ns()
            try:
                res = "ok " + get(url, 0.5)
            except Exception:
                res = "fail -"
            out.write("%d %d %s\n" % (t0, time.time_ns(), res))
            time.sleep(0.05)


def hold(host, port, log, go):
    res = {"port": None, "first": None, "second": None, "error": None}
    try:
        c = http.client.HTTPConnection(host, int(port), timeout=5)
        c.request("GET", "/")
        res["first"] = who(c.getresponse().read())
        res["port"] = c.sock.getsockname()[1]
        with open(log + ".port", "w") as out:
            out.write("%d\n" % res["port"])
        deadline = time.monotonic() + 300
        while not os.path.exists(go) and time.monotonic() < deadline:
            time.sleep(0.05)
        c.request("GET", "/")
        res["second"] = who(c.getresponse().read())
    except Exception as e:
        res["error"] = "%s: %s" % (type(e).__name__, e)
    with open(log, "w") as out:
        json.dump(res, out)


if __name__ == "__main__":
    {"count": count, "loop": loop, "hold": hold}[sys.argv[1]](*sys.argv[2:])
