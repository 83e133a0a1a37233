#!/usr/bin/python3
"""IPVS programming at scale: director vs ipvsadm-restore vs keepalived.

Runs INSIDE the IPVS VM (bench/ipvs-scale starts it), as root. For each
size N it builds N TCP services (100 ports on each of N/100 addresses)
with 10 NAT destinations each (wrr, weights 1..10) and measures, each in
a fresh private network namespace (IPVS state is per namespace):

  director     `director -d` from exec until its first sync is done
               (status --json over the control socket: ipvs.syncs >= 1),
               then the engine figures from `ipvs --json`, the table
               compared with the rules via `ipvsadm -S -n`, a one-weight
               reload, RSS, and SIGTERM until exit;
  restore      `ipvsadm-restore < rules` until it exits;
  keepalived   `keepalived --dont-fork -C` with the same services, until
               /proc/PID/net/ip_vs lists every destination (capped).

Everything is a guest (TCG) time. Processes are signalled only by the
PID (or the process group) this script started; namespaces it created
are deleted at the end.

--gen DIR writes the three configs for --sizes and exits (works on the
host too, to look at them or to run `director -t`).
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DESTS = 10
PORTS_PER_ADDR = 100


def binary(env, name):
    if os.environ.get(env):
        return os.environ[env]
    return os.path.join(REPO, "build", "gcc", name)


DIRECTOR = binary("DIRECTOR_BIN", "director")
DIRECTORCTL = binary("DIRECTORCTL_BIN", "directorctl")
NSPREFIX = "bipvs-%d-" % os.getpid()


# ---------------------------------------------------------------- rules

def service(i):
    """(address, port) of service i: 100 ports on each address."""
    a = i // PORTS_PER_ADDR
    return "10.10.%d.%d" % (a // 250, a % 250 + 1), 1000 + i % PORTS_PER_ADDR


def dest(i, k):
    """(address, port, weight) of destination k of service i."""
    m = i * DESTS + k
    b = m // 250
    return "10.%d.%d.%d" % (128 + b // 256, b % 256, m % 250 + 1), 8080, k + 1


def rules(n, override=None):
    """The table as `ipvsadm -S -n` prints it (also ipvsadm -R input).

    override = (i, k, weight) changes one destination's weight.
    """
    out = []
    for i in range(n):
        va, vp = service(i)
        out.append("-A -t %s:%d -s wrr" % (va, vp))
        for k in range(DESTS):
            ra, rp, w = dest(i, k)
            if override and override[:2] == (i, k):
                w = override[2]
            out.append("-a -t %s:%d -r %s:%d -m -w %d" % (va, vp, ra, rp, w))
    return out


def director_conf(n, override=None):
    out = ['global = { router_id = "bench"; log_level = "info";',
           '  ipvs = { drift_check_interval = 0; purge_unknown = false; };',
           '};', 'virtual_servers = (']
    for i in range(n):
        va, vp = service(i)
        rs = []
        for k in range(DESTS):
            ra, rp, w = dest(i, k)
            if override and override[:2] == (i, k):
                w = override[2]
            rs.append('{ address = "%s"; port = %d; weight = %d; }'
                      % (ra, rp, w))
        out.append('  { name = "s%d"; address = "%s"; port = %d; '
                   'protocol = "tcp"; scheduler = "wrr"; forwarding = "nat";'
                   % (i, va, vp))
        out.append('    real_servers = ( %s ); }%s'
                   % (",\n      ".join(rs), "," if i < n - 1 else ""))
    out.append(");")
    return "\n".join(out) + "\n"


def keepalived_conf(n):
    # No checker in real_server: keepalived takes the server as up and
    # adds it at start (alpha is off by default).
    out = ["global_defs {", "  router_id bench", "}"]
    for i in range(n):
        va, vp = service(i)
        out += ["virtual_server %s %d {" % (va, vp), "  delay_loop 60",
                "  lb_algo wrr", "  lb_kind NAT", "  protocol TCP"]
        for k in range(DESTS):
            ra, rp, w = dest(i, k)
            out += ["  real_server %s %d {" % (ra, rp),
                    "    weight %d" % w, "  }"]
        out.append("}")
    return "\n".join(out) + "\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# ---------------------------------------------------------- namespaces

def run(*args, timeout=600, check=True, **kw):
    return subprocess.run(list(args), check=check, timeout=timeout,
                          capture_output=True, text=True, **kw)


class Netns:
    def __init__(self, tag):
        self.name = NSPREFIX + tag
        run("ip", "netns", "add", self.name)
        self.alive = True
        run("ip", "-n", self.name, "link", "set", "lo", "up")

    def cmd(self, *args):
        return ["ip", "netns", "exec", self.name, *args]

    def exec(self, *args, **kw):
        return run(*self.cmd(*args), **kw)

    def table(self):
        """ipvsadm -S -n lines, and how long ipvsadm took."""
        t = time.monotonic()
        out = self.exec("ipvsadm", "-S", "-n").stdout.splitlines()
        return out, time.monotonic() - t

    def destroy(self):
        if not self.alive:
            return
        self.alive = False
        # Flush first: the kernel's asynchronous netns clean-up of 100,000
        # destinations would otherwise run during the next measurement.
        self.exec("ipvsadm", "-C", check=False)
        run("ip", "netns", "del", self.name, check=False)
        time.sleep(1)


def verify(ns, want):
    """(services, destinations, equal to the rules?, ipvsadm -S seconds)."""
    got, took = ns.table()
    nsvc = sum(1 for ln in got if ln.startswith("-A "))
    ndst = sum(1 for ln in got if ln.startswith("-a "))
    return nsvc, ndst, sorted(got) == sorted(want), took


def proc_ipvs_dests(pid):
    """Destinations in the network namespace of pid, from /proc."""
    with open("/proc/%d/net/ip_vs" % pid, "rb") as f:
        data = f.read()
    return data.count(b"\n  -> ") - 1  # minus the header line


# ---------------------------------------------------------- control socket

def ctl(sock, line, timeout=600):
    """One request over director's control socket: (ok, body bytes)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock)
        s.sendall(line.encode() + b"\n")
        buf = bytearray()
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            buf += b
    finally:
        s.close()
    head, _, body = bytes(buf).partition(b"\n")
    return head == b"OK", body


