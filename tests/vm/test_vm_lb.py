"""director programming the real kernel's IPVS (runs INSIDE the VM).

What an operator checks with ipvsadm: the table equals the config; a
reload changes only what changed and leaves the other services' counters
running; a service deleted behind director's back comes back; stopping
director removes its services and keeps everyone else's; traffic through
the VIP is balanced as configured, in NAT and in DR mode; /metrics shows
each service and destination with the kernel's counters.
"""

import json
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
from lab import Director, Lab, run  # noqa: E402

if os.geteuid() != 0 or not os.path.exists("/proc/net/ip_vs"):
    pytest.skip("needs the IPVS VM (run via tests/vm/run-tests)",
                allow_module_level=True)

SERVICES = """
global = { ipvs = { drift_check_interval = 0; };
  metrics_listen = "127.0.0.1:9367"; };
virtual_servers = (
  { name = "web"; address = "192.0.2.100"; port = 80; scheduler = "wrr";
    real_servers = (
      { address = "198.51.100.11"; weight = 3; },
      { address = "198.51.100.12"; weight = 1; upper_threshold = 100;
        lower_threshold = 10; } ); },
  { name = "dns"; address = "192.0.2.100"; port = 53; protocol = "udp";
    scheduler = "rr"; one_packet = true;
    real_servers = ( { address = "198.51.100.11"; forwarding = "dr"; } ); },
  { name = "sticky"; address = "192.0.2.100"; port = 443; scheduler = "sh";
    scheduler_flags = [ "sh-port", "sh-fallback" ];
    persistence_timeout = 300; persistence_netmask = "255.255.255.0";
    real_servers = ( { address = "198.51.100.11"; forwarding = "tun"; },
      { address = "198.51.100.12"; forwarding = "tun";
        tunnel = { type = "gue"; port = 6080; checksum = "csum"; }; } ); },
  { name = "marked"; fwmark = 7; scheduler = "mh";
    scheduler_flags = [ "mh-port" ];
    real_servers = ( { address = "198.51.100.13"; port = 0; weight = 2; } ); },
  { name = "v6"; address = "2001:db8::100"; port = 80; scheduler = "lc";
    persistence_timeout = 60; persistence_netmask = 64;
    real_servers = ( { address = "2001:db8:1::11"; },
                     { address = "2001:db8:1::12"; forwarding = "tun";
                       tunnel = { type = "gre"; }; } ); }
);
"""


def ipvsadm(lab, host, *args):
    return lab.exec(host, "ipvsadm", *args).stdout


def table(text):
    """ipvsadm -Ln body as (service line, [dest lines]) in a set-like form."""
    lines = [ln.rstrip() for ln in text.splitlines()[3:] if ln.strip()]
    return [re.sub(r"\s+", " ", ln.split("#")[0].strip()) for ln in lines]


SCRAPE = ("import sys, urllib.request as u; sys.stdout.write(u.urlopen("
          "'http://127.0.0.1:9367/metrics', timeout=30).read().decode())")
# ipvsadm's service keys -> the names SERVICES gives them.
NAMES = {"TCP 192.0.2.100:80": "web", "UDP 192.0.2.100:53": "dns",
         "TCP 192.0.2.100:443": "sticky", "FWM 7": "marked",
         "TCP [2001:db8::100]:80": "v6"}
COUNTERS = (("director_ipvs_connections_total", None),
            ("director_ipvs_packets_total", "in"),
            ("director_ipvs_packets_total", "out"),
            ("director_ipvs_bytes_total", "in"),
            ("director_ipvs_bytes_total", "out"))


def metrics_ipvs(lab, host):
    """{(metric, vs, server, port, dir): value}: the per-service and
    per-destination IPVS series of a scrape of host's director."""
    text = lab.exec(host, "python3", "-c", SCRAPE, timeout=60).stdout
    out = {}
    for m in re.finditer(r"^(director_ipvs_(?:connections|packets|bytes)"
                         r"_total)\{(.*)\} (\d+)$", text, re.M):
        lbl = dict(re.findall(r'([a-z]+)="([^"]*)"', m.group(2)))
        assert set(lbl) <= {"vs", "server", "port", "dir"}, lbl
        key = (m.group(1), lbl["vs"], lbl.get("server"), lbl.get("port"),
               lbl.get("dir"))
        assert key not in out, key
        out[key] = int(m.group(3))
    return out


