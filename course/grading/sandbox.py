"""Each graded notebook runs in its own operating-system sandbox, made with bubblewrap (``bwrap``,
the sandbox behind Flatpak). Inside it the kernel sees:

- read-only: the system's programs and libraries, the interpreter, the virtual environment and
  the ``course`` package without its grader;
- read-write: ``/sandbox/work`` (the student's files and the files the course ships for the
  assignment: the notebook's working directory) and ``/sandbox/home`` (its home, temporary files
  and the kernel's sockets); ``/tmp`` is ``/sandbox/home/tmp``;
- nothing else: not the course folder, ``source/``, the gradebook, ``submitted/``, other
  students, the instructor's home, the host's ``/tmp`` or its environment variables.

It has its own pid namespace (it sees and signals only its own processes, and all of them die
with it), no network (the grader talks to the kernel over Unix sockets in ``/sandbox/home``),
and, when the grader runs as root, a user id of its own with no privileges, which also makes the
process limit exact. The notebook's limits are applied by ``launch.py`` inside the sandbox.

``Sandbox(limits, isolate=False)`` (the grader's ``--unsafe-no-sandbox``) keeps only the limits,
a private working directory and the process-group kill.
"""

import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSIDE = Path("/sandbox")
LAUNCHER = Path(__file__).with_name("launch.py")
# Where sandbox users come from (when the grader is root): far above any real account.
UID_RANGE = (1_600_000, 1_700_000)
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# A Unix socket's path holds at most 107 bytes (Linux). The longest the grader makes under its
# scratch folder is multiprocessing's "/pymp-XXXXXXXX/listener-XXXXXXXX" (33 bytes); the
# sandbox's own ("/grading-XXXXXXXX/ctl/t.sock", the kernel's "home/k-N") are shorter.
SOCKET_PATH_MAX, LONGEST_SOCKET_TAIL = 107, 33
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf",
             "fonts", "mime.types", "host.conf")


def _realpath(path):
    return Path(os.path.realpath(path))


def _course_package():
    import course
    return _realpath(course.__path__[0])


def _read_only_paths():
    """Host paths the kernel needs to see (each bound read-only at the same place)."""
    paths = {_realpath(sys.base_prefix), _realpath(sys.prefix), _course_package()}
    paths.add(_realpath(Path(sys.executable).parent))
    # Outside /usr, whatever the interpreter links against.
    for p in list(paths):
        if str(p).startswith("/usr/"):
            paths.discard(p)
    return sorted(paths, key=lambda p: len(p.parts))


def _free_ids():
    """A uid/gid no account and no running process uses."""
    used = {p.split("\t")[1] for p in _proc_uids()}
    for _ in range(1000):
        uid = random.randrange(*UID_RANGE)
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        if str(uid) not in used:
            return uid, uid
    raise RuntimeError("no free user id for a sandbox")


def _proc_uids():
    """'pid<TAB>uid' of every process on the host."""
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        out.append(f"{entry.name}\t{line.split()[1]}")
                        break
        except OSError:
            pass
    return out


def scratch_dir():
    """The folder for sandboxes and the test processes' sockets: the usual temporary folder
    (``TMPDIR``), or ``/tmp`` when that path is too long for the sockets made under it (a test
    runner's deep temporary folders can be). Sets it for this process's ``tempfile`` too, so that
    multiprocessing's forkserver puts its socket there."""
    base = tempfile.gettempdir()
    if len(os.fsencode(base)) + LONGEST_SOCKET_TAIL > SOCKET_PATH_MAX and os.path.isdir("/tmp"):
        base = tempfile.tempdir = "/tmp"
    return base