def ctl_syncs(sock):
    ok, body = ctl(sock, "status --json")
    if not ok:
        raise RuntimeError("status: %r" % body[:200])
    return json.loads(body)["subsystems"]["ipvs"]["syncs"]


class Prober:
    """Polls `status --json` every interval; records the slowest answer.

    A request waits for whatever holds director's event loop, so the
    slowest answer bounds a stall from below (plus the probe's own cost;
    idle_ms is that cost on an idle loop).
    """

    def __init__(self, sock, interval):
        self.sock, self.interval = sock, interval
        self.max_s = 0.0
        self.n = 0
        self.dropped = 0        # connected but no answer (closed)
        self.last_ok = time.monotonic()
        self.max_gap_s = 0.0    # longest time between two answers
        self.syncs = -1
        self.at = None
        self.stop = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            t = time.monotonic()
            try:
                syncs = ctl_syncs(self.sock)
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.01)    # not listening yet
                continue
            except (OSError, RuntimeError, ValueError):
                self.dropped += 1
                time.sleep(0.01)
                continue
            now = time.monotonic()
            with self.lock:
                self.n += 1
                self.max_s = max(self.max_s, now - t)
                if self.n > 1:
                    self.max_gap_s = max(self.max_gap_s, now - self.last_ok)
                self.last_ok = now
                self.syncs = syncs
                self.at = now
            time.sleep(self.interval)

    def wait(self, syncs, deadline, proc):
        while time.monotonic() < deadline:
            with self.lock:
                if self.syncs >= syncs:
                    return self.at
            if proc.poll() is not None:
                raise RuntimeError("director exited with %s" % proc.returncode)
            time.sleep(0.005)
        raise RuntimeError("no sync %d in time" % syncs)

    def close(self):
        self.stop = True
        self.thread.join(30)


