"""Starts a student's kernel inside its sandbox: sets the notebook's limits (inherited by every
process the kernel starts), drops to the sandbox's own unprivileged user when started as root,
then replaces itself with the kernel.

It runs inside the sandbox, where the grader's package is not visible, so it uses the standard
library only. Usage::

    python -I launch.py LIMITS_JSON UID GID NPROC -- KERNEL_CMD...

UID and GID are -1 to keep the current user (a sandbox made without root). NPROC is the cap on
processes and threads for that user (RLIMIT_NPROC).
"""

import json
import os
import resource
import signal
import sys

MiB = 1024 * 1024


def _cap(kind, value):
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


def main(argv):
    limits = json.loads(argv[0])
    uid, gid, nproc = int(argv[1]), int(argv[2]), int(argv[3])
    cmd = argv[argv.index("--") + 1:]
    if uid >= 0 and os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)   # for good: no saved root id to return to
    _cap(resource.RLIMIT_AS, limits["memory_mb"] * MiB)
    _cap(resource.RLIMIT_CPU, limits["cpu_seconds"])
    _cap(resource.RLIMIT_FSIZE, limits["file_size_mb"] * MiB)
    _cap(resource.RLIMIT_CORE, 0)
    _cap(resource.RLIMIT_NPROC, nproc)
    # A file above the size limit raises OSError in the student's code instead of killing it.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
