"""A private place to run one notebook: a working directory holding only the student's files and
what the course ships for students, a fresh home outside it, and a process jail: a pids cgroup
of its own when the machine offers one (root), else the kernel's process group, so that every
process the notebook starts is counted, capped and killed afterwards."""

import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

PIDS_CGROUP = Path("/sys/fs/cgroup/pids")


class Sandbox:
    def __init__(self, processes=256):
        self.root = Path(tempfile.mkdtemp(prefix="course-grading-"))
        self.work = self.root / "work"
        self.home = self.root / "home"
        self.work.mkdir()
        (self.home / ".config" / "matplotlib").mkdir(parents=True)
        self.cgroup = self._make_cgroup(processes)
        self.kernel_pid = None
        self._warm_matplotlib()

    @staticmethod
    def _make_cgroup(processes):
        if os.geteuid() != 0 or not (PIDS_CGROUP / "cgroup.procs").exists():
            return None
        try:
            path = PIDS_CGROUP / "course-grading" / uuid.uuid4().hex[:12]
            path.mkdir(parents=True)
            (path / "pids.max").write_text(str(processes))
            return path
        except OSError:
            return None

    def _warm_matplotlib(self):
        # Copy the font cache so that matplotlib neither rebuilds it nor warns on stderr.
        try:
            import matplotlib
            for cache in Path(matplotlib.get_cachedir()).glob("fontlist*.json"):
                shutil.copy(cache, self.home / ".config" / "matplotlib" / cache.name)
        except Exception:
            pass

    def fill(self, files, shipped_dir=None):
        """Copy the student's files ({relative path: source path}), then the course's shipped
        files for this assignment (notebooks excepted) over them, as nbgrader does."""
        for rel, src in files.items():
            dest = self.work / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        if shipped_dir and Path(shipped_dir).is_dir():
            for src in Path(shipped_dir).rglob("*"):
                if src.is_file() and src.suffix != ".ipynb" and ".ipynb_checkpoints" not in src.parts:
                    dest = self.work / src.relative_to(shipped_dir)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dest)

    def wrapper(self, limits):
        """Command prefix that starts the kernel inside this sandbox's limits."""
        return [sys.executable, "-m", "course.grading.limits", limits.to_json(),
                str(self.cgroup) if self.cgroup else "-", "--"]

    def env(self):
        bin_dir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home),
            "MPLCONFIGDIR": str(self.home / ".config" / "matplotlib"),
            "IPYTHONDIR": str(self.home / ".ipython"), "JUPYTER_RUNTIME_DIR": str(self.home / ".jupyter"),
            "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "NBGRADER_EXECUTION": "autograde",
            "TMPDIR": str(self.home), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }

    def kill_all(self):
        """Kill every process the notebook started (a fork bomb's children included)."""
        if self.kernel_pid:
            try:
                os.killpg(self.kernel_pid, signal.SIGKILL)
            except OSError:
                pass
        if self.cgroup:
            for _ in range(50):
                pids = [int(p) for p in (self.cgroup / "cgroup.procs").read_text().split()]
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.05)

    def close(self):
        self.kill_all()
        if self.cgroup:
            for _ in range(40):
                try:
                    self.cgroup.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)