def kernel_ipvs(lab, host, names):
    """The same keys and values from ipvsadm -Ln --stats --exact, for the
    services in names (ipvsadm's key -> vs name)."""
    out, vs = {}, None
    for line in ipvsadm(lab, host, "-Ln", "--stats", "--exact").splitlines():
        f = line.split()
        if line.startswith("  -> ") and len(f) == 7 and vs is not None:
            server, port = f[1].rsplit(":", 1)
            where = (vs, server.strip("[]"), port)
        elif len(f) == 7 and f[0] in ("TCP", "UDP", "SCTP", "FWM"):
            vs = names.get(f[0] + " " + f[1])
            where = (vs, None, None)
        else:
            continue
        if where[0] is not None:
            for (name, way), n in zip(COUNTERS, f[2:]):
                out[(name,) + where + (way,)] = int(n)
    return out


def wait_synced(d, syncs, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        eng = d.ctl_json("ipvs")["engine"]
        if eng["syncs"] >= syncs and not eng["busy"]:
            return eng
        time.sleep(0.1)
    raise AssertionError("no IPVS sync %d within %ss:\n%s" %
                         (syncs, timeout, d.log()))


@pytest.fixture
def lab():
    lab = Lab("lb")
    try:
        yield lab
    finally:
        lab.destroy()


@pytest.fixture
def director(lab, tmp_path):
    made = []

    def start(host, text, name="d"):
        d = Director(lab, host, tmp_path, text, name=name).start()
        made.append(d)
        return d

    yield start
    for d in made:
        if d.proc is not None and d.proc.poll() is None:
            d.stop()
        assert d.sanitizer_report() is None


def test_table_matches_config(lab, director):
    lab.add_host("lb1", "192.0.2.1/24")
    d = director("lb1", SERVICES)
    eng = wait_synced(d, 1)
    assert eng["op_errors"] == 0, d.log()
    got = table(ipvsadm(lab, "lb1", "-Ln"))
    expected = [
        "TCP 192.0.2.100:80 wrr",
        "-> 198.51.100.11:80 Masq 3 0 0",
        "-> 198.51.100.12:80 Masq 1 0 0",
        "TCP 192.0.2.100:443 sh (sh-fallback,sh-port) persistent 300 mask "
        "255.255.255.0",
        "UDP 192.0.2.100:53 rr ops",
        "-> 198.51.100.11:53 Route 1 0 0",
        "TCP [2001:db8::100]:80 lc persistent 60 mask 64",
        "FWM 7 mh (mh-port)",
        "-> 198.51.100.13:0 Masq 2 0 0",
    ]
    for line in expected:
        assert line in got, (line, got)
    # Tunnels, thresholds and flags in ipvsadm's own words.
    tun = ipvsadm(lab, "lb1", "-Ln", "--tun-info")
    assert re.search(r"198\.51\.100\.12:443\s+Tunnel.*gue.*6080", tun), tun
    assert re.search(r"\[2001:db8:1::12\]:80\s+Tunnel.*gre", tun), tun
    thr = ipvsadm(lab, "lb1", "-Ln", "--thresholds")
    assert re.search(r"198\.51\.100\.12:80\s+100\s+10", thr), thr
    # directorctl ipvs shows the same table, plus what director wants.
    mine = d.ctl("ipvs").stdout
    assert sorted(table(mine)) == sorted(got)
    assert "# vs web" in mine and "# want 3" in mine
    # --stats: five counters per line, nothing sent yet.
    stats = d.ctl("ipvs", "--stats").stdout
    assert re.search(r"TCP  192\.0\.2\.100:80\s+0\s+0\s+0\s+0\s+0", stats), \
        stats
    js = d.ctl_json("ipvs")
    web = [s for s in js["services"] if s["name"] == "web"][0]
    assert {x["address"]: (x["weight"], x["wanted_weight"],
                           x["configured_weight"])
            for x in web["destinations"]} == {
        "198.51.100.11": (3, 3, 3), "198.51.100.12": (1, 1, 1)}
    # /metrics: each service and destination as ipvsadm lists them, with
    # vs/server/port labels and the kernel's counters (none yet).
    kernel, got = kernel_ipvs(lab, "lb1", NAMES), metrics_ipvs(lab, "lb1")
    assert len(kernel) == 5 * (5 + 8), sorted(kernel)
    assert got == kernel, (sorted(got), sorted(kernel))
    for where in (("web", None, None), ("marked", "198.51.100.13", "0"),
                  ("v6", "2001:db8:1::12", "80"),
                  ("dns", "198.51.100.11", "53")):
        assert ("director_ipvs_connections_total",) + where + (None,) in got


def test_reload_touches_only_what_changed(lab, director):
    lab.add_host("lb1", "192.0.2.1/24")
    d = director("lb1", SERVICES)
    wait_synced(d, 1)
    before = table(ipvsadm(lab, "lb1", "-Ln"))
    d.write_config(SERVICES.replace("weight = 3;", "weight = 5;"))
    d.ctl("reload")
    eng = wait_synced(d, 2)
    assert eng["last_sync_ops"] == 1, d.log()
    # The loader spliced the edit, so the engine rebuilt one service.
    assert eng["last_sync_built"] == 1, d.log()
    assert "1 of 5 virtual servers parsed" in d.log(), d.log()
    after = table(ipvsadm(lab, "lb1", "-Ln"))
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed == [("-> 198.51.100.11:80 Masq 3 0 0",
                        "-> 198.51.100.11:80 Masq 5 0 0")]
    assert "dest-set 198.51.100.11:80 weight 5 (reload)" in d.log()
    # Dropping a service from the config deletes it.
    d.write_config(SERVICES.replace('port = 53; protocol', 'port = 5353; '
                                    'protocol'))
    d.ctl("reload")
    wait_synced(d, 3)
    got = ipvsadm(lab, "lb1", "-Ln")
    assert "192.0.2.100:53 " not in got and "192.0.2.100:5353" in got


def test_drift_is_repaired(lab, director):
    lab.add_host("lb1", "192.0.2.1/24")
    d = director("lb1", SERVICES)
    wait_synced(d, 1)
    lab.exec("lb1", "ipvsadm", "-D", "-t", "192.0.2.100:80")
    lab.exec("lb1", "ipvsadm", "-d", "-u", "192.0.2.100:53", "-r",
             "198.51.100.11:53")
    assert "192.0.2.100:80" not in ipvsadm(lab, "lb1", "-Ln")
    d.ctl("ipvs", "sync")
    eng = wait_synced(d, 2)
    assert eng["repairs"] == 4, d.log()
    got = table(ipvsadm(lab, "lb1", "-Ln"))
    assert "-> 198.51.100.11:80 Masq 3 0 0" in got
    assert "-> 198.51.100.11:53 Route 1 0 0" in got
    assert re.search(r"IPVS: vs web \(tcp 192\.0\.2\.100:80\): svc-add "
                     r"scheduler wrr \(repairing drift, directorctl\)",
                     d.log())


def test_periodic_drift_check(lab, director):
    lab.add_host("lb1", "192.0.2.1/24")
    d = director("lb1", SERVICES.replace("drift_check_interval = 0",
                                         "drift_check_interval = 1"))
    wait_synced(d, 1)
    lab.exec("lb1", "ipvsadm", "-D", "-t", "192.0.2.100:80")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if "192.0.2.100:80" in ipvsadm(lab, "lb1", "-Ln"):
            break
        time.sleep(0.2)
    assert "192.0.2.100:80" in ipvsadm(lab, "lb1", "-Ln"), d.log()


def test_stop_removes_ours_keeps_foreign(lab, director):
    lab.add_host("lb1", "192.0.2.1/24")
    lab.exec("lb1", "ipvsadm", "-A", "-t", "203.0.113.9:8080", "-s", "rr")
    d = director("lb1", SERVICES)
    wait_synced(d, 1)
    assert "203.0.113.9:8080 is not in the config: leaving it alone" in \
        d.log()
    assert d.stop() == 0
    left = table(ipvsadm(lab, "lb1", "-Ln"))
    assert left == ["TCP 203.0.113.9:8080 rr"], left
    assert "IPVS: removed 5 services on shutdown" in d.log()


def test_kernel_error_is_logged_and_daemon_survives(lab, director):
    lab.add_host("lb1", "192.0.2.1/24")
    # 'twos' needs ip_vs_twos, which Debian's 6.1 kernel does not have.
    conf = SERVICES.replace('scheduler = "lc"', 'scheduler = "twos"')
    d = director("lb1", conf)
    eng = wait_synced(d, 1)
    assert eng["op_errors"] >= 1
    assert re.search(r"IPVS: vs v6 .*svc-add scheduler twos failed", d.log())
    assert d.proc.poll() is None
    # The other services are in.
    assert "192.0.2.100:80" in ipvsadm(lab, "lb1", "-Ln")
    assert d.ctl_json("status")["subsystems"]["ipvs"]["last_error"]


CLIENT = r"""
import collections, sys, urllib.request
hits = collections.Counter()
for _ in range(int(sys.argv[2])):
    with urllib.request.urlopen("http://%s/" % sys.argv[1], timeout=5) as r:
        hits[r.read().decode().strip()] += 1
print(dict(hits))
"""


def serve(lab, host, tmp_path, text):
    root = tmp_path / host
    root.mkdir(parents=True)
    (root / "index.html").write_text(text + "\n")
    return lab.popen(host, "python3", "-m", "http.server", "80",
                     "--bind", "0.0.0.0", "--directory", str(root))


def wait_http(lab, host, url):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = lab.exec(host, "python3", "-c",
                     "import urllib.request as u; u.urlopen(%r, timeout=2)"
                     % url, check=False)
        if r.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("%s not answering %s" % (host, url))


def nat_lab(lab, tmp_path, vip=True):
    """client, director lb1 (NAT, the VIP on eth0 unless vip=False: then
    VRRP puts it there), and web1/web2 serving HTTP with lb1 as gateway.
    Returns the web servers' processes."""
    lab.add_host("client", "192.0.2.50/24")
    lab.add_host("lb1", "192.0.2.1/24", *(["192.0.2.100/24"] if vip else []),
                 "198.51.100.1/24")
    lab.add_host("web1", "198.51.100.11/24")
    lab.add_host("web2", "198.51.100.12/24")
    for k in ("ip_forward", "conf.all.send_redirects",
              "conf.eth0.send_redirects"):
        lab.exec("lb1", "sysctl", "-qw", "net.ipv4.%s=%d" %
                 (k, k == "ip_forward"))
    procs = {}
    for w in ("web1", "web2"):
        lab.exec(w, "ip", "route", "add", "default", "via", "198.51.100.1")
        procs[w] = serve(lab, w, tmp_path, w)
    return procs


def test_nat_wrr_balances_3_to_1(lab, director, tmp_path):
    nat_lab(lab, tmp_path)
    conf = """global = { metrics_listen = "127.0.0.1:9367"; };
    virtual_servers = ( { name = "web"; address = "192.0.2.100";
      port = 80; scheduler = "wrr"; real_servers = (
        { address = "198.51.100.11"; weight = 3; },
        { address = "198.51.100.12"; weight = 1; } ); } );"""
    d = director("lb1", conf)
    wait_synced(d, 1)
    wait_http(lab, "lb1", "http://198.51.100.11/")
    wait_http(lab, "lb1", "http://198.51.100.12/")
    out = lab.exec("client", "python3", "-c", CLIENT, "192.0.2.100", "400",
                   timeout=300).stdout
    hits = eval(out)  # a dict printed by our own client
    assert sum(hits.values()) == 400
    assert 280 <= hits.get("web1", 0) <= 320, hits
    # The kernel folds its per-CPU counters into the totals every 2 s.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        stats = d.ctl_json("ipvs", "--stats")
        web = [s for s in stats["services"] if s["name"] == "web"][0]
        if web["stats"]["conns"] >= 400:
            break
        time.sleep(0.5)
    assert web["stats"]["conns"] >= 400, web
    by_dest = {x["address"]: x["stats"]["conns"]
               for x in web["destinations"]}
    assert by_dest["198.51.100.11"] == hits["web1"], (by_dest, hits)
    # /metrics says what the kernel says (read between two equal reads
    # of ipvsadm, so that no fold of the counters falls in between).
    names = {"TCP 192.0.2.100:80": "web"}
    deadline = time.monotonic() + 15
    while True:
        before = kernel_ipvs(lab, "lb1", names)
        got = metrics_ipvs(lab, "lb1")
        if before == kernel_ipvs(lab, "lb1", names) or \
                time.monotonic() > deadline:
            break
    assert got == before, (got, before)
    assert got[("director_ipvs_connections_total", "web", "198.51.100.11",
                "80", None)] == hits["web1"]
    assert got[("director_ipvs_connections_total", "web", None, None,
                None)] >= 400
    assert got[("director_ipvs_bytes_total", "web", None, None, "in")] > 0
    # A reload that adds another service leaves web and its counters be.
    d.write_config(conf[:conf.rindex(")")] + OTHER_SERVICE)
    d.ctl("reload")
    eng = wait_synced(d, 2)
    assert eng["last_sync_ops"] == 2, d.log()
    again = d.ctl_json("ipvs", "--stats")
    web2 = [s for s in again["services"] if s["name"] == "web"][0]
    assert web2["stats"]["conns"] >= web["stats"]["conns"]


OTHER_SERVICE = """,
  { name = "other"; address = "192.0.2.100"; port = 8080;
    real_servers = ( { address = "198.51.100.12"; } ); } );
"""


def test_dr_mode(lab, director, tmp_path):
    lab.add_host("client", "192.0.2.50/24")
    lab.add_host("lb1", "192.0.2.1/24", "192.0.2.100/24")
    lab.add_host("web1", "192.0.2.11/24")
    lab.add_host("web2", "192.0.2.12/24")
    for w in ("web1", "web2"):
        lab.exec(w, "ip", "addr", "add", "192.0.2.100/32", "dev", "lo")
        lab.exec(w, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1")
        lab.exec(w, "sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2")
        lab.exec(w, "sysctl", "-qw", "net.ipv4.conf.eth0.arp_ignore=1")
        lab.exec(w, "sysctl", "-qw", "net.ipv4.conf.eth0.arp_announce=2")
        serve(lab, w, tmp_path, w)
    conf = """virtual_servers = ( { name = "web"; address = "192.0.2.100";
      port = 80; scheduler = "rr"; forwarding = "dr"; real_servers = (
        { address = "192.0.2.11"; }, { address = "192.0.2.12"; } ); } );"""
    d = director("lb1", conf)
    wait_synced(d, 1)
    wait_http(lab, "lb1", "http://192.0.2.11/")
    out = lab.exec("client", "python3", "-c", CLIENT, "192.0.2.100", "40",
                   timeout=120).stdout
    hits = eval(out)
    assert hits == {"web1": 20, "web2": 20}, hits
    # The client learnt the VIP from the director, not from a real server.
    neigh = lab.exec("client", "ip", "neigh", "show", "192.0.2.100").stdout
    lb_mac = json.loads(lab.exec("lb1", "ip", "-j", "link", "show",
                                 "eth0").stdout)[0]["address"]
    assert lb_mac in neigh, (neigh, lb_mac)


def test_sync_daemon_follows_vrrp(lab, director):
    lab.add_host("lb1", "192.0.2.1/24")
    conf = """
global = { ipvs = { sync_daemon = { interface = "eth0"; sync_id = 9; }; }; };
vrrp_instances = ( { name = "VI_1"; interface = "eth0";
  virtual_router_id = 51; priority = 150; advert_interval = 0.1;
  virtual_addresses = ( "192.0.2.100/24" ); } );
"""
    d = director("lb1", conf)
    deadline = time.monotonic() + 10
    out = ""
    while time.monotonic() < deadline:
        out = ipvsadm(lab, "lb1", "-L", "--daemon")
        if "master sync daemon" in out:
            break
        time.sleep(0.1)
    assert "master sync daemon (mcast=eth0, syncid=9" in out, (out, d.log())
    assert "backup sync daemon" not in out
    assert d.stop() == 0
    assert "sync daemon" not in ipvsadm(lab, "lb1", "-L", "--daemon")