def idle_probe_ms(sock, n=20):
    lat = []
    for _ in range(n):
        t = time.monotonic()
        ctl_syncs(sock)
        lat.append(time.monotonic() - t)
        time.sleep(0.01)
    lat.sort()
    return lat[len(lat) // 2] * 1000, lat[-1] * 1000


def engine(sock, pid, use_ctl=True):
    """The engine object of `ipvs --json`, its latency and body size.

    The body lists every service and destination (tens of MB at 10,000
    services); only the trailing engine object is parsed. When director
    sends no answer (a handler that blocks longer than the control
    socket's 5 s timeout loses its reply), the same counters are read
    with gdb from lb_stats(); source says which.
    """
    if not use_ctl:
        eng = engine_gdb(pid)
        eng["source"] = "gdb"
        return eng, None, 0
    t = time.monotonic()
    ok, body = ctl(sock, "ipvs --json")
    took = time.monotonic() - t
    if ok:
        tail = body[body.rfind(b'"engine":'):].decode().strip()
        eng = json.loads("{" + tail)["engine"]
        eng["source"] = "ipvs --json"
        return eng, took, len(body)
    eng = engine_gdb(pid)
    eng["source"] = "gdb (ipvs --json: %s after %.1f s)" % (
        "no reply" if not body and not ok else "error", took)
    return eng, took, len(body)


def engine_gdb(pid):
    out = run("gdb", "-batch", "-ex", "set sysroot /", "-ex",
              "file " + DIRECTOR, "-ex", "attach %d" % pid, "-ex",
              "frame function daemon_run", "-ex", "print *lb_stats(d->lb)",
              check=False, timeout=300).stdout
    m = re.search(r"^\$1 = \{(.*)\}$", out, re.M)
    if not m:
        raise RuntimeError("gdb could not read lb_stats: %s" % out[-300:])
    eng = {}
    for k, v in re.findall(r"(\w+) = (\d+|true|false)", m.group(1)):
        eng[k] = {"true": True, "false": False}.get(v, v)
        if isinstance(eng[k], str):
            eng[k] = int(v)
    return eng


class SyslogSink:
    """Binds /dev/log in the guest and discards what arrives.

    The guest runs no syslog daemon: glibc's syslog() then falls back to
    /dev/console (LOG_CONS), a slow emulated serial port, and keepalived
    logs a line per virtual server. A sink makes logging cost what it
    costs with a syslog daemon running.
    """

    PATH = "/dev/log"

    def __init__(self):
        self.n = 0
        self.sock = None
        if os.path.exists(self.PATH):
            return  # someone else's: leave it alone
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(self.PATH)
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                self.sock.recv(65536)
            except OSError:
                return
            self.n += 1

    def close(self):
        if self.sock is not None:
            self.sock.close()
            os.unlink(self.PATH)


def log_time(path, needle):
    """Seconds of day of the first director log line containing needle."""
    with open(path, errors="replace") as f:
        for ln in f:
            if needle in ln:
                h, m, rest = ln.split(" ", 1)[0].split(":")
                return int(h) * 3600 + int(m) * 60 + float(rest)
    return None


def vm_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            k, _, v = ln.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])  # kB
    return out


# ---------------------------------------------------------- measurements

