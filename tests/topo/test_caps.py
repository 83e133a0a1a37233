"""Capabilities after start-up: the daemon keeps only what its loop needs,
a notify script running as root gets that reduced set, a script_user
script gets none, and `drop_capabilities = false` keeps the full set.
"""

import os
import pwd
import signal
import stat
import tempfile
import time

import pytest

from lab import run

# CAP_KILL 5, CAP_SETGID 6, CAP_SETUID 7, CAP_NET_BIND_SERVICE 10,
# CAP_NET_BROADCAST 11, CAP_NET_ADMIN 12, CAP_NET_RAW 13.
KEPT = sum(1 << c for c in (5, 6, 7, 10, 11, 12, 13))
KEPT_NAMES = ["kill", "setgid", "setuid", "net_bind_service",
              "net_broadcast", "net_admin", "net_raw"]

# Writes its own capability sets and uid to OUT, once per event.
PROBE = """#!/bin/sh
{ grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/$$/status; echo "Uid: $(id -u)"
  echo "Event: $*"; } > %s.tmp
mv %s.tmp %s
"""


def conf(extra_global="", extra_vrrp=""):
    return """
global = { script_security = false; %s };
vrrp_instances = ( {
  name = "VI_1"; interface = "eth0"; virtual_router_id = 51;
  priority = 150; advert_interval = 0.1;
  virtual_addresses = ( "192.0.2.100/24" );
  %s
} );
""" % (extra_global, extra_vrrp)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def caps(status, key):
    return int(status[key], 16)


