"""VRRP between two directors on one bridge, as an operator sees it: who
holds the VIP, how fast the backup takes over, whether clients follow.

Advert interval 0.1 s (v3) keeps the tests short: Master_Down_Interval
for the backup (priority 100) is 3 * 0.1 + 0.06 = 0.36 s.
"""

import json
import shutil
import subprocess
import os
import signal
import socket
import struct
import time

import pytest

from lab import run

VIP = "192.0.2.100"


def conf(priority, preempt=True, interval=0.1, version=3, extra=""):
    return """
vrrp_instances = ( {
  name = "VI_1"; interface = "eth0"; virtual_router_id = 51;
  priority = %d; advert_interval = %s; version = %d; preempt = %s;
  virtual_addresses = ( "192.0.2.100/24" );
  garp = { count = 3; interval = 0.05; refresh = 0; };
  %s
} );
""" % (priority, interval, version, "true" if preempt else "false", extra)


@pytest.fixture
def pair(lab):
    lab.add_host("lb1", "192.0.2.1/24")
    lab.add_host("lb2", "192.0.2.2/24")
    lab.add_host("client", "192.0.2.50/24")
    return lab


def has_vip(lab, host):
    out = lab.exec(host, "ip", "-o", "-4", "addr", "show", "dev",
                   "eth0").stdout
    return (" %s/24 " % VIP) in out


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return time.monotonic()
        time.sleep(0.01)
    raise AssertionError("%s: not within %ss" % (what, timeout))


def state(d):
    return d.ctl_json("vrrp")["instances"][0]["state"]


def mac(lab, host):
    return json.loads(lab.exec(host, "ip", "-j", "link", "show",
                               "eth0").stdout)[0]["address"]


BANNER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(16)
while True:
    c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()
"""

HELLO = r"""
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], 8080), timeout=1)
    print(c.recv(100).decode())
except OSError:
    print("-")