def bench_director(n, work, res):
    r = res["director"] = {}
    ns = Netns("d%d" % n)
    d = os.path.join(work, "director-%d" % n)
    os.makedirs(d, exist_ok=True)
    conf, sock = os.path.join(d, "director.conf"), os.path.join(d, "sock")
    pidf, logf = os.path.join(d, "pid"), os.path.join(d, "log")
    write(conf, director_conf(n))
    want = rules(n)
    proc = None
    try:
        log = open(logf, "wb")
        t0, t0_wall = time.monotonic(), time.time()
        proc = subprocess.Popen(ns.cmd(DIRECTOR, "-d", "-f", conf, "-P", pidf,
                                       "-S", sock), stdout=log,
                                stderr=subprocess.STDOUT)
        log.close()
        probe = Prober(sock, 0.02)
        t1 = probe.wait(1, t0 + 600, proc)
        probe.close()
        r["cold_wall_s"] = t1 - t0
        r["cold_probe_max_ms"] = probe.max_s * 1000
        r["cold_probes"] = probe.n
        started = log_time(logf, "started: config")
        lt = time.localtime(t0_wall)
        r["cold_started_s"] = None if started is None else started - (
            lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec + t0_wall % 1)
        r["idle_probe_ms"], _ = idle_probe_ms(sock)
        eng, took, size = engine(sock, proc.pid)
        r["cold_engine"] = eng
        r["ipvs_json_s"], r["ipvs_json_mb"] = took, size / 1e6
        r["cold_ok"] = eng["syncs"] >= 1 and not eng["busy"] and \
            eng["op_errors"] == 0
        r["svcs"], r["dests"], r["equal"], r["ipvsadm_S_s"] = verify(ns, want)
        r["mem_after_sync"] = vm_status(proc.pid)
        use_ctl = eng["source"] == "ipvs --json"

        # A sync with nothing to change: what the periodic drift check
        # (default every 30 s) costs. Reads the whole table back.
        before = eng["syncs"]
        probe = Prober(sock, 0.005)
        time.sleep(0.2)
        t0 = time.monotonic()
        ok, body = ctl(sock, "ipvs sync")
        if not ok:
            raise RuntimeError("ipvs sync: %r" % body[:200])
        t1 = probe.wait(before + 1, t0 + 600, proc)
        probe.close()
        r["drift_wall_s"] = t1 - t0
        r["drift_probe_max_ms"] = probe.max_s * 1000
        r["drift_probe_gap_ms"] = probe.max_gap_s * 1000
        eng, _, _ = engine(sock, proc.pid, use_ctl)
        r["drift_engine"] = eng

        # One-line reload: one destination's weight in the middle.
        i, k = n // 2, 3
        w = dest(i, k)[2] + 10
        write(conf + ".new", director_conf(n, (i, k, w)))
        os.replace(conf + ".new", conf)
        before = eng["syncs"]
        max_before = eng["max_slice_us"]
        steps_before = eng["steps"]
        time.sleep(0.5)
        probe = Prober(sock, 0.005)
        time.sleep(0.2)
        t0 = time.monotonic()
        ok, body = ctl(sock, "reload")
        t_reply = time.monotonic()
        r["reload_reply"] = body.decode(errors="replace").strip()[:200] \
            if ok else "NONE (connection closed without an answer)" \
            if not body else "ERROR " + body.decode(errors="replace")[:200]
        t1 = probe.wait(before + 1, t0 + 600, proc)
        probe.close()
        r["reload_reply_s"] = t_reply - t0
        r["reload_wall_s"] = t1 - t0
        r["reload_probe_max_ms"] = probe.max_s * 1000
        r["reload_probe_gap_ms"] = probe.max_gap_s * 1000
        r["reload_probe_dropped"] = probe.dropped
        eng, _, _ = engine(sock, proc.pid, use_ctl)
        r["reload_engine"] = eng
        r["reload_max_slice_raised"] = eng["max_slice_us"] > max_before
        r["reload_steps"] = eng["steps"] - steps_before
        a, b = log_time(logf, "reloading "), log_time(logf, "reload OK")
        r["reload_parse_log_s"] = None if a is None or b is None else b - a
        va, vp = service(i)
        ra, rp, _ = dest(i, k)
        line = "-a -t %s:%d -r %s:%d -m -w %d" % (va, vp, ra, rp, w)
        got, _ = ns.table()
        r["reload_applied"] = line in got and \
            sorted(got) == sorted(rules(n, (i, k, w)))
        r["mem_after_reload"] = vm_status(proc.pid)

        # directorctl itself (a process start in the guest) for one reload.
        t0 = time.monotonic()
        run(DIRECTORCTL, "-S", sock, "status")
        r["directorctl_status_s"] = time.monotonic() - t0

        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(300)
        r["stop_s"] = time.monotonic() - t0
        r["stop_rc"] = proc.returncode
        r["left_after_stop"] = sum(1 for ln in ns.table()[0]
                                   if ln.startswith("-A "))
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(30)
        with open(logf, errors="replace") as f:
            r["log_sync_lines"] = [ln.rstrip() for ln in f
                                   if "sync (" in ln or "WARN" in ln.upper()
                                   or "error" in ln or "reload" in ln][:12]
        ns.destroy()


