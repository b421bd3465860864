"""Resource limits for a student's kernel, and the launcher that applies them.

The kernel command is wrapped as ``python -m course.grading.limits LIMITS_JSON CGROUP -- KERNEL_CMD...``:
this module joins the sandbox's pids cgroup (when there is one), sets the limits (inherited by
everything the kernel starts), then ``exec``s the kernel.
"""

import json
import os
import resource
import signal
import sys
from dataclasses import asdict, dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits for one notebook run. Defaults are documented in the README (Grading section)."""
    memory_mb: int = 4096          # address space of the kernel and each process it starts
    cpu_seconds: int = 900         # CPU time of the kernel process
    processes: int = 256           # processes and threads the kernel may have at once
    file_size_mb: int = 256        # largest file the kernel may write
    cell_timeout: int = 120        # seconds per cell (nbgrader's Execute.timeout in this course)
    notebook_timeout: int = 900    # seconds for the whole notebook
    output_mb: float = 8.0         # outputs kept per notebook; the rest is dropped (and flagged)

    def to_json(self):
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text):
        return cls(**json.loads(text))


def apply(limits, nproc=None):
    """Set the rlimits of this process (and its future children)."""
    def cap(kind, value):
        soft, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_AS, limits.memory_mb * MiB)
    cap(resource.RLIMIT_CPU, limits.cpu_seconds)
    cap(resource.RLIMIT_FSIZE, limits.file_size_mb * MiB)
    cap(resource.RLIMIT_CORE, 0)
    # A file above the size limit raises OSError in the student's code instead of killing it.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if nproc is not None:
        # RLIMIT_NPROC counts all processes of the user, so the cap is "what runs now + ours".
        cap(resource.RLIMIT_NPROC, nproc)


def main(argv):
    limits = Limits.from_json(argv[0])
    cgroup, nproc = argv[1], None
    if cgroup != "-":
        with open(os.path.join(cgroup, "cgroup.procs"), "w") as procs:
            procs.write(str(os.getpid()))
    elif os.geteuid() != 0:
        nproc = len([p for p in os.listdir("/proc") if p.isdigit()]) + limits.processes
    apply(limits, nproc)
    cmd = argv[argv.index("--") + 1:]
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
