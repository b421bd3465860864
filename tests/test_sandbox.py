"""The sandbox a graded notebook runs in, probed from inside with a short script: what it can
see, write, signal and reach, as its own user (when the grader is root) and as the grader's user
inside a user namespace (how it runs without root, as on a CI runner)."""

import json
import os
import subprocess
import sys

import pytest

from course.grading.limits import Limits
from course.grading.sandbox import Sandbox, sandbox_problem
from tests.course_repo import REPO

PROBE = r'''
import json, os, socket, sys
def can(action):
    try:
        action()
        return True
    except Exception:
        return False
def write(path):
    with open(path, "w") as f:
        f.write("x")
out = {
    "uid": os.getuid(), "env": sorted(os.environ), "pids": [p for p in os.listdir("/proc") if p.isdigit()],
    "cwd": os.getcwd(), "root": sorted(os.listdir("/")),
    "sees_course": os.path.exists(REPO + "/source") or os.path.exists(REPO + "/gradebook.db"),
    "sees_grader": os.listdir(REPO + "/course/grading") if os.path.isdir(REPO + "/course/grading") else [],
    "imports": can(lambda: __import__("numpy") and __import__("course.checks")),
    "writes_work": can(lambda: write("here.txt")), "writes_tmp": can(lambda: write("/tmp/x")),
    "writes_venv": can(lambda: write(sys.prefix + "/x.pth")), "writes_root": can(lambda: write("/x")),
    "network": can(lambda: socket.create_connection(("1.1.1.1", 53), timeout=2)),
}
can(lambda: os.kill(1, 9))   # the sandbox's init: if this killed it, the probe would die with it
__import__("time").sleep(0.3)
print(json.dumps(out))
'''.replace("REPO", repr(str(REPO)))


@pytest.fixture(scope="module", params=["own_user", "user_namespace"])
def probe(request):
    assert sandbox_problem() is None, sandbox_problem()
    if request.param == "own_user" and os.geteuid() != 0:
        pytest.skip("a user of its own needs a grader running as root")
    box = Sandbox(Limits(), own_user=request.param == "own_user")
    try:
        box.fill({})
        done = subprocess.run(box.command([sys.executable, "-c", PROBE]), capture_output=True, text=True,
                              timeout=60, env={"PATH": os.environ["PATH"], "GRADER_ONLY": "secret"})
        assert done.returncode == 0, done.stderr
        return request.param, json.loads(done.stdout), box.uid
    finally:
        box.close()


def test_sees_only_its_own_files_and_processes(probe):
    kind, seen, uid = probe
    assert seen["imports"] and not seen["sees_course"] and seen["sees_grader"] == []
    assert seen["cwd"] == "/sandbox/work" and "sandbox" in seen["root"] and "home" not in seen["root"]
    assert len(seen["pids"]) <= 2, seen["pids"]      # its init and itself
    assert "GRADER_ONLY" not in seen["env"] and "HOME" in seen["env"]
    if kind == "own_user":
        assert seen["uid"] == uid and uid > 0


def test_writes_only_its_own_folders(probe):
    _, seen, _ = probe
    assert seen["writes_work"] and seen["writes_tmp"]
    assert not seen["writes_venv"] and not seen["writes_root"]


def test_has_no_network_and_cannot_touch_its_init(probe):
    _, seen, _ = probe
    assert not seen["network"]   # and the probe outlived its kill of the sandbox's init
