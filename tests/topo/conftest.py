"""Fixtures for topology tests: namespaces, a bridge, running directors.

These tests need root (network namespaces); without it they are skipped
with the reason printed. Teardown stops every director a test started (by
PID), fails the test on any sanitizer report in its log, and deletes the
namespaces, whatever happened in the test.
"""

import os
import shutil

import pytest

from lab import DIRECTOR, REPO, Director, Lab


def pytest_collection_modifyitems(config, items):
    reason = None
    if os.geteuid() != 0:
        reason = "topology tests need root (network namespaces)"
    elif shutil.which("ip") is None:
        reason = "topology tests need iproute2"
    elif not os.access(DIRECTOR, os.X_OK):
        reason = "no director binary at %s (build first)" % DIRECTOR
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def lab():
    lab = Lab("t")
    try:
        yield lab
    finally:
        lab.destroy()


@pytest.fixture
def directors(lab, tmp_path):
    """Factory: directors(host, config_text) -> Director (not started)."""
    made = []

    def make(host, config_text, name=None):
        d = Director(lab, host, tmp_path, config_text,
                     name=name or "director-%s-%d" % (host, len(made)))
        made.append(d)
        return d

    yield make
    problems = []
    for d in made:
        if d.proc is not None and d.proc.poll() is None:
            d.stop()
        report = d.sanitizer_report()
        if report:
            problems.append("sanitizer report from %s:\n%s" % (d.dir, report))
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def example_config():
    with open(os.path.join(REPO, "etc", "director.conf")) as f:
        return f.read()