"""


def listen(lab, host):
    """A TCP listener on port 8080 of host that answers its name."""
    lab.popen(host, "python3", "-c", BANNER, host)


def hello(lab, ip=VIP):
    """Who answers a TCP connection to ip:8080 from the client, or "-"."""
    return lab.exec("client", "python3", "-c", HELLO, ip).stdout.strip()


def start_pair(pair, directors, c1=None, c2=None):
    d2 = directors("lb2", c2 or conf(100)).start()
    d1 = directors("lb1", c1 or conf(150)).start()
    wait_for(lambda: has_vip(pair, "lb1") and state(d1) == "MASTER", 5,
             "lb1 master")
    wait_for(lambda: state(d2) == "BACKUP", 5, "lb2 backup")
    return d1, d2


def test_higher_priority_holds_the_vip(pair, directors):
    d1, d2 = start_pair(pair, directors)
    time.sleep(0.5)
    assert has_vip(pair, "lb1") and not has_vip(pair, "lb2")
    i1 = d1.ctl_json("vrrp")["instances"][0]
    i2 = d2.ctl_json("vrrp")["instances"][0]
    assert i1["priority"] == 150 and i2["priority"] == 100
    assert i2["master"] == "192.0.2.1"
    assert i2["counters"]["adverts_received"] >= 3
    assert sum(i1["drops"].values()) == 0 and sum(i2["drops"].values()) == 0
    assert "VRRP instance VI_1: BACKUP -> MASTER (priority 150" in d1.log()
    text = d1.ctl("vrrp").stdout
    assert "VI_1" in text and "MASTER" in text


def test_sigkill_failover_and_preempt(pair, directors, tmp_path):
    listen(pair, "lb1")
    listen(pair, "lb2")
    d1, d2 = start_pair(pair, directors)
    # The client talks to the VIP: lb1 answers, its MAC in the client.
    wait_for(lambda: hello(pair) == "lb1", 5, "lb1 answers on the VIP")
    assert mac(pair, "lb1") in pair.exec("client", "ip", "neigh", "show",
                                         VIP).stdout
    t0 = time.monotonic()
    d1.stop(signal.SIGKILL)
    t1 = wait_for(lambda: has_vip(pair, "lb2"), 3, "lb2 takes the VIP")
    # Master_Down_Interval 0.36 s plus a margin for a loaded machine.
    assert t1 - t0 < 1.5, t1 - t0
    d2.wait_for_log(r"BACKUP -> MASTER \(priority 100, reason: master down "
                    r"timer\)", timeout=2)
    # Gratuitous ARP moved the client's neighbour entry to lb2.
    wait_for(lambda: mac(pair, "lb2") in pair.exec(
        "client", "ip", "neigh", "show", VIP).stdout, 3, "client follows")
    assert hello(pair) == "lb2"
    # lb1 was killed: its VIP is still configured in its namespace, as
    # after a crash. Clean it, restart lb1, and it preempts.
    pair.exec("lb1", "ip", "addr", "del", VIP + "/24", "dev", "eth0")
    d1b = directors("lb1", conf(150), name="lb1-again").start()
    wait_for(lambda: has_vip(pair, "lb1") and not has_vip(pair, "lb2"), 5,
             "lb1 preempts")
    assert state(d1b) == "MASTER" and state(d2) == "BACKUP"


def test_nopreempt_keeps_the_running_master(pair, directors):
    # lb1 first: a nopreempt backup would not take over from lb2.
    d1 = directors("lb1", conf(150, preempt=False)).start()
    wait_for(lambda: state(d1) == "MASTER", 5, "lb1 master")
    d2 = directors("lb2", conf(100)).start()
    wait_for(lambda: state(d2) == "BACKUP", 5, "lb2 backup")
    d1.stop(signal.SIGTERM)
    wait_for(lambda: has_vip(pair, "lb2"), 3, "lb2 takes over")
    d1b = directors("lb1", conf(150, preempt=False), name="lb1b").start()
    time.sleep(1.5)
    assert state(d1b) == "BACKUP" and has_vip(pair, "lb2")
    assert not has_vip(pair, "lb1")


def test_sigterm_hands_over_at_once(pair, directors):
    d1, d2 = start_pair(pair, directors, c1=conf(150, interval=1),
                        c2=conf(100, interval=1))
    t0 = time.monotonic()
    d1.stop(signal.SIGTERM)
    t1 = wait_for(lambda: has_vip(pair, "lb2"), 5, "lb2 takes the VIP")
    # Priority 0: Skew_Time (0.61 s at priority 100), not 3.6 s.
    assert t1 - t0 < 1.5, t1 - t0
    assert not has_vip(pair, "lb1")
    # The VIP goes up just before the transition is logged.
    d2.wait_for_log(r"BACKUP -> MASTER \(priority 100, reason: master sent "
                    r"priority 0\)", timeout=2)
    assert d2.ctl_json("vrrp")["instances"][0]["counters"][
        "priority_zero_received"] == 1


def test_split_brain_heals(pair, directors):
    d1, d2 = start_pair(pair, directors)
    # Cut lb2 off the bridge, carrier still up: both become master.
    run("ip", "-n", pair.switch, "link", "set", "p1", "nomaster")
    wait_for(lambda: state(d2) == "MASTER", 3, "lb2 master while cut off")
    assert state(d1) == "MASTER"
    run("ip", "-n", pair.switch, "link", "set", "p1", "master", "br0")
    # Healed: one advert interval (plus margin) later, one master.
    wait_for(lambda: state(d2) == "BACKUP", 2, "lb2 steps down")
    assert state(d1) == "MASTER"
    assert has_vip(pair, "lb1") and not has_vip(pair, "lb2")


def test_v2_with_password(pair, directors):
    extra = 'auth_pass = "s3cret";'
    d1, d2 = start_pair(pair, directors,
                        c1=conf(150, interval=1, version=2, extra=extra),
                        c2=conf(100, interval=1, version=2, extra=extra))
    time.sleep(1.5)
    assert state(d2) == "BACKUP"
    assert sum(d2.ctl_json("vrrp")["instances"][0]["drops"].values()) == 0


def raw_send(lab, host, payload, ttl=255):
    """Sends an IP protocol 112 packet to 224.0.0.18 from host's eth0."""
    code = r"""
import socket, struct, sys
p = bytes.fromhex(sys.argv[1]); ttl = int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
s.sendto(p, ("224.0.0.18", 0))
"""
    lab.exec(host, "python3", "-c", code, payload.hex(), str(ttl))


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def v3_advert(vrid, prio, src, interval_cs=100, bad_cksum=False, count=1):
    addrs = socket.inet_aton(VIP)
    hdr = struct.pack("!BBBBHH", 0x31, vrid, prio, count, interval_cs, 0)
    ph = socket.inet_aton(src) + socket.inet_aton("224.0.0.18") + \
        struct.pack("!BBH", 0, 112, len(hdr) + len(addrs))
    c = cksum(ph + hdr + addrs)
    if bad_cksum:
        c ^= 0x5555
    return hdr[:6] + struct.pack("!H", c) + addrs


def test_malformed_packets_are_dropped_and_counted(pair, directors):
    d1, d2 = start_pair(pair, directors)
    before = d2.ctl_json("vrrp")["instances"][0]
    # From the client (192.0.2.50), VRID 51, priority 250: would win if
    # accepted.
    raw_send(pair, "client", v3_advert(51, 250, "192.0.2.50"), ttl=64)
    raw_send(pair, "client", v3_advert(51, 250, "192.0.2.50",
                                       bad_cksum=True))
    raw_send(pair, "client", v3_advert(51, 250, "192.0.2.50")[:6])
    raw_send(pair, "client", v3_advert(51, 250, "192.0.2.50", count=5))
    raw_send(pair, "client", v3_advert(77, 250, "192.0.2.50"))  # not ours
    time.sleep(0.5)
    after = d2.ctl_json("vrrp")
    inst = after["instances"][0]
    assert inst["drops"]["ttl"] == before["drops"]["ttl"] + 1
    assert inst["packet_errors"]["checksum"] >= 1
    assert inst["packet_errors"]["length"] >= 2
    assert after["unknown_vrid"] >= 1
    # Nothing changed: lb1 is still master, lb2 backup, both alive.
    assert state(d1) == "MASTER" and state(d2) == "BACKUP"
    assert d1.proc.poll() is None and d2.proc.poll() is None
    # A valid advert from a higher priority is obeyed, as the RFC says.
    raw_send(pair, "client", v3_advert(51, 250, "192.0.2.50"))
    wait_for(lambda: state(d1) == "BACKUP", 2, "lb1 steps down")