class Sandbox:
    def __init__(self, limits, isolate=True, own_user=None):
        """``own_user``: run the kernel as a user of its own (default: when the grader is root;
        without root the kernel stays the grader's user, inside a user namespace)."""
        self.limits = limits
        self.isolate = isolate
        self.root = Path(tempfile.mkdtemp(prefix="grading-", dir=scratch_dir()))
        self.work = self.root / "work"
        self.home = self.root / "home"
        self.ctl = self.root / "ctl"
        for d in (self.work, self.home / "tmp", self.home / ".config" / "matplotlib", self.ctl):
            d.mkdir(parents=True)
        self.as_root = os.geteuid() == 0 and own_user is not False
        self.uid, self.gid = _free_ids() if (isolate and self.as_root) else (-1, -1)
        self.process = None
        shutil.copy(LAUNCHER, self.ctl / "launch.py")
        if isolate:
            self._write_accounts()
        self._warm_matplotlib()

    # -- paths as the kernel sees them ----------------------------------------------------------
    def inside(self, path):
        """The kernel's view of a path under this sandbox's folder."""
        if not self.isolate:
            return Path(path)
        return INSIDE / Path(path).relative_to(self.root)

    def _write_accounts(self):
        # The kernel's /etc/passwd knows only itself (some libraries look the user up).
        uid = self.uid if self.uid >= 0 else os.getuid()
        gid = self.gid if self.gid >= 0 else os.getgid()
        (self.ctl / "passwd").write_text(f"root:x:0:0::/:/usr/sbin/nologin\n"
                                         f"student:x:{uid}:{gid}::{INSIDE / 'home'}:/usr/sbin/nologin\n")
        (self.ctl / "group").write_text(f"root:x:0:\nstudent:x:{gid}:\n")

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
        files for this assignment (notebooks excepted) over them, as nbgrader does; then hand the
        sandbox's folders to its user."""
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
        if self.uid >= 0:
            for top in (self.work, self.home):
                for path in [top, *top.rglob("*")]:
                    os.lchown(path, self.uid, self.gid)

    def give(self, path):
        """Let the kernel read a file the grader wrote (its connection file)."""
        if self.uid >= 0:
            os.chown(path, self.uid, self.gid)

    # -- the command that starts the kernel ----------------------------------------------------
    def env(self):
        """The kernel's whole environment: what Python, numpy and Matplotlib need, nothing of
        the grader's."""
        home = self.inside(self.home)
        bin_dir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
            "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8",
            "MPLCONFIGDIR": str(home / ".config" / "matplotlib"),
            "IPYTHONDIR": str(home / ".ipython"), "JUPYTER_RUNTIME_DIR": str(home / ".jupyter"),
            "JUPYTER_CONFIG_DIR": str(home / ".jupyter"), "JUPYTER_DATA_DIR": str(home / ".jupyter"),
            "TMPDIR": "/tmp" if self.isolate else str(home / "tmp"),
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
            "NBGRADER_EXECUTION": "autograde",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        }

    def _nproc(self):
        if self.uid >= 0:
            return self.limits.processes        # a user of its own: the cap counts only it
        # Otherwise RLIMIT_NPROC counts every process of this user: allow what runs now on top.
        mine = str(os.getuid())
        return sum(1 for p in _proc_uids() if p.split("\t")[1] == mine) + self.limits.processes

    def command(self, kernel_cmd):
        """The command that starts ``kernel_cmd`` (whose paths are the kernel's view) inside."""
        launch = [sys.executable, "-I", str(self.inside(self.ctl / "launch.py")), self.limits.to_json(),
                  str(self.uid), str(self.gid), str(self._nproc()), "--", *kernel_cmd]
        if not self.isolate:
            return launch
        return [shutil.which("bwrap") or "bwrap", *self._bwrap_args(), "--", *launch]

    def _bwrap_args(self):
        made = {"/"}

        def mount(kind, src, dest):
            # bwrap makes missing parents 0700 (unreadable to the sandbox's user): make them 0755.
            for parent in reversed(Path(dest).parents):
                if str(parent) not in made:
                    made.add(str(parent))
                    args.extend(["--dir", str(parent)])
            args.extend([kind, src, dest] if src is not None else [kind, dest])

        args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                "--hostname", "sandbox", "--clearenv"]
        if not self.as_root:
            args.append("--unshare-user")
        for key, value in self.env().items():
            args += ["--setenv", key, value]
        for d in SYSTEM_DIRS:
            if os.path.islink(d):
                args += ["--symlink", os.readlink(d), d]
                made.add(d)
            elif os.path.isdir(d):
                mount("--ro-bind", d, d)
        for name in ETC_FILES:
            if os.path.exists(f"/etc/{name}"):
                mount("--ro-bind", f"/etc/{name}", f"/etc/{name}")
        mount("--ro-bind", str(self.ctl / "passwd"), "/etc/passwd")
        mount("--ro-bind", str(self.ctl / "group"), "/etc/group")
        for path in _read_only_paths():
            mount("--ro-bind", str(path), str(path))
        grader = _course_package() / "grading"
        if grader.is_dir():   # the grader is not the students' business
            args += ["--tmpfs", str(grader)]
        args += ["--proc", "/proc", "--dev", "/dev"]
        mount("--bind", str(self.work), str(self.inside(self.work)))
        mount("--bind", str(self.home), str(self.inside(self.home)))
        mount("--ro-bind", str(self.ctl), str(self.inside(self.ctl)))
        mount("--bind", str(self.home / "tmp"), "/tmp")
        args += ["--remount-ro", "/", "--chdir", str(self.inside(self.work))]
        return args

    # -- the end --------------------------------------------------------------------------------
    def kill_all(self):
        """Kill every process the notebook started. Isolated: killing bwrap ends its pid
        namespace, and with it every process inside; the sandbox's own user is swept too.
        Otherwise: the kernel's process group."""
        process = self.process
        if process is not None:
            try:
                if self.isolate:
                    process.kill()
                else:
                    os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
        if self.uid >= 0:
            for _ in range(50):
                left = [int(p.split("\t")[0]) for p in _proc_uids() if p.split("\t")[1] == str(self.uid)]
                if not left:
                    break
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.05)

    def close(self):
        self.kill_all()
        shutil.rmtree(self.root, ignore_errors=True)


def sandbox_problem():
    """None when a sandbox can be made on this machine, else why not (one line)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    from course.grading.limits import Limits
    box = Sandbox(Limits(), isolate=True)
    try:
        box.fill({})
        done = subprocess.run(box.command([sys.executable, "-I", "-c", "import numpy"]),
                              capture_output=True, text=True, timeout=60, env={"PATH": os.environ.get("PATH", "")})
    except Exception as error:
        return f"bwrap could not start ({type(error).__name__}: {error})"
    finally:
        box.close()
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bwrap cannot make a sandbox here: {last}"
    return None
