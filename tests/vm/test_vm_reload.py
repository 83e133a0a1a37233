"""A reload disturbs nothing (inside the VM): while a client keeps a
steady stream of HTTP requests and a long-lived TCP connection through
the VIP, the config is reloaded 50 times with changes to other services:
no failed request, no broken connection, no VRRP transition, and the
untouched service's counters only grow.
"""

import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_vm_lb import lab, director, nat_lab, wait_http, \
    wait_synced  # noqa: E402,F401

if os.geteuid() != 0 or not os.path.exists("/proc/net/ip_vs"):
    pytest.skip("needs the IPVS VM (run via tests/vm/run-tests)",
                allow_module_level=True)

BASE = """
vrrp_instances = ( { name = "VI_1"; interface = "eth0";
  virtual_router_id = 51; priority = 150; advert_interval = 0.1;
  virtual_addresses = ( "192.0.2.100/24" ); } );
virtual_servers = (
  { name = "web"; address = "192.0.2.100"; port = 80; scheduler = "rr";
    real_servers = ( { address = "198.51.100.11"; },
                     { address = "198.51.100.12"; } ); },
  { name = "echo"; address = "192.0.2.100"; port = 9000;
    real_servers = ( { address = "198.51.100.11"; } ); }%s
);
"""

ECHO = r"""
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9000)); s.listen(16)
def echo(c):
    while True:
        d = c.recv(100)
        if not d:
            return
        c.sendall(d)
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
"""

CLIENT = r"""
import json, os, socket, sys, time, urllib.request
stop = sys.argv[1]
ok = fail = echoes = echo_err = 0
conn = socket.create_connection(("192.0.2.100", 9000), timeout=5)
last_echo = 0
while not os.path.exists(stop):
    try:
        urllib.request.urlopen("http://192.0.2.100/", timeout=5).read()
        ok += 1
    except OSError:
        fail += 1
    if time.monotonic() - last_echo > 0.1:
        last_echo = time.monotonic()
        try:
            conn.sendall(b"ping")
            if conn.recv(100) != b"ping":
                echo_err += 1
            else:
                echoes += 1
        except OSError:
            echo_err += 1
print(json.dumps(dict(ok=ok, fail=fail, echoes=echoes, echo_err=echo_err)))
"""


def other(i):
    """Changes to services other than web and echo, different each time."""
    extra = ""
    for k in range(i % 4):
        extra += (',\n  { name = "o%d"; address = "192.0.2.100"; '
                  'port = %d; real_servers = ( { address = "198.51.100.12";'
                  ' weight = %d; } ); }' % (k, 8000 + k, 1 + i % 3))
    return BASE % extra


def web_conns(d):
    svc = [s for s in d.ctl_json("ipvs", "--stats")["services"]
           if s["name"] == "web"][0]
    return svc["stats"]["conns"]


def test_fifty_reloads_disturb_nothing(lab, director, tmp_path):
    nat_lab(lab, tmp_path, vip=False)
    lab.popen("web1", "python3", "-c", ECHO)
    wait_http(lab, "lb1", "http://198.51.100.11/")
    wait_http(lab, "lb1", "http://198.51.100.12/")
    d = director("lb1", other(0))
    wait_synced(d, 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and \
            d.ctl_json("vrrp")["instances"][0]["state"] != "MASTER":
        time.sleep(0.1)
    transitions = d.ctl_json("vrrp")["instances"][0]["counters"][
        "transitions"]
    stop = tmp_path / "stop"
    client = lab.popen_pipe("client", "python3", "-c", CLIENT, str(stop))
    time.sleep(1)
    samples = [web_conns(d)]
    syncs = d.ctl_json("ipvs")["engine"]["syncs"]
    for i in range(1, 51):
        d.write_config(other(i))
        d.ctl("reload")
        syncs += 1
        wait_synced(d, syncs)
        if i % 10 == 0:
            samples.append(web_conns(d))
    time.sleep(1)
    stop.write_text("")
    out, _ = client.communicate(timeout=60)
    res = json.loads(out)
    assert res["fail"] == 0 and res["echo_err"] == 0, res
    assert res["ok"] > 50 and res["echoes"] > 10, res
    inst = d.ctl_json("vrrp")["instances"][0]
    assert inst["state"] == "MASTER"
    assert inst["counters"]["transitions"] == transitions
    assert d.ctl_json("status")["generation"] == 51
    # The web service was never re-created: its counters only grew.
    assert samples == sorted(samples), samples
