"""director on a kernel with IPVS (runs INSIDE the VM, see run-tests).

The daemon must find the IPVS generic netlink family, read the kernel's
IPVS version and connection table size, and report them in
`directorctl status` exactly as `ipvsadm` sees them.
"""

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "topo"))
from lab import DIRECTOR, REPO, Director, Lab, run  # noqa: E402

if os.geteuid() != 0 or not os.path.exists("/proc/net/ip_vs"):
    pytest.skip("needs the IPVS VM (run via tests/vm/run-tests)",
                allow_module_level=True)


def test_director_reports_kernel_ipvs(tmp_path):
    assert os.access(DIRECTOR, os.X_OK), "build director first"
    with open(os.path.join(REPO, "etc", "director.conf")) as f:
        conf = f.read()
    lab = Lab("vm")
    d = None
    try:
        lab.add_host("lb1", "192.0.2.1/24")
        d = Director(lab, "lb1", tmp_path, conf).start()
        st = d.ctl_json("status")["subsystems"]["ipvs"]
        head = lab.exec("lb1", "ipvsadm", "-Ln").stdout.splitlines()[0]
        # "IP Virtual Server version 1.2.1 (size=4096)"
        m = re.match(r"IP Virtual Server version (\S+) \(size=(\d+)\)", head)
        assert m, head
        assert st["kernel_available"] is True
        assert st["kernel_version"] == m.group(1)
        assert st["reason"] is None
        assert re.search(r"IPVS: kernel version %s, %s connection buckets"
                         % (re.escape(m.group(1)), m.group(2)), d.log())
        assert "kernel ipvs: available, version %s" % m.group(1) in \
            d.ctl("status").stdout
        assert d.stop() == 0
        assert d.sanitizer_report() is None
    finally:
        if d is not None and d.proc is not None and d.proc.poll() is None:
            d.stop()
        lab.destroy()