def wait_file(path, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return proc_text(path)
        time.sleep(0.05)
    raise AssertionError("%s: not written within %ss" % (path, timeout))


def proc_text(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def wait_pids(path, timeout=5):
    """PIDs of nobody's shells running path, once there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = run("pgrep", "-u", "nobody", "-f", path, check=False)
        if r.stdout.split():
            return r.stdout.split()
        time.sleep(0.02)
    raise AssertionError("%s: never running" % path)


@pytest.fixture
def lb(lab):
    lab.add_host("lb1", "192.0.2.1/24")
    return "lb1"


@pytest.fixture
def scriptdir():
    """Scripts where any user can reach them; output any user can write."""
    top = tempfile.mkdtemp(prefix="director-caps-")
    os.chmod(top, 0o755)
    out = os.path.join(top, "out")
    os.mkdir(out)
    os.chmod(out, 0o777)
    yield top
    run("rm", "-rf", top)


def probe(scriptdir, name):
    path = os.path.join(scriptdir, name + ".sh")
    out = os.path.join(scriptdir, "out", name)
    with open(path, "w") as f:
        f.write(PROBE % (out, out, out))
    os.chmod(path, 0o755)
    return path, out


def test_daemon_keeps_only_runtime_caps(directors, lb, scriptdir):
    script, out = probe(scriptdir, "master")
    d = directors(lb, conf(extra_vrrp='notify = { master = "%s"; };'
                           % script))
    os.chmod(d.conf, 0o600)
    d.start()
    st = proc_status(d.proc.pid)
    assert caps(st, "CapEff") == KEPT, st
    assert caps(st, "CapPrm") == KEPT, st
    assert caps(st, "CapBnd") == KEPT, st
    assert caps(st, "CapInh") == 0 and caps(st, "CapAmb") == 0, st
    d.wait_for_log(r"capabilities: kept %s\n" % ",".join(KEPT_NAMES))
    js = d.ctl_json("status")["capabilities"]
    assert js == {"dropped": True, "effective": KEPT_NAMES,
                  "permitted": KEPT_NAMES, "bounding": KEPT_NAMES}
    assert "capabilities: %s (the rest" % ",".join(KEPT_NAMES) in \
        d.ctl("status").stdout
    # A notify script running as root gets the bounding set, no more.
    s = wait_file(out)
    assert s["Uid"] == "0" and s["Event"] == "INSTANCE VI_1 MASTER 150", s
    assert caps(s, "CapEff") == KEPT and caps(s, "CapPrm") == KEPT, s
    assert caps(s, "CapBnd") == KEPT, s
    # A reload re-reads the root-owned mode 0600 file without DAC caps,
    # and can still add an address (CAP_NET_ADMIN) and a raw socket.
    d.write_config(conf(extra_vrrp='notify = { master = "%s"; };' % script)
                   .replace('"192.0.2.100/24"',
                            '"192.0.2.100/24", "192.0.2.101/24"'))
    os.chmod(d.conf, 0o600)
    assert stat.S_IMODE(os.stat(d.conf).st_mode) == 0o600
    d.signal(signal.SIGHUP)
    d.wait_for_log(r"reload OK: generation 2")
    deadline = time.monotonic() + 5
    while "192.0.2.101/24" not in d.lab.exec(lb, "ip", "-4", "addr", "show",
                                             "dev", "eth0").stdout:
        assert time.monotonic() < deadline, d.log()
        time.sleep(0.05)
    assert d.stop() == 0
    assert "director stopped" in d.log()
    assert not os.path.exists(d.pidfile) and not os.path.exists(d.sock)


def test_opt_out_keeps_everything(directors, lb):
    d = directors(lb, conf("drop_capabilities = false;")).start()
    mine = proc_status(os.getpid())
    st = proc_status(d.proc.pid)
    for key in ("CapEff", "CapPrm", "CapBnd"):
        assert caps(st, key) == caps(mine, key), (key, st)
    d.wait_for_log(r"capabilities: \S+ \(drop_capabilities is off\)")
    assert d.ctl_json("status")["capabilities"]["dropped"] is False
    # Switching it on in a reload cannot take back what was kept: said so.
    d.write_config(conf())
    d.signal(signal.SIGHUP)
    d.wait_for_log(r"drop_capabilities changed: takes effect at the next "
                   r"restart")
    assert caps(proc_status(d.proc.pid), "CapEff") == caps(mine, "CapEff")


def test_script_user_after_the_drop(directors, lb, scriptdir):
    """setgroups/setgid/setuid in the child need CAP_SETGID/SETUID; the
    kill at a script's timeout (another user's process group) CAP_KILL."""
    notify, out = probe(scriptdir, "notify")
    slow = os.path.join(scriptdir, "slow.sh")
    with open(slow, "w") as f:
        f.write("#!/bin/sh\nsleep 30\n")
    os.chmod(slow, 0o755)
    track = ('track_scripts = ( "chk_slow" );\n'
             'notify = { master = "%s"; fault = "%s"; };' % (notify, notify))
    d = directors(lb, conf('script_user = "nobody";', track).replace(
        "vrrp_instances", 'vrrp_scripts = ( { name = "chk_slow"; script = '
        '"%s"; interval = 0.3; timeout = 0.2; rise = 1; fall = 1; } );\n'
        'vrrp_instances' % slow, 1)).start()
    s = wait_file(out)
    assert s["Uid"] == str(pwd.getpwnam("nobody").pw_uid), s
    assert caps(s, "CapEff") == 0 and caps(s, "CapPrm") == 0, s
    # The slow script times out and is killed, a process group of another
    # user: without CAP_KILL the first would live its 30 s.
    first = wait_pids(slow)
    time.sleep(1)
    later = wait_pids(slow)
    assert not os.path.exists("/proc/%s" % first[0]), (first, later)
    assert first[0] not in later and len(later) <= 1, (first, later)
    assert d.proc.poll() is None
    # At shutdown the one still running is killed too.
    assert d.stop() == 0
    r = run("pgrep", "-u", "nobody", "-f", slow, check=False)
    assert r.stdout.split() == [], r.stdout


def test_realtime_priority_before_the_drop(directors, lb, scriptdir):
    """SCHED_RR is set while CAP_SYS_NICE is still there; scripts the
    daemon starts run with the normal policy (SCHED_RESET_ON_FORK)."""
    path = os.path.join(scriptdir, "policy.sh")
    out = os.path.join(scriptdir, "out", "policy")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nawk '{print $41, $40}' /proc/$$/stat > %s.tmp\n"
                "mv %s.tmp %s\n" % (out, out, out))
    os.chmod(path, 0o755)
    d = directors(lb, conf("realtime_priority = 10;",
                           'notify = { master = "%s"; };' % path)).start()
    d.wait_for_log(r"scheduling: SCHED_RR priority 10")
    assert os.sched_getscheduler(d.proc.pid) == (os.SCHED_RR |
                                                os.SCHED_RESET_ON_FORK)
    assert os.sched_getparam(d.proc.pid).sched_priority == 10
    assert caps(proc_status(d.proc.pid), "CapEff") == KEPT
    # The notify script: policy 0 (SCHED_OTHER), real-time priority 0.
    deadline = time.monotonic() + 10
    while not os.path.exists(out) and time.monotonic() < deadline:
        time.sleep(0.05)
    with open(out) as f:
        assert f.read().split() == ["0", "0"]
    d.write_config(conf())
    d.signal(signal.SIGHUP)
    d.wait_for_log(r"realtime_priority changed: takes effect at the next "
                   r"restart")