def bench_restore(n, work, res):
    r = res["restore"] = {}
    ns = Netns("r%d" % n)
    f = os.path.join(work, "rules-%d" % n)
    want = rules(n)
    write(f, "\n".join(want) + "\n")
    try:
        with open(f) as inp:
            t0 = time.monotonic()
            p = subprocess.run(ns.cmd("ipvsadm-restore"), stdin=inp,
                               capture_output=True, text=True, timeout=900)
            r["wall_s"] = time.monotonic() - t0
        r["rc"] = p.returncode
        r["stderr"] = p.stderr[-300:]
        r["svcs"], r["dests"], r["equal"], r["ipvsadm_S_s"] = verify(ns, want)
    finally:
        ns.destroy()


def bench_keepalived(n, work, res, cap):
    r = res["keepalived"] = {}
    ns = Netns("k%d" % n)
    d = os.path.join(work, "keepalived-%d" % n)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "keepalived.conf")
    write(conf, keepalived_conf(n))
    want = rules(n)
    total = n * DESTS
    proc = None
    try:
        log = open(os.path.join(d, "log"), "wb")
        t0 = time.monotonic()
        proc = subprocess.Popen(
            ns.cmd("keepalived", "--dont-fork", "--log-console",
                   "--use-file=" + conf, "-C",
                   "--pid=" + os.path.join(d, "keepalived.pid"),
                   "--checkers_pid=" + os.path.join(d, "checkers.pid"),
                   "--vrrp_pid=" + os.path.join(d, "vrrp.pid")),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        interval = 0.2 if n <= 1000 else 0.5
        seen, first = 0, None
        r["finished"] = False
        while time.monotonic() - t0 < cap:
            try:
                seen = proc_ipvs_dests(proc.pid)
            except OSError:
                seen = 0
            now = time.monotonic()
            if seen > 0 and first is None:
                first = now - t0
            if seen >= total:
                r["finished"] = True
                r["wall_s"] = now - t0
                break
            if proc.poll() is not None:
                r["exited"] = proc.returncode
                break
            time.sleep(interval)
        r["poll_interval_s"] = interval
        r["first_dest_s"] = first
        r["dests_seen"] = seen
        r["cap_s"] = cap
        r["svcs"], r["dests"], r["equal"], r["ipvsadm_S_s"] = verify(ns, want)
        try:
            r["mem_kb"] = sum(vm_status(p)["VmRSS"]
                              for p in group_pids(proc.pid))
        except (OSError, KeyError):
            pass
    finally:
        if proc is not None:
            pg = proc.pid
            try:
                os.killpg(pg, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(30)
            deadline = time.monotonic() + 10
            while group_pids(pg) and time.monotonic() < deadline:
                time.sleep(0.1)
            r["left_in_group"] = len(group_pids(pg))
        with open(os.path.join(d, "log"), errors="replace") as f:
            r["log_tail"] = f.read()[-600:]
        ns.destroy()


def group_pids(pgid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(p))
    return out


# ---------------------------------------------------------- report

def fmt_s(x):
    return "-" if x is None else "%.2f s" % x


def report(all_res, sizes, cap, elapsed):
    P = print
    P()
    P("IPVS scale benchmark: %s" % ", ".join(
        "%d x %d" % (n, DESTS) for n in sizes))
    P("ALL FIGURES ARE GUEST TIMES: qemu TCG (no KVM), Debian kernel %s, 2 "
      "vCPUs on 2 host cores." % os.uname().release)
    P("The guest is ~3.4x slower than the host for CPU work and ~30x for "
      "process start-up;")
    P("compare the columns with each other, never with hardware figures.")
    P()
    w = [58] + [32] * len(sizes)
    row = lambda *c: P("".join(str(x).ljust(w[i]) for i, x in enumerate(c)))
    row("", *["N = %d (x%d = %d dests)" % (n, DESTS, n * DESTS)
              for n in sizes])
    get = lambda n, *k: _get(all_res[n], *k)
    s = sizes

    def line(label, f):
        row(label, *[f(n) for n in s])

    P("-- director cold start (exec -> first sync done), empty table")
    line("  wall time", lambda n: fmt_s(get(n, "director", "cold_wall_s")))
    line("  of which exec -> 'started' log (config load)",
         lambda n: fmt_s(get(n, "director", "cold_started_s")))
    line("  engine.last_sync_us", lambda n: _us(get(n, "director",
                                                     "cold_engine",
                                                     "last_sync_us")))
    line("  engine.last_sync_ops", lambda n: get(n, "director", "cold_engine",
                                                 "last_sync_ops"))
    line("  engine.max_slice_us (longest step)",
         lambda n: _us(get(n, "director", "cold_engine", "max_slice_us")))
    line("  engine.max_slice_phase (what it did)",
         lambda n: get(n, "director", "cold_engine", "max_slice_phase"))
    line("  engine.steps", lambda n: get(n, "director", "cold_engine",
                                         "steps"))
    line("  slowest ctl answer while syncing (20 ms poll)",
         lambda n: _ms(get(n, "director", "cold_probe_max_ms")))
    line("  ctl answer when idle (median)",
         lambda n: _ms(get(n, "director", "idle_probe_ms")))
    line("  engine figures read with", lambda n: (
        get(n, "director", "cold_engine", "source") or "-").split(" (")[0])
    line("  ipvsadm -S: services / destinations",
         lambda n: "%s / %s" % (get(n, "director", "svcs"),
                                get(n, "director", "dests")))
    line("  table == rules", lambda n: _yn(get(n, "director", "equal")))
    P("-- director `ipvs sync` with nothing to change (= a drift check)")
    line("  request -> sync done (wall)",
         lambda n: _ms(_x1000(get(n, "director", "drift_wall_s"))))
    line("  engine.last_sync_us", lambda n: _us(get(n, "director",
                                                     "drift_engine",
                                                     "last_sync_us")))
    line("  engine.last_sync_ops", lambda n: get(n, "director",
                                                 "drift_engine",
                                                 "last_sync_ops"))
    line("  engine.max_slice_us (cumulative)", lambda n: _us(get(
        n, "director", "drift_engine", "max_slice_us")))
    line("  engine.max_slice_phase", lambda n: get(
        n, "director", "drift_engine", "max_slice_phase"))
    line("  engine.steps in this sync", lambda n: _diff(
        get(n, "director", "drift_engine", "steps"),
        get(n, "director", "cold_engine", "steps")))
    line("  slowest ctl answer during it (5 ms poll)",
         lambda n: _ms(get(n, "director", "drift_probe_max_ms")))
    P("-- ipvsadm-restore (ipvsadm -C; ipvsadm -R), empty table")
    line("  wall time", lambda n: fmt_s(get(n, "restore", "wall_s")))
    line("  ipvsadm -S: services / destinations",
         lambda n: "%s / %s" % (get(n, "restore", "svcs"),
                                get(n, "restore", "dests")))
    line("  table == rules", lambda n: _yn(get(n, "restore", "equal")))
    P("-- keepalived 2.2.7 -C (no checkers), empty table")
    line("  start -> all destinations in the kernel", lambda n: (
        fmt_s(get(n, "keepalived", "wall_s"))
        if get(n, "keepalived", "finished")
        else "not in %s s" % get(n, "keepalived", "cap_s")))
    line("  start -> first destination", lambda n: fmt_s(
        get(n, "keepalived", "first_dest_s")))
    line("  poll interval (/proc/PID/net/ip_vs)",
         lambda n: fmt_s(get(n, "keepalived", "poll_interval_s")))
    line("  ipvsadm -S: services / destinations",
         lambda n: "%s / %s" % (get(n, "keepalived", "svcs"),
                                get(n, "keepalived", "dests")))
    line("  table == rules", lambda n: _yn(get(n, "keepalived", "equal")))
    line("  RSS, all keepalived processes",
         lambda n: _mb(get(n, "keepalived", "mem_kb")))
    P("-- director one-line reload (one weight; directorctl reload)")
    line("  reload request -> reply (parse + validate)",
         lambda n: _ms(_x1000(get(n, "director", "reload_reply_s"))) + (
             "" if (get(n, "director", "reload_reply") or "").startswith(
                 "reload OK") else " NO REPLY"))
    line("  director log: 'reloading' -> 'reload OK'",
         lambda n: _ms(_x1000(get(n, "director", "reload_parse_log_s"))))
    line("  reload request -> sync done (wall)",
         lambda n: _ms(_x1000(get(n, "director", "reload_wall_s"))))
    line("  engine.last_sync_us", lambda n: _us(get(n, "director",
                                                     "reload_engine",
                                                     "last_sync_us")))
    line("  engine.last_sync_ops", lambda n: get(n, "director",
                                                 "reload_engine",
                                                 "last_sync_ops"))
    line("  engine.max_slice_us (cumulative)",
         lambda n: _us(get(n, "director", "reload_engine", "max_slice_us")) +
         ("" if get(n, "director", "reload_max_slice_raised") else
          " (=cold)"))
    line("  engine.steps in the reload sync", lambda n: get(
        n, "director", "reload_steps"))
    line("  slowest ctl answer during reload (5 ms poll)",
         lambda n: _ms(get(n, "director", "reload_probe_max_ms")))
    line("  longest time without any ctl answer",
         lambda n: _ms(get(n, "director", "reload_probe_gap_ms")))
    line("  probes closed without an answer (5 s timeout)",
         lambda n: get(n, "director", "reload_probe_dropped"))
    line("  kernel table == new rules", lambda n: _yn(
        get(n, "director", "reload_applied")))
    P("-- director memory and other costs")
    line("  VmRSS after the first sync", lambda n: _mb(
        get(n, "director", "mem_after_sync", "VmRSS")))
    line("  VmHWM (peak) after the reload", lambda n: _mb(
        get(n, "director", "mem_after_reload", "VmHWM")))
    line("  `ipvs --json` answer (written in pieces)", lambda n: (
        "%s, %.1f MB" % (_ms(_x1000(get(n, "director", "ipvs_json_s"))),
                         get(n, "director", "ipvs_json_mb") or 0))
        if get(n, "director", "ipvs_json_mb") else "none after " + fmt_s(
            get(n, "director", "ipvs_json_s")))
    line("  `ipvsadm -S -n` of the table", lambda n: fmt_s(
        get(n, "director", "ipvsadm_S_s")))
    line("  `directorctl status` (process start)", lambda n: _ms(_x1000(
        get(n, "director", "directorctl_status_s"))))
    line("  SIGTERM -> exit (deletes its services)", lambda n: fmt_s(
        get(n, "director", "stop_s")))
    line("  services left after stop", lambda n: get(
        n, "director", "left_after_stop"))
    P()
    P("Targets (from the issue), per size:")
    for n in s:
        dc = get(n, "director", "cold_wall_s")
        rs = get(n, "restore", "wall_s")
        if dc is not None and rs is not None:
            P("  N=%d: cold start %.2f s vs ipvsadm-restore %.2f s: %s "
              "(%.1fx)" % (n, dc, rs, "MET" if dc <= rs else "MISSED",
                           rs / dc if dc else 0))
        rw = get(n, "director", "reload_wall_s")
        ops = get(n, "director", "reload_engine", "last_sync_ops")
        if rw is not None:
            P("  N=%d: one-line reload %.0f ms (< 50 ms?) with %s netlink "
              "operation(s) (exactly 1?): %s" % (
                  n, rw * 1000, ops,
                  "MET" if rw < 0.05 and ops == 1 else
                  "MISSED" + (" (time)" if rw >= 0.05 else "") +
                  (" (ops)" if ops != 1 else "")))
    P()
    P("Total benchmark time in the guest: %.0f s" % elapsed)
    try:
        with open("/proc/loadavg") as f:
            P("guest load average at the end: %s" % " ".join(
                f.read().split()[:3]))
    except OSError:
        pass


def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _us(x):
    return "-" if x is None else "{:,} us".format(x)


def _ms(x):
    return "-" if x is None else "%.1f ms" % x


def _x1000(x):
    return None if x is None else x * 1000


def _mb(kb):
    return "-" if kb is None else "%.1f MB" % (kb / 1024)


def _yn(x):
    return "-" if x is None else ("yes" if x else "NO")


def _diff(a, b):
    return "-" if a is None or b is None else a - b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--keepalived-cap", type=float, default=300)
    ap.add_argument("--skip", default="", help="director,restore,keepalived")
    ap.add_argument("--json", help="also write the raw figures here")
    ap.add_argument("--gen", metavar="DIR", help="write the configs, exit")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    if a.gen:
        os.makedirs(a.gen, exist_ok=True)
        for n in sizes:
            write(os.path.join(a.gen, "director-%d.conf" % n),
                  director_conf(n))
            write(os.path.join(a.gen, "keepalived-%d.conf" % n),
                  keepalived_conf(n))
            write(os.path.join(a.gen, "rules-%d" % n),
                  "\n".join(rules(n)) + "\n")
        return 0
    if os.geteuid() != 0 or not os.path.exists("/proc/net/ip_vs"):
        print("needs root and IPVS: run bench/ipvs-scale", file=sys.stderr)
        return 2
    work = "/tmp/bipvs-%d" % os.getpid()
    os.makedirs(work)
    # Warm the 9p cache: the first exec of a binary reads it over 9p.
    for c in ([DIRECTOR, "--version"], ["ipvsadm", "-v"],
              ["keepalived", "--version"], [DIRECTORCTL, "--help"]):
        run(*c, check=False)
    sink = SyslogSink()
    skip = set(a.skip.split(",")) - {""}
    all_res = {}
    start = time.monotonic()
    for n in sizes:
        res = all_res[n] = {}
        for name, fn in (("director", bench_director),
                         ("restore", bench_restore),
                         ("keepalived", bench_keepalived)):
            if name in skip:
                continue
            t = time.monotonic()
            print("[%5.0f s] N=%d: %s ..." % (t - start, n, name), flush=True)
            try:
                if name == "keepalived":
                    fn(n, work, res, a.keepalived_cap)
                else:
                    fn(n, work, res)
            except Exception as e:  # report and go on with the others
                res.setdefault(name, {})["error"] = repr(e)
                print("  %s failed: %r" % (name, e), flush=True)
            print("[%5.0f s]   done in %.1f s" % (
                time.monotonic() - start, time.monotonic() - t), flush=True)
    sink.close()
    report(all_res, sizes, a.keepalived_cap, time.monotonic() - start)
    print("syslog messages received (discarded): %d" % sink.n)
    for n in sizes:
        for name in ("director", "restore", "keepalived"):
            r = all_res[n].get(name, {})
            if "error" in r:
                print("N=%d %s: ERROR %s" % (n, name, r["error"]))
        kl = all_res[n].get("keepalived", {})
        if kl and not kl.get("finished"):
            print("N=%d keepalived log tail:\n%s" % (n, kl.get("log_tail")))
        dl = all_res[n].get("director", {}).get("log_sync_lines")
        if dl:
            print("N=%d director log:\n  %s" % (n, "\n  ".join(dl)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(all_res, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
