"""Namespace labs and a handle on a running director, for topology tests.

Everything here runs inside network namespaces the test creates (names
start with a per-run prefix) and is torn down on exit, even when a test
fails. Nothing touches the root namespace's interfaces, addresses or
routes. Processes are only ever signalled by the PID we started.
"""

import importlib.machinery
import importlib.util
import json
import os
import re
from signal import SIGTERM
import subprocess
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _binary(env, name):
    """$env, else the out-of-tree gcc build, else an in-tree build."""
    if os.environ.get(env):
        return os.environ[env]
    built = os.path.join(REPO, "build", "gcc", name)
    return built if os.path.exists(built) else os.path.join(REPO, name)


DIRECTOR = _binary("DIRECTOR_BIN", "director")
DIRECTORCTL = _binary("DIRECTORCTL_BIN", "directorctl")
PREFIX = "dtp%d-" % os.getpid()

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")


def many_checked_servers(n):
    """real_servers entries for n servers on distinct loopback addresses
    (127.1.0.1 on), each with a tcp check once a minute: thousands of
    checks that cost next to nothing (in a lab namespace the port refuses
    at once). Returns (the entries as config text, the addresses)."""
    addrs = ["127.%d.%d.%d" % (1 + i // 62500, i // 250 % 250, i % 250 + 1)
             for i in range(n)]
    return ",\n".join('{ address = "%s"; port = 9; check = { type = "tcp"; '
                      'interval = 60; timeout = 1; }; }' % a
                      for a in addrs), addrs


def sanitized():
    """Whether the director under test is an ASan build."""
    with open(DIRECTOR, "rb") as f:
        return b"__asan_init" in f.read()


def load_bench(name):
    """bench/NAME (a Python script without .py) as a module."""
    path = os.path.join(REPO, "bench", name)
    mod_name = name.replace("-", "_")
    loader = importlib.machinery.SourceFileLoader(mod_name, path)
    spec = importlib.util.spec_from_loader(mod_name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def run(*args, check=True, timeout=20, **kw):
    """Runs a command, returns CompletedProcess with text output."""
    return subprocess.run(list(args), check=check, timeout=timeout,
                          capture_output=True, text=True, **kw)


class Lab:
    """A set of namespaces joined by one bridge living in its own namespace.

    lab.add_host("lb1", "192.0.2.1/24") creates namespace PREFIX+"lb1"
    with an interface eth0 (veth) plugged into the bridge.
    """

    def __init__(self, name="lab"):
        self.tag = PREFIX + name
        self.switch = self.tag + "-sw"
        self.hosts = {}
        self.namespaces = []
        self.procs = []
        self._add_ns(self.switch)
        run("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", self.switch, "link", "set", "br0", "up")
        run("ip", "-n", self.switch, "link", "set", "lo", "up")

    def _add_ns(self, ns):
        run("ip", "netns", "add", ns)
        self.namespaces.append(ns)

    def ns(self, host):
        return self.hosts[host]

    def add_host(self, host, *addrs, ifname="eth0"):
        ns = self.tag + "-" + host
        self._add_ns(ns)
        port = "p%d" % len(self.hosts)
        run("ip", "-n", ns, "link", "add", ifname, "type", "veth",
            "peer", "name", port, "netns", self.switch)
        run("ip", "-n", self.switch, "link", "set", port, "master", "br0")
        run("ip", "-n", self.switch, "link", "set", port, "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", ns, "link", "set", ifname, "up")
        for a in addrs:
            run("ip", "-n", ns, "addr", "add", a, "dev", ifname)
        self.hosts[host] = ns
        return ns

    def exec(self, host, *args, **kw):
        return run("ip", "netns", "exec", self.hosts[host], *args, **kw)

    def popen(self, host, *args):
        """Starts a background process in host; destroy() ends it."""
        p = subprocess.Popen(["ip", "netns", "exec", self.hosts[host],
                              *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def popen_pipe(self, host, *args):
        """Like popen(), with stdout readable through communicate()."""
        p = subprocess.Popen(["ip", "netns", "exec", self.hosts[host],
                              *args], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        self.procs.append(p)
        return p

    def destroy(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        self.procs = []
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.namespaces = []


class Director:
    """One director process in a namespace, with its own files in tmpdir."""

    def __init__(self, lab, host, tmpdir, config_text, name="director"):
        self.lab = lab
        self.host = host
        self.dir = os.path.join(str(tmpdir), name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "director.conf")
        self.pidfile = os.path.join(self.dir, "director.pid")
        self.sock = os.path.join(self.dir, "director.sock")
        self.logfile = os.path.join(self.dir, "director.log")
        self.proc = None
        self.write_config(config_text)

    def write_config(self, text):
        tmp = self.conf + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.conf)

    def command(self, *extra):
        return ["ip", "netns", "exec", self.lab.ns(self.host), DIRECTOR,
                "-d", "-f", self.conf, "-P", self.pidfile, "-S", self.sock,
                *extra]

    def start(self, *extra, env=None, wait=True):
        log = open(self.logfile, "ab")
        self.proc = subprocess.Popen(self.command(*extra), stdout=log,
                                     stderr=subprocess.STDOUT, env=env)
        log.close()
        if wait:
            self.wait_for_socket()
        return self

    def wait_for_socket(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.sock) and self.ctl_rc("status") == 0:
                return
            if self.proc.poll() is not None:
                raise AssertionError("director exited with %s:\n%s" %
                                     (self.proc.returncode, self.log()))
            time.sleep(0.05)
        raise AssertionError("director did not answer within %ss:\n%s" %
                             (timeout, self.log()))

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern, timeout=10, start=0):
        """Waits for a log line matching pattern after offset start."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = rx.search(self.log(), start)
            if m:
                return m
            time.sleep(0.05)
        raise AssertionError("no log line /%s/ within %ss:\n%s" %
                             (pattern, timeout, self.log()))

    def ctl(self, *args, check=True):
        r = run(DIRECTORCTL, "-S", self.sock, *args, check=False)
        if check and r.returncode != 0:
            raise AssertionError("directorctl %s: rc %d\n%s%s" %
                                 (" ".join(args), r.returncode, r.stdout,
                                  r.stderr))
        return r

    def ctl_rc(self, *args):
        return self.ctl(*args, check=False).returncode

    def ctl_json(self, *args):
        return json.loads(self.ctl(*args, "--json").stdout)

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, sig=SIGTERM, timeout=10):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError("director did not stop within %ss" %
                                 timeout)

    def sanitizer_report(self):
        text = self.log()
        for mark in SANITIZER_MARKS:
            if mark in text:
                return text
        return None