KEEPALIVED_CONF = """
global_defs {
  router_id %(host)s
  vrrp_version %(version)d
  script_user root
  enable_script_security
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority %(priority)d
  advert_int %(interval)s
  virtual_ipaddress {
    192.0.2.100/24
  }
  %(auth)s
}
"""


class Keepalived:
    """keepalived in a namespace, in its own process group."""

    def __init__(self, lab, host, tmp_path, **kw):
        self.lab, self.host = lab, host
        self.dir = tmp_path / ("ka-" + host)
        self.dir.mkdir(exist_ok=True)
        self.conf = self.dir / "keepalived.conf"
        self.conf.write_text(KEEPALIVED_CONF % dict(host=host, **kw))
        self.log = self.dir / "keepalived.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", lab.ns(host), "keepalived",
                 "--dont-fork", "--log-console", "--vrrp", "--no-syslog",
                 "-f", str(self.conf), "-p", str(self.dir / "ka.pid"),
                 "-r", str(self.dir / "vrrp.pid")],
                stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def kill(self, sig=signal.SIGKILL):
        """SIGKILL to the whole group is a crash (see shared/NOTES.md)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(10)


@pytest.fixture
def keepalived_factory(pair, tmp_path):
    made = []

    def make(host, **kw):
        k = Keepalived(pair, host, tmp_path, **kw)
        made.append(k)
        return k

    yield make
    for k in made:
        k.kill()


needs_keepalived = pytest.mark.skipif(
    shutil.which("keepalived") is None,
    reason="keepalived not installed (apt-get install keepalived)")


def interop(version):
    """Advert interval, keepalived auth block and director extra keys."""
    if version == 2:
        return (1, "authentication {\n auth_type PASS\n auth_pass s3cret\n }",
                'auth_pass = "s3cret";')
    return 0.1, "", ""


@needs_keepalived
@pytest.mark.parametrize("version", [2, 3])
def test_interop_keepalived_master(pair, directors, keepalived_factory,
                                   version):
    interval, auth, extra = interop(version)
    ka = keepalived_factory("lb1", version=version, priority=150,
                            interval=interval, auth=auth)
    wait_for(lambda: has_vip(pair, "lb1"), 10, "keepalived takes the VIP")
    d2 = directors("lb2", conf(100, interval=interval, version=version,
                               extra=extra)).start()
    time.sleep(4 * interval + 0.5)
    inst = d2.ctl_json("vrrp")["instances"][0]
    assert inst["state"] == "BACKUP", d2.log()
    assert inst["master"] == "192.0.2.1"
    assert sum(inst["drops"].values()) == 0, inst
    assert sum(inst["packet_errors"].values()) == 0, inst
    assert not has_vip(pair, "lb2")
    ka.kill()
    wait_for(lambda: has_vip(pair, "lb2"), 3 * interval + 2,
             "director takes over from keepalived")
    assert state(d2) == "MASTER"


@needs_keepalived
@pytest.mark.parametrize("version", [2, 3])
def test_interop_keepalived_backup(pair, directors, keepalived_factory,
                                   version):
    interval, auth, extra = interop(version)
    d1 = directors("lb1", conf(150, interval=interval, version=version,
                               extra=extra)).start()
    wait_for(lambda: state(d1) == "MASTER", 5, "director master")
    ka = keepalived_factory("lb2", version=version, priority=100,
                            interval=interval, auth=auth)
    time.sleep(4 * interval + 1)
    assert has_vip(pair, "lb1") and not has_vip(pair, "lb2"), \
        ka.log.read_text()
    inst = d1.ctl_json("vrrp")["instances"][0]
    assert sum(inst["drops"].values()) == 0, inst
    d1.stop(signal.SIGKILL)
    pair.exec("lb1", "ip", "addr", "del", VIP + "/24", "dev", "eth0")
    wait_for(lambda: has_vip(pair, "lb2"), 3 * interval + 2,
             "keepalived takes over from director")
    assert "Entering MASTER STATE" in ka.log.read_text()


def test_notify_scripts_in_order(pair, directors, tmp_path):
    log = tmp_path / "notify.log"
    script = tmp_path / "notify.sh"
    # A slow script: events queue behind it, never two at once.
    script.write_text("#!/bin/sh\necho \"start $0 $*\" >> %s\nsleep 0.2\n"
                      "echo \"end $*\" >> %s\n" % (log, log))
    script.chmod(0o755)
    fifo = tmp_path / "notify.fifo"
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    extra = ('notify = { master = "%s"; backup = "%s"; stop = "%s"; };'
             % (script, script, script))
    c1 = conf(150, extra=extra).replace(
        "vrrp_instances", 'global = { notify_fifo = "%s"; };\n'
        'vrrp_instances' % fifo, 1)
    d1 = directors("lb1", c1).start()
    wait_for(lambda: state(d1) == "MASTER", 5, "lb1 master")
    d1.stop(signal.SIGTERM)
    lines = log.read_text().splitlines()
    assert lines == [
        "start %s INSTANCE VI_1 BACKUP 150" % script,
        "end INSTANCE VI_1 BACKUP 150",
        "start %s INSTANCE VI_1 MASTER 150" % script,
        "end INSTANCE VI_1 MASTER 150",
        "start %s INSTANCE VI_1 STOP 150" % script,
        "end INSTANCE VI_1 STOP 150",
    ], lines
    events = os.read(rfd, 4096).decode().splitlines()
    os.close(rfd)
    assert events == ["INSTANCE VI_1 BACKUP 150", "INSTANCE VI_1 MASTER 150",
                      "INSTANCE VI_1 STOP 150"], events


def test_unsafe_notify_script_is_refused(pair, directors, tmp_path):
    script = tmp_path / "unsafe.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o777)
    d = directors("lb1", conf(150, extra='notify = { master = "%s"; };'
                              % script))
    r = run(*d.command(), check=False)
    assert r.returncode == 1
    assert "is writable by others than root (script_security is on)" in \
        r.stderr


def add_uplink(lab):
    """A veth pair inside lb1 (no dummy module here): "uplink" is up."""
    lab.exec("lb1", "ip", "link", "add", "uplink", "type", "veth", "peer",
             "name", "uplink-peer")
    lab.exec("lb1", "ip", "link", "set", "uplink-peer", "up")
    lab.exec("lb1", "ip", "link", "set", "uplink", "up")


def test_tracked_interface_down_means_fault(pair, directors):
    add_uplink(pair)
    d1, d2 = start_pair(pair, directors, c1=conf(
        150, extra='track_interfaces = ( "uplink" );'))
    pair.exec("lb1", "ip", "link", "set", "uplink", "down")
    wait_for(lambda: state(d1) == "FAULT", 2, "lb1 in FAULT")
    # A master entering FAULT says priority 0: lb2 takes over at once.
    wait_for(lambda: has_vip(pair, "lb2") and not has_vip(pair, "lb1"), 2,
             "lb2 takes over")
    assert "VRRP instance VI_1: interface uplink is down" in d1.log()
    pair.exec("lb1", "ip", "link", "set", "uplink", "up")
    wait_for(lambda: state(d1) == "MASTER" and has_vip(pair, "lb1"), 3,
             "lb1 back and preempting")
    assert state(d2) == "BACKUP"


def test_tracked_interface_weight_lowers_priority(pair, directors):
    add_uplink(pair)
    d1, d2 = start_pair(pair, directors, c1=conf(
        150, extra='track_interfaces = ( { interface = "uplink"; '
        'weight = -60; } );'))
    pair.exec("lb1", "ip", "link", "set", "uplink", "down")
    # 150 - 60 = 90 < 100: lb2 (preempt) takes over.
    wait_for(lambda: has_vip(pair, "lb2"), 3, "lb2 preempts")
    inst = d1.ctl_json("vrrp")["instances"][0]
    assert inst["priority"] == 90 and inst["state"] == "BACKUP"
    pair.exec("lb1", "ip", "link", "set", "uplink", "up")
    wait_for(lambda: has_vip(pair, "lb1"), 3, "lb1 preempts back")
    assert d1.ctl_json("vrrp")["instances"][0]["priority"] == 150


V6_CONF = """
vrrp_instances = ( {
  name = "VI_6"; interface = "eth0"; virtual_router_id = 61;
  priority = %d; advert_interval = 0.1; version = 3;
  virtual_addresses = ( "2001:db8::100/64" );
} );
"""


def has_vip6(lab, host):
    out = lab.exec(host, "ip", "-o", "-6", "addr", "show", "dev",
                   "eth0").stdout
    return " 2001:db8::100/64 " in out


def test_ipv6_election_and_failover(pair, directors):
    d2 = directors("lb2", V6_CONF % 100).start()
    d1 = directors("lb1", V6_CONF % 150).start()
    wait_for(lambda: has_vip6(pair, "lb1") and state(d1) == "MASTER", 5,
             "lb1 holds the IPv6 VIP")
    wait_for(lambda: state(d2) == "BACKUP", 5, "lb2 backup")
    time.sleep(0.5)
    inst = d2.ctl_json("vrrp")["instances"][0]
    assert inst["master"].startswith("fe80::"), inst
    assert sum(inst["drops"].values()) == 0, inst
    assert not has_vip6(pair, "lb2")
    d1.stop(signal.SIGKILL)
    wait_for(lambda: has_vip6(pair, "lb2"), 2, "lb2 takes the IPv6 VIP")


def test_unicast_peers_without_multicast(pair, directors):
    def uconf(prio, src, peer):
        return conf(prio, extra='unicast_source = "%s"; unicast_peers = '
                    '[ "%s" ];' % (src, peer))
    # No multicast on the bridge: with snooping on and flooding off, the
    # switch drops 224.0.0.18 (checked: two multicast-only directors on
    # this bridge both end up MASTER, neither hearing the other).
    run("ip", "-n", pair.switch, "link", "set", "br0", "type", "bridge",
        "mcast_snooping", "1")
    for port in ("p0", "p1", "p2"):
        run("ip", "-n", pair.switch, "link", "set", port, "type",
            "bridge_slave", "mcast_flood", "off")
    d1, d2 = start_pair(pair, directors,
                        c1=uconf(150, "192.0.2.1", "192.0.2.2"),
                        c2=uconf(100, "192.0.2.2", "192.0.2.1"))
    time.sleep(0.5)
    assert state(d2) == "BACKUP"
    assert d2.ctl_json("vrrp")["instances"][0]["counters"][
        "adverts_received"] >= 3
    d1.stop(signal.SIGKILL)
    wait_for(lambda: has_vip(pair, "lb2"), 2, "lb2 takes over")


def test_track_script_lowers_priority(pair, directors, tmp_path):
    flag = tmp_path / "healthy"
    flag.write_text("")
    c1 = ('vrrp_scripts = ( { name = "chk"; script = [ "/usr/bin/test", '
          '"-e", "%s" ]; interval = 0.1; timeout = 0.1; rise = 2; '
          'fall = 2; weight = -60; } );\n' % flag) + conf(
        150, extra='track_scripts = ( "chk" );')
    d1, d2 = start_pair(pair, directors, c1=c1)
    assert d1.ctl_json("vrrp")["instances"][0]["priority"] == 150
    flag.unlink()
    # Two failures, then 150 - 60 = 90 < 100: lb2 preempts.
    wait_for(lambda: has_vip(pair, "lb2"), 3, "lb2 preempts")
    assert d1.ctl_json("vrrp")["instances"][0]["priority"] == 90
    assert "VRRP script chk: now bad" in d1.log()
    flag.write_text("")
    wait_for(lambda: has_vip(pair, "lb1"), 3, "lb1 back")
    # A reload keeps the script's state: no transition.
    transitions = d1.ctl_json("vrrp")["instances"][0]["counters"][
        "transitions"]
    d1.ctl("reload")
    time.sleep(0.5)
    inst = d1.ctl_json("vrrp")["instances"][0]
    assert inst["state"] == "MASTER"
    assert inst["counters"]["transitions"] == transitions


GROUP_CONF = """
vrrp_instances = (
  { name = "VI_1"; interface = "eth0"; virtual_router_id = 51;
    priority = %(p)d; advert_interval = 0.1;
    virtual_addresses = ( "192.0.2.100/24" ); },
  { name = "VI_2"; interface = "eth0"; virtual_router_id = 52;
    priority = %(p)d; advert_interval = 0.1;
    virtual_addresses = ( "192.0.2.101/24" ); %(track)s }
);
sync_groups = ( { name = "G1"; instances = [ "VI_1", "VI_2" ]; } );
"""


def test_sync_group_moves_together(pair, directors):
    add_uplink(pair)
    d2 = directors("lb2", GROUP_CONF % dict(p=100, track="")).start()
    d1 = directors("lb1", GROUP_CONF % dict(
        p=150, track='track_interfaces = ( "uplink" );')).start()

    def states(d):
        return [i["state"] for i in d.ctl_json("vrrp")["instances"]]

    wait_for(lambda: states(d1) == ["MASTER", "MASTER"] and
             states(d2) == ["BACKUP", "BACKUP"], 5, "lb1 masters both")
    # VI_2's tracked link fails: the whole group falls back on lb1.
    pair.exec("lb1", "ip", "link", "set", "uplink", "down")
    wait_for(lambda: states(d1) == ["FAULT", "FAULT"], 3, "group in FAULT")
    wait_for(lambda: states(d2) == ["MASTER", "MASTER"], 3,
             "lb2 takes both")
    out = pair.exec("lb2", "ip", "-o", "-4", "addr", "show", "dev",
                    "eth0").stdout
    assert "192.0.2.100/24" in out and "192.0.2.101/24" in out
    pair.exec("lb1", "ip", "link", "set", "uplink", "up")
    wait_for(lambda: states(d1) == ["MASTER", "MASTER"] and
             states(d2) == ["BACKUP", "BACKUP"], 5, "lb1 back, both")


def test_removed_vip_is_put_back(pair, directors):
    d1, d2 = start_pair(pair, directors)
    pair.exec("lb1", "ip", "addr", "del", VIP + "/24", "dev", "eth0")
    wait_for(lambda: has_vip(pair, "lb1"), 2, "VIP put back")
    d1.wait_for_log(r"VRRP instance VI_1: 192\.0\.2\.100/24 was removed by "
                    r"someone else: putting it back", timeout=2)
    assert state(d1) == "MASTER" and not has_vip(pair, "lb2")


def test_sync_group_notify_once_per_move(pair, directors, tmp_path):
    log = tmp_path / "group.log"
    script = tmp_path / "group.sh"
    script.write_text("#!/bin/sh\necho \"$*\" >> %s\n" % log)
    script.chmod(0o755)
    text = (GROUP_CONF % dict(p=150, track="")).replace(
        'instances = [ "VI_1", "VI_2" ]; }',
        'instances = [ "VI_1", "VI_2" ]; notify = { any = "%s"; }; }'
        % script)
    d1 = directors("lb1", text).start()
    wait_for(lambda: [i["state"] for i in d1.ctl_json("vrrp")[
        "instances"]] == ["MASTER", "MASTER"], 5, "group master")
    d1.stop(signal.SIGTERM)
    assert log.read_text().splitlines() == [
        "GROUP G1 BACKUP 150", "GROUP G1 MASTER 150", "GROUP G1 STOP 150"]


VMAC = "00:00:5e:00:01:33"	# VRID 51


def vmac_link(lab, host, name="vrrp.51"):
    """The macvlan name in host as `ip -j -d link` shows it, or None."""
    r = lab.exec(host, "ip", "-j", "-d", "link", "show", name, check=False)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def has_vip_on(lab, host, dev, vip=VIP, prefix=24):
    r = lab.exec(host, "ip", "-o", "addr", "show", "dev", dev, check=False)
    return (" %s/%d " % (vip, prefix)) in r.stdout


def client_neigh(lab, ip=VIP):
    return lab.exec("client", "ip", "neigh", "show", ip).stdout


def sysctl(lab, host, dev, key):
    return lab.exec(host, "cat", "/proc/sys/net/ipv4/conf/%s/%s" %
                    (dev, key)).stdout.strip()


def test_vmac_failover_keeps_the_virtual_mac(pair, directors):
    listen(pair, "lb1")
    listen(pair, "lb2")
    d2 = directors("lb2", conf(100, extra="use_vmac = true;")).start()
    d1 = directors("lb1", conf(150, extra="use_vmac = true;")).start()
    wait_for(lambda: state(d1) == "MASTER" and state(d2) == "BACKUP", 5,
             "lb1 master, lb2 backup")
    # Both boxes made the macvlan, private mode, virtual MAC; only the
    # master's holds the VIP, none is on eth0.
    for host in ("lb1", "lb2"):
        link = vmac_link(pair, host)
        assert link is not None, host
        assert link["address"] == VMAC
        assert link["linkinfo"]["info_kind"] == "macvlan"
        assert link["linkinfo"]["info_data"]["mode"] == "private"
        assert link["link"] == "eth0"
    wait_for(lambda: has_vip_on(pair, "lb1", "vrrp.51"), 3, "VIP on vmac")
    assert not has_vip(pair, "lb1") and not has_vip_on(pair, "lb2",
                                                        "vrrp.51")
    # The backup hears the master although both send from one MAC.
    time.sleep(0.5)
    i2 = d2.ctl_json("vrrp")["instances"][0]
    assert i2["state"] == "BACKUP" and i2["master"] == "192.0.2.1", i2
    assert i2["vmac_interface"] == "vrrp.51"
    assert sum(i2["drops"].values()) == 0, i2
    i1 = d1.ctl_json("vrrp")["instances"][0]
    assert sum(i1["drops"].values()) == 0, i1
    assert "vmac vrrp.51" in d1.ctl("vrrp").stdout
    # eth0 answers no ARP for the VIP and asks with its own address.
    assert [sysctl(pair, "lb1", "eth0", k) for k in (
        "arp_ignore", "arp_filter", "arp_announce")] == ["1", "1", "2"]
    assert sysctl(pair, "lb1", "vrrp.51", "arp_ignore") == "1"
    assert pair.exec("lb1", "cat", "/proc/sys/net/ipv6/conf/vrrp.51/"
                     "disable_ipv6").stdout.strip() == "1"
    # The client reaches the VIP at the virtual MAC.
    wait_for(lambda: hello(pair) == "lb1", 5, "lb1 answers on the VIP")
    assert VMAC in client_neigh(pair), client_neigh(pair)
    d1.stop(signal.SIGKILL)
    wait_for(lambda: has_vip_on(pair, "lb2", "vrrp.51"), 3,
             "lb2 takes the VIP")
    d2.wait_for_log(r"BACKUP -> MASTER \(priority 100", timeout=2)
    # Same MAC: the client's entry need not change, the switch learns
    # the new port from the gratuitous ARP and the adverts.
    wait_for(lambda: hello(pair) == "lb2", 5, "lb2 answers on the VIP")
    assert VMAC in client_neigh(pair), client_neigh(pair)
    # SIGTERM removes the macvlan the daemon made.
    assert d2.stop(signal.SIGTERM) == 0
    assert vmac_link(pair, "lb2") is None
    assert "removed macvlan vrrp.51" in d2.log()
    assert [sysctl(pair, "lb2", "eth0", k) for k in (
        "arp_ignore", "arp_filter", "arp_announce")] == ["0", "0", "0"]


def test_vmac_stale_interface_reload_and_removal(pair, directors):
    # A macvlan of that name left by a crash is made anew; a reload that
    # turns use_vmac off removes it, one that turns it on makes it.
    pair.exec("lb1", "ip", "link", "add", "vrrp.51", "link", "eth0", "type",
              "macvlan", "mode", "bridge")
    d1 = directors("lb1", conf(150, extra="use_vmac = true;")).start()
    wait_for(lambda: state(d1) == "MASTER", 5, "lb1 master")
    d1.wait_for_log(r"removed a stale macvlan vrrp\.51", timeout=2)
    link = vmac_link(pair, "lb1")
    assert link["address"] == VMAC
    assert link["linkinfo"]["info_data"]["mode"] == "private"
    wait_for(lambda: has_vip_on(pair, "lb1", "vrrp.51"), 3, "VIP on vmac")
    d1.write_config(conf(150))
    d1.signal(signal.SIGHUP)
    wait_for(lambda: vmac_link(pair, "lb1") is None, 3, "vmac removed")
    wait_for(lambda: has_vip(pair, "lb1"), 3, "VIP on eth0")
    d1.write_config(conf(150, extra='use_vmac = true; '
                         'vmac_interface = "vip51";'))
    d1.signal(signal.SIGHUP)
    wait_for(lambda: has_vip_on(pair, "lb1", "vip51"), 3, "VIP on vip51")
    assert not has_vip(pair, "lb1")
    assert d1.ctl_json("vrrp")["instances"][0]["vmac_interface"] == "vip51"
    # An interface of that name that is not a macvlan is left alone.
    pair.exec("lb2", "ip", "link", "add", "vrrp.51", "type", "veth", "peer",
              "name", "other")
    d2 = directors("lb2", conf(100, extra="use_vmac = true;")).start()
    d2.wait_for_log(r"vrrp\.51 exists and is not a macvlan", timeout=3)
    assert vmac_link(pair, "lb2")["linkinfo"]["info_kind"] == "veth"
    assert d1.stop(signal.SIGTERM) == 0
    assert vmac_link(pair, "lb1", "vip51") is None
    assert d2.stop(signal.SIGTERM) == 0
    assert vmac_link(pair, "lb2")["linkinfo"]["info_kind"] == "veth"


def test_vmac_ipv6_and_repair(pair, directors):
    text = V6_CONF.replace("virtual_router_id = 61;",
                           "virtual_router_id = 61; use_vmac = true;")
    assert text != V6_CONF
    d2 = directors("lb2", text % 100).start()
    d1 = directors("lb1", text % 150).start()
    wait_for(lambda: state(d1) == "MASTER" and state(d2) == "BACKUP", 5,
             "lb1 master, lb2 backup")
    wait_for(lambda: has_vip_on(pair, "lb1", "vrrp6.61", "2001:db8::100",
                                64), 3, "IPv6 VIP on vrrp6.61")
    link = vmac_link(pair, "lb1", "vrrp6.61")
    assert link["address"] == "00:00:5e:00:02:3d"
    time.sleep(0.5)
    inst = d2.ctl_json("vrrp")["instances"][0]
    assert inst["master"].startswith("fe80::"), inst
    assert sum(inst["drops"].values()) == 0, inst
    # Someone removes the master's macvlan: it is made anew, VIP back.
    pair.exec("lb1", "ip", "link", "del", "vrrp6.61")
    d1.wait_for_log(r"macvlan vrrp6\.61 was removed: making it anew",
                    timeout=3)
    wait_for(lambda: has_vip_on(pair, "lb1", "vrrp6.61", "2001:db8::100",
                                64), 3, "IPv6 VIP back on vrrp6.61")
    assert state(d1) == "MASTER" and state(d2) == "BACKUP"
    d1.stop(signal.SIGKILL)
    wait_for(lambda: has_vip_on(pair, "lb2", "vrrp6.61", "2001:db8::100",
                                64), 3, "lb2 takes the IPv6 VIP")


@needs_keepalived
def test_vmac_interop_keepalived(pair, directors, keepalived_factory):
    # keepalived with its own use_vmac: both send from the same MAC.
    ka = keepalived_factory("lb1", version=3, priority=150, interval=0.1,
                            auth="use_vmac vrrp.51")
    wait_for(lambda: has_vip_on(pair, "lb1", "vrrp.51"), 10,
             "keepalived takes the VIP on its vmac")
    d2 = directors("lb2", conf(100, extra="use_vmac = true;")).start()
    time.sleep(1)
    inst = d2.ctl_json("vrrp")["instances"][0]
    assert inst["state"] == "BACKUP" and inst["master"] == "192.0.2.1", \
        d2.log()
    assert sum(inst["drops"].values()) == 0, inst
    ka.kill()
    wait_for(lambda: has_vip_on(pair, "lb2", "vrrp.51"), 3,
             "director takes over from keepalived")
    assert VMAC in vmac_link(pair, "lb2")["address"]


MISSING_CONF = """
vrrp_instances = (
  { name = "VI_1"; interface = "eth0"; virtual_router_id = 51;
    priority = 150; advert_interval = 0.1;
    virtual_addresses = ( "192.0.2.100/24" ); },
  { name = "VI_2"; interface = "eth1"; virtual_router_id = 52;
    priority = 150; advert_interval = 0.1;
    virtual_addresses = ( "198.51.100.100/24" ); }
);
sync_groups = ( { name = "G1"; instances = [ "VI_1", "VI_2" ]; } );
"""
VIP2 = "198.51.100.100"


def add_eth1(lab, host="lb1"):
    """A second interface eth1 in host, a veth into the lab's bridge."""
    ns = lab.ns(host)
    port = "q%s" % host
    run("ip", "-n", ns, "link", "add", "eth1", "type", "veth", "peer",
        "name", port, "netns", lab.switch)
    run("ip", "-n", lab.switch, "link", "set", port, "master", "br0")
    run("ip", "-n", lab.switch, "link", "set", port, "up")
    run("ip", "-n", ns, "addr", "add", "198.51.100.1/24", "dev", "eth1")
    run("ip", "-n", ns, "link", "set", "eth1", "up")


