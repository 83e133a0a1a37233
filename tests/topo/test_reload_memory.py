"""Reloads leave memory and descriptors flat: 100 reloads of a
200-service config (bench/reload-memory's, with checks and a VRRP
instance), alternating two variants, after a warm-up of 50.
bench/reload-memory runs the full 1,000 x 1,000 and prints the figures.
"""

import json
import os
import time

from lab import load_bench, sanitized

WARMUP, RELOADS, SERVICES = 50, 100, 200
# The gcc build stays within a few kB (bench/RESULTS.md); ASan's allocator
# keeps settling for a few hundred reloads (about 0.5 MB per 100 after
# 50), and its leak check is LSan at exit.
RSS_BUDGET_KB = {False: 512, True: 2048}


def sample(pid):
    with open("/proc/%d/status" % pid) as f:
        rss = [int(line.split()[1]) for line in f
               if line.startswith("VmRSS:")][0]
    return rss, sorted(os.listdir("/proc/%d/fd" % pid), key=int)


def test_reloads_leave_rss_and_fds_flat(lab, directors, tmp_path):
    b = load_bench("reload-memory")
    lab.add_host("lb1", "192.0.2.1/24")
    texts = {v: b.conf(SERVICES, v, 10) for v in "AB"}
    env = None
    asan = sanitized()
    if asan:
        # Freed blocks would sit in ASan's quarantine (256 MB) and look
        # like growth; without it they are reused. LSan still runs at exit.
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get(
            "ASAN_OPTIONS", "") + ":quarantine_size_mb=0")
    d = directors("lb1", texts["A"]).start(env=env)
    t0 = time.monotonic()

    def reloads(n, gen):
        for r in range(n):
            gen += 1
            d.write_config(texts["B" if gen % 2 else "A"])
            ok, body = b.ctl(d.sock, "reload --json")
            res = json.loads(body)
            assert ok and res["ok"] and res["generation"] == gen, body
        return gen

    gen = reloads(WARMUP, 1)
    time.sleep(0.5)
    rss0, fds0 = sample(d.proc.pid)
    reloads(RELOADS, gen)
    time.sleep(0.5)
    rss1, fds1 = sample(d.proc.pid)
    print("RSS %d -> %d kB, fds %d -> %d, %.1f s"
          % (rss0, rss1, len(fds0), len(fds1), time.monotonic() - t0))
    assert fds1 == fds0
    assert rss1 - rss0 < RSS_BUDGET_KB[asan], (rss0, rss1)
    assert d.ctl_json("status")["last_reload"]["ok_count"] == \
        WARMUP + RELOADS
