"""Health checks driving the real kernel's IPVS weights (inside the VM):
a real server whose HTTP service stops goes to weight 0 in `ipvsadm -Ln`
within interval x fall + timeout, clients stop reaching it, it stays at 0
across reloads (whether they carry its check over or match it again), and
it comes back when the service does.
"""

import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from test_vm_lb import CLIENT, ipvsadm, lab, director, nat_lab, serve, \
    wait_http, wait_synced  # noqa: E402,F401

if os.geteuid() != 0 or not os.path.exists("/proc/net/ip_vs"):
    pytest.skip("needs the IPVS VM (run via tests/vm/run-tests)",
                allow_module_level=True)


def weight_of(lab, rs):
    m = re.search(r"-> %s:80\s+\S+\s+(\d+)" % re.escape(rs),
                  ipvsadm(lab, "lb1", "-Ln"))
    return int(m.group(1)) if m else None


def test_weight_follows_http_health(lab, director, tmp_path):
    procs = nat_lab(lab, tmp_path)
    wait_http(lab, "lb1", "http://198.51.100.11/")
    wait_http(lab, "lb1", "http://198.51.100.12/")
    check = ('check = { type = "http"; interval = 0.5; timeout = 0.3; '
             'rise = 1; fall = 2; };')
    conf = """virtual_servers = ( { name = "web"; address = "192.0.2.100";
      port = 80; scheduler = "rr"; real_servers = (
        { address = "198.51.100.11"; %s },
        { address = "198.51.100.12"; %s } ); },
      { name = "other"; address = "192.0.2.100"; port = 8080;
        real_servers = ( { address = "198.51.100.11"; weight = 1; } ); } );
      """ % (check, check)
    d = director("lb1", conf)
    wait_synced(d, 1)
    assert weight_of(lab, "198.51.100.12") == 1
    # web2's service stops.
    procs["web2"].terminate()
    procs["web2"].wait(10)
    t0 = time.monotonic()
    deadline = t0 + 10
    while time.monotonic() < deadline and \
            weight_of(lab, "198.51.100.12") != 0:
        time.sleep(0.05)
    took = time.monotonic() - t0
    assert weight_of(lab, "198.51.100.12") == 0, d.log()
    # interval x fall + timeout = 1.3 s; the guest is slow: allow 3 s.
    assert took < 3.0, took
    assert "real server 198.51.100.12:80 of vs web: UP -> DOWN" in d.log()
    # directorctl ipvs says why: the kernel weight, the wanted one, health.
    mine = d.ctl("ipvs").stdout
    assert re.search(r"198\.51\.100\.12:80\s+Masq\s+0 .*# want 0 \(down\)",
                     mine), mine
    assert re.search(r"198\.51\.100\.11:80\s+Masq\s+1 .*# want 1 \(up\)",
                     mine), mine
    dests = {x["address"]: x["health"] for x in
             d.ctl_json("ipvs")["services"][0]["destinations"]}
    assert dests == {"198.51.100.11": "up", "198.51.100.12": "down"}, dests
    out = lab.exec("client", "python3", "-c", CLIENT, "192.0.2.100", "20",
                   timeout=120).stdout
    assert eval(out) == {"web1": 20}, out
    # Reloads while web2 is down: one that leaves web alone (its checks
    # and their state are carried over), one that changes web (its checks
    # are matched again): right after each sync the weight is still 0.
    for old, new in (("weight = 1; } ); } );", "weight = 2; } ); } );"),
                     ('scheduler = "rr";', 'scheduler = "wrr";')):
        syncs = d.ctl_json("ipvs")["engine"]["syncs"]
        conf = conf.replace(old, new)
        d.write_config(conf)
        assert "reload OK" in d.ctl("reload").stdout
        wait_synced(d, syncs + 1)
        assert weight_of(lab, "198.51.100.12") == 0, (new, d.log())
        assert "1 of 2 virtual servers parsed" in d.log(), d.log()
    # The service comes back, and so does the weight.
    serve(lab, "web2", tmp_path / "again", "web2")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and \
            weight_of(lab, "198.51.100.12") != 1:
        time.sleep(0.05)
    assert weight_of(lab, "198.51.100.12") == 1, d.log()
