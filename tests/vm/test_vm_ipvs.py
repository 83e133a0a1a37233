"""Smoke tests for the IPVS VM (tests/vm/run-vm): meant to run INSIDE the VM.

Run them with tests/vm/run-tests. Anywhere else (the host kernel has no IPVS)
the whole module is skipped. IPVS state is per network namespace, so the
service is added in a private namespace, never in the root one.
"""
import os
import shutil
import subprocess

import pytest


def run(*cmd, check=True):
    """Run cmd, return CompletedProcess with text stdout/stderr."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s"
                             % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def _ipvs_available():
    if os.geteuid() != 0:
        return "needs root (run via tests/vm/run-tests)"
    if not os.path.exists("/proc/net/ip_vs") and shutil.which("modprobe"):
        subprocess.run(["modprobe", "-q", "ip_vs"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if not os.path.exists("/proc/net/ip_vs"):
        return ("no /proc/net/ip_vs even after 'modprobe ip_vs': not in the "
                "IPVS VM (run via tests/vm/run-tests)")
    for tool in ("ipvsadm", "ip"):
        if not shutil.which(tool):
            return "%s not installed (apt-get install ipvsadm iproute2)" % tool
    return None


_why = _ipvs_available()
if _why:
    pytest.skip(_why, allow_module_level=True)


@pytest.fixture
def netns():
    """A private network namespace named dvm-<pid>-<n>, deleted afterwards."""
    name = "dvm-%d-%d" % (os.getpid(), netns.counter)
    netns.counter += 1
    run("ip", "netns", "add", name)
    try:
        run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up")
        yield name
    finally:
        run("ip", "netns", "del", name, check=False)


netns.counter = 0


def test_modprobe_ip_vs():
    run("modprobe", "ip_vs")
    assert os.path.exists("/proc/net/ip_vs")
    assert os.path.isdir("/sys/module/ip_vs")


def test_ipvsadm_answers():
    out = run("ipvsadm", "-Ln").stdout
    assert "IP Virtual Server version" in out


def test_service_in_netns(netns):
    def ipvsadm(*args):
        return run("ip", "netns", "exec", netns, "ipvsadm", *args)

    ipvsadm("-A", "-t", "10.99.0.1:80", "-s", "rr")
    ipvsadm("-a", "-t", "10.99.0.1:80", "-r", "10.99.0.2:80", "-m")
    out = ipvsadm("-Ln").stdout
    lines = [line.split() for line in out.splitlines()]
    assert ["TCP", "10.99.0.1:80", "rr"] in lines, out
    assert any(l[:3] == ["->", "10.99.0.2:80", "Masq"] for l in lines), out
    # IPVS is per netns: the root namespace does not see the service.
    assert "10.99.0.1:80" not in run("ipvsadm", "-Ln").stdout