def insts(d):
    return {i["name"]: i for i in d.ctl_json("vrrp")["instances"]}


def group_states(d):
    return [i["state"] for i in d.ctl_json("vrrp")["instances"]]


def test_missing_interface_waits_in_fault(pair, directors):
    d1 = directors("lb1", MISSING_CONF).start()
    # VI_2 exists in FAULT and holds its group there: no VIP anywhere.
    wait_for(lambda: group_states(d1) == ["FAULT", "FAULT"], 3,
             "group in FAULT")
    time.sleep(0.5)
    i = insts(d1)
    assert i["VI_2"]["fault_reason"] == "interface eth1 missing", i
    assert i["VI_1"]["fault_reason"] == "sync group G1: VI_2 in fault", i
    assert not has_vip(pair, "lb1")
    assert "interface eth1 missing" in d1.ctl("vrrp").stdout
    d1.wait_for_log(r"VRRP instance VI_2: waiting in FAULT: interface eth1 "
                    r"missing")
    # The interface appears: the group starts (BACKUP, then MASTER alone).
    add_eth1(pair)
    wait_for(lambda: group_states(d1) == ["MASTER", "MASTER"], 5,
             "group master")
    wait_for(lambda: has_vip(pair, "lb1") and has_vip_on(
        pair, "lb1", "eth1", VIP2), 2, "both VIPs")
    d1.wait_for_log(r"VRRP instance VI_2: FAULT -> BACKUP")
    assert insts(d1)["VI_2"]["fault_reason"] is None


