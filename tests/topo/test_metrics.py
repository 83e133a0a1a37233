"""The metrics a running daemon serves are the ones director(8) lists:
same names, same types, same labels. (tests/man/metrics-doc.sh checks
the list against the source under `make check`.) A large answer is
streamed without holding the loop, and a scraper that goes away midway
costs nothing.
"""

import os
import re
import subprocess
import time

from lab import REPO, many_checked_servers

CONF = """
global = { metrics_listen = "127.0.0.1:9367"; script_security = false; };
vrrp_instances = ( {
  name = "VI_1"; interface = "eth0"; virtual_router_id = 51;
  priority = 150; advert_interval = 0.1;
  virtual_addresses = ( "192.0.2.100/24" );
} );
virtual_servers = ( { name = "web"; address = "192.0.2.100"; port = 80;
  real_servers = (
    { address = "127.0.0.2"; port = 9; check = { type = "tcp";
      interval = 0.2; timeout = 0.2; }; } ); } );
"""

SCRAPE = ("import urllib.request as u; print(u.urlopen("
          "'http://127.0.0.1:9367/metrics', timeout=5).read().decode())")


def documented():
    """{name: (type, {labels})} from the Metrics section of director(8)."""
    with open(os.path.join(REPO, "man", "director.8")) as f:
        text = f.read()
    section = text[text.index(".SS Metrics\n"):text.index(".SS Reload\n")]
    out = {}
    for m in re.finditer(r"^\.B (director_[a-z_]+)(?:\{([a-z_,]*)\})?\n"
                         r"(gauge|counter)\.$", section, re.M):
        labels = set(m.group(2).split(",")) if m.group(2) else set()
        out[m.group(1)] = (m.group(3), labels)
    return out


def served(text):
    """{name: (type, {labels seen on any series})} from a scrape."""
    types, labels = {}, {}
    for line in filter(None, text.splitlines()):
        m = re.match(r"# TYPE (\S+) (\S+)$", line)
        if m:
            types[m.group(1)] = m.group(2)
            continue
        m = re.match(r"(director_[a-z_]+)(?:\{(.*)\})? \S+$", line)
        assert m, "unparsable line: %r" % line
        keys = set(re.findall(r'([a-z_]+)="', m.group(2) or ""))
        labels.setdefault(m.group(1), set()).update(keys)
        assert m.group(1) in types, "series before its # TYPE: %r" % line
    return {n: (t, labels.get(n)) for n, t in types.items()}


def test_served_metrics_are_the_documented_ones(directors, lab):
    lab.add_host("lb1", "192.0.2.1/24")
    d = directors("lb1", CONF).start()
    doc = documented()
    assert len(doc) >= 20, doc
    ipvs = os.path.exists("/proc/net/ip_vs")
    want = {n: v for n, v in doc.items()
            if ipvs or not n.startswith("director_ipvs_")}
    # Wait until a check has a result: results_total has series then.
    deadline = time.monotonic() + 10
    while True:
        got = served(lab.exec("lb1", "python3", "-c", SCRAPE).stdout)
        if got.get("director_check_results_total", (0, None))[1]:
            break
        assert time.monotonic() < deadline, got
        time.sleep(0.1)
    assert sorted(got) == sorted(want)
    for name, (typ, labels) in want.items():
        assert got[name][0] == typ, name
        if got[name][1] is not None:     # series served: labels as listed
            assert got[name][1] == labels, (name, got[name][1], labels)
        else:                            # IPVS tables empty: # TYPE only
            assert name.startswith("director_ipvs_"), name


# A scraper in the lab: GET /metrics on a fresh connection. "full" reads
# the whole answer (curl-like, through http.client, so the chunked coding
# is checked) and prints it; "abort N" reads N bytes of it and closes;
# "parallel N" runs N full scrapes at once and prints each length.
SCRAPER = r"""
import http.client, socket, sys, threading
ADDR = ("127.0.0.1", int(sys.argv[1]))
def full():
    c = http.client.HTTPConnection(*ADDR, timeout=60)
    c.request("GET", "/metrics")
    r = c.getresponse()
    assert r.status == 200, r.status
    assert r.getheader("Transfer-Encoding") == "chunked", r.getheaders()
    body = r.read().decode()
    c.close()
    return body
if sys.argv[2] == "full":
    sys.stdout.write(full())
elif sys.argv[2] == "abort":
    s = socket.create_connection(ADDR, timeout=10)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    got = 0
    while got < int(sys.argv[3]):
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    s.close()
    print(got)
else:
    out = [None] * int(sys.argv[3])
    def one(i):
        out[i] = full()
    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(out))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    for body in out:
        print(len(body) if body and body.endswith("\n") else -1,
              body.count("director_check_up{") if body else -1)
"""

N_LARGE = 20000
PORT_LARGE = 19369


def many_checks_conf(n, port):
    rs, _ = many_checked_servers(n)
    return """
global = { metrics_listen = "127.0.0.1:%d"; };
virtual_servers = ( { name = "many"; address = "192.0.2.100"; port = 80;
  real_servers = ( %s ); } );
""" % (port, rs)


def scrape(lab, *args, timeout=120):
    return lab.exec("lb1", "python3", "-c", SCRAPER, str(PORT_LARGE), *args,
                    timeout=timeout).stdout


def fds(d):
    return len(os.listdir("/proc/%d/fd" % d.proc.pid))


