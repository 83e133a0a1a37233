"""The metrics a running daemon serves are the ones director(8) lists:
same names, same types, same labels. (tests/man/metrics-doc.sh checks
the list against the source under `make check`.)
"""

import os
import re
import time

from lab import REPO

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