def test_deleted_interface_means_fault_until_it_returns(pair, directors):
    add_eth1(pair)
    d1 = directors("lb1", MISSING_CONF).start()
    wait_for(lambda: group_states(d1) == ["MASTER", "MASTER"], 5,
             "group master")
    assert has_vip(pair, "lb1") and has_vip_on(pair, "lb1", "eth1", VIP2)
    pair.exec("lb1", "ip", "link", "del", "eth1")
    wait_for(lambda: group_states(d1) == ["FAULT", "FAULT"], 3,
             "group in FAULT")
    wait_for(lambda: not has_vip(pair, "lb1"), 2, "VIP on eth0 released")
    assert insts(d1)["VI_2"]["fault_reason"] == "interface eth1 missing"
    d1.wait_for_log(r"VRRP instance VI_2: interface eth1 removed")
    # Back (another ifindex): a new socket, the VIPs on the new eth1.
    add_eth1(pair)
    wait_for(lambda: group_states(d1) == ["MASTER", "MASTER"], 5,
             "group master again")
    wait_for(lambda: has_vip(pair, "lb1") and has_vip_on(
        pair, "lb1", "eth1", VIP2), 2, "both VIPs back")
    assert sum(insts(d1)["VI_2"]["drops"].values()) == 0
    assert "adding 198.51.100.100" not in d1.log()