def test_large_scrape_does_not_hold_the_loop(directors, lab):
    """/metrics of 20,000 checked servers goes out in chunks made about a
    millisecond at a time: every server's series is there, and the loop's
    own stall gauge (a 100 ms ticker) stays low while it is scraped again
    and again, by one scraper and by several at once."""
    lab.add_host("lb1", "198.51.100.1/24")
    d = directors("lb1", many_checks_conf(N_LARGE, PORT_LARGE)).start()
    want = set(many_checked_servers(N_LARGE)[1])
    base = d.ctl_json("status")["loop_stall_max"]
    t0 = time.monotonic()
    for _ in range(5):
        text = scrape(lab, "full")
        got = re.findall(r'^director_check_up\{vs="many",server="([0-9.]+)",'
                         r'port="9"\} [01]$', text, re.M)
        assert len(got) == N_LARGE and set(got) == want, len(got)
        assert text.count("# TYPE director_check_up gauge\n") == 1
        assert text.count("director_check_weight{") == N_LARGE
        assert text.count("director_check_latency_seconds{") == N_LARGE
        served(text)            # well formed: every series after its TYPE
    took = (time.monotonic() - t0) / 5
    for line in scrape(lab, "parallel", "4").splitlines():
        size, ups = map(int, line.split())
        assert size > 0 and ups == N_LARGE, line
    st = d.ctl_json("status")
    print("20,000 checks: %.2f s a scrape; stall gauge before %.4f after "
          "%.4f" % (took, base, st["loop_stall_max"]))
    assert st["loop_stall_max"] < max(base, 0.03), (base, st)


def test_scraper_that_goes_away(directors, lab):
    """A scraper that reads part of the answer and closes: the daemon frees
    what the answer held (no fd left over, no leak under ASan) and goes on
    answering, and a reload or a new metrics_listen in the middle of an
    answer is safe."""
    lab.add_host("lb1", "198.51.100.1/24")
    conf = many_checks_conf(N_LARGE, PORT_LARGE)
    d = directors("lb1", conf).start()
    scrape(lab, "full")
    before = fds(d)
    for size in (1, 4096, 200000, 1000000, 3000000):
        assert int(scrape(lab, "abort", str(size))) >= min(size, 1)
    # Closed connections are noticed at the next write: give them a moment.
    deadline = time.monotonic() + 10
    while fds(d) != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fds(d) == before, os.listdir("/proc/%d/fd" % d.proc.pid)
    assert d.ctl_rc("status") == 0
    text = scrape(lab, "full")
    assert text.count("director_check_up{") == N_LARGE
    # A scraper that stops reading while a reload replaces every server,
    # then reads on: the answer ends cleanly, without the replaced ones.
    code = SCRAPER.replace('if sys.argv[2] == "full":', '''
if sys.argv[2] == "slow":
    class Small(http.client.HTTPConnection):
        def connect(self):      # a small window: the daemon must wait
            self.sock = socket.socket()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.sock.settimeout(60)
            self.sock.connect(ADDR)
    c = Small(*ADDR, timeout=60)
    c.request("GET", "/metrics")
    r = c.getresponse()
    first = r.read(100000)
    sys.stdout.write("READ\\n"); sys.stdout.flush()
    sys.stdin.readline()
    sys.stdout.write((first + r.read()).decode())
elif sys.argv[2] == "full":''')
    p = subprocess.Popen(["ip", "netns", "exec", lab.ns("lb1"), "python3",
                          "-c", code, str(PORT_LARGE), "slow"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    try:
        assert p.stdout.readline() == "READ\n"
        d.write_config(conf.replace('name = "many";', 'name = "more";'))
        assert "reload OK" in d.ctl("reload").stdout
        out, _ = p.communicate("go\n", timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
    assert p.returncode == 0
    assert 0 < out.count('director_check_up{vs="many"') < N_LARGE
    assert 'director_check_up{vs="more"' not in out
    assert "# the config was reloaded" in out
    assert out.count("director_config_generation 1\n") == 1
    # And once more with the listener itself moving.
    p = subprocess.Popen(["ip", "netns", "exec", lab.ns("lb1"), "python3",
                          "-c", code, str(PORT_LARGE), "slow"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    try:
        assert p.stdout.readline() == "READ\n"
        d.write_config(conf.replace(str(PORT_LARGE), str(PORT_LARGE + 1)))
        assert "reload OK" in d.ctl("reload").stdout
        p.communicate("go\n", timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
    assert p.returncode != 0          # cut short: the listener went away
    assert d.ctl_rc("status") == 0
    assert fds(d) == before


HOLD = r"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(30)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(1000)
sys.stdout.write("HELD\n"); sys.stdout.flush()
sys.stdin.readline()
"""

CODE = r"""
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
c.request("GET", "/metrics")
r = c.getresponse()
r.read()
print(r.status)
"""


def test_scrapes_at_once_are_capped(directors, lab):
    """Eight answers can be in the making at once (each holds a netlink
    socket and up to 256 KB); a ninth scraper gets 503 at once, and once
    the eight are gone scrapes work again."""
    lab.add_host("lb1", "198.51.100.1/24")
    d = directors("lb1", many_checks_conf(N_LARGE, PORT_LARGE)).start()
    holders = []
    try:
        for _ in range(8):
            p = subprocess.Popen(["ip", "netns", "exec", lab.ns("lb1"),
                                  "python3", "-c", HOLD, str(PORT_LARGE)],
                                 stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            holders.append(p)
            assert p.stdout.readline() == "HELD\n"
        code = lab.exec("lb1", "python3", "-c", CODE, str(PORT_LARGE),
                        timeout=30).stdout.strip()
        assert code == "503", code
    finally:
        for p in holders:
            if p.poll() is None:
                p.communicate("go\n", timeout=30)
    deadline = time.monotonic() + 10
    code = None
    while time.monotonic() < deadline and code != "200":
        code = lab.exec("lb1", "python3", "-c", CODE, str(PORT_LARGE),
                        timeout=60).stdout.strip()
    assert code == "200", code
    assert d.ctl_rc("status") == 0
