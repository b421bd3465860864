"""Run one sanitised notebook and grade it like ``nbgrader autograde``, with its tests apart.

The student's cells (answers and the instructor's other cells) run one by one in a fresh kernel
inside the notebook's sandbox, with nbclient (as nbgrader's Execute does: errors do not stop the
run, a cell that exceeds the per-cell timeout is interrupted). The test cells do not run there:
the test process (``referee``) runs them, reaching the student's functions through the kernel's
agent, and its outputs become the test cells' outputs, from which nbgrader's rules give the
points. A kernel that dies or stops answering, and a notebook over its time limit, end the run:
the tests that did not run score zero, with a message saying why. Outputs beyond a budget are
dropped (stderr and errors still count, as they decide grades).
"""

import asyncio
import json
from queue import Empty
import subprocess
import time

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import LimitOutput

from course.grading import cells as marks
from course.grading.referee_process import TestProcess, agent_source

MiB = 1024 * 1024


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside a ``Sandbox``, talking to it over Unix sockets in its home.

    The kernel reads its own copy of the connection file, with the sockets' path as it sees it;
    this manager keeps the host's view (jupyter_client rewrites a connection file that differs
    from what it holds, so the two stay separate files)."""
    sandbox = None

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        box = self.sandbox
        with open(self.connection_file) as f:
            info = json.load(f)
        info["ip"] = str(box.inside(self.ip))
        theirs = box.home / "kernel-sandbox.json"
        theirs.write_text(json.dumps(info))
        box.give(theirs)
        cmd = [str(box.inside(theirs)) if arg == self.connection_file else arg for arg in cmd]
        return box.command(cmd)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self.sandbox.process = getattr(self.provisioner, "process", None)


class GradingClient(NotebookClient):
    """nbclient with nbgrader's error recording and an output budget."""

    def __init__(self, *args, output_budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.output_left = output_budget
        self.output_truncated = False

    def on_cell_executed(self, **kwargs):  # as nbgrader's Execute: keep timeout errors visible
        cell, reply = kwargs["cell"], kwargs["execute_reply"]
        if reply["content"]["status"] == "error" and not any(
                o.output_type == "error" and o.ename == reply["content"]["ename"] for o in cell.outputs):
            cell.outputs.append(NotebookNode(
                output_type="error", ename=reply["content"]["ename"],
                evalue=reply["content"].get("evalue", ""),
                traceback=reply["content"].get("traceback") or ["(no traceback)"]))

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(json.dumps(content, default=str))
        kind = msg["msg_type"]
        if kind == "error" or size <= self.output_left:
            self.output_left -= min(size, self.output_left)
            return super().output(outs, msg, display_id, cell_index)
        self.output_truncated = True
        # Over budget: keep a marker of each stream (stderr decides a test's grade) and results.
        if kind == "stream" and not any(o.get("name") == content.get("name") and
                                        o.get("text", "").endswith("[output truncated]\n")
                                        for o in outs if o.output_type == "stream"):
            outs.append(NotebookNode(output_type="stream", name=content.get("name", "stdout"),
                                     text="[output truncated]\n"))
        elif kind == "execute_result":
            outs.append(NotebookNode(output_type="execute_result", metadata={},
                                     execution_count=content.get("execution_count"),
                                     data={"text/plain": "[output truncated]"}))
        return None


class Run:
    """What happened while a notebook ran (besides the outputs in the cells)."""

    def __init__(self):
        self.stopped = None          # why the run ended early, for the cells that did not run
        self.stopped_at = None       # index of the cell running when it ended
        self.flags = []
        self.timings = {}
        self.diagnoses = {}          # {cell index: why its test failed (see referee.diagnosis)}


async def _silent(client, code, timeout):
    """Run ``code`` without output or history; True when it ran without error."""
    msg_id = client.kc.execute(code, silent=True, store_history=False)
    reply = await asyncio.wait_for(client.async_wait_for_reply(msg_id), timeout)
    return bool(reply) and reply["content"].get("status") == "ok"


class Kernel:
    """What the test process may ask of the kernel: serve its requests, be interrupted."""

    def __init__(self, km, client, serve_code):
        self.km, self.client, self.serve_code = km, client, serve_code
        self.stuck = False

    async def serve(self):
        if self.stuck or not await self.km.is_alive():
            return None
        return self.client.kc.execute(self.serve_code, silent=True, store_history=False)

    async def served(self, msg_id):
        """Until the kernel's serve() has ended (for whatever reason, death included)."""
        while True:
            try:
                msg = await self.client.kc.shell_channel.get_msg(timeout=1)
            except Empty:
                if not await self.km.is_alive():
                    return
                continue
            except Exception:
                return
            if msg["parent_header"].get("msg_id") == msg_id:
                return

    async def interrupt(self):
        try:
            await self.km.interrupt_kernel()
        except Exception:
            pass


def _positions(layout):
    """{("grade", id) or ("cell", id): position in the instructor's notebook}."""
    out = {}
    for position, cell in enumerate(layout):
        if cell.get("grade_id"):
            out[("grade", cell["grade_id"])] = position
        elif cell.get("cell_id"):
            out[("cell", cell["cell_id"])] = position
    return out


def _position_of(cell, positions):
    return positions.get(marks.key(cell))


TEST_LOST = "the tests could not be run to the end (the test process stopped)"


async def _execute(nb, sandbox, limits, is_test, run, layout):
    km = SandboxedKernelManager(kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                                transport="ipc", ip=str(sandbox.home / "k"))
    km.connection_file = str(sandbox.home / "kernel.json")
    km.sandbox = sandbox
    km.kernel_spec.interrupt_mode = "message"   # no signal reaches into the sandbox's pid namespace
    client = GradingClient(nb, km=km, timeout=limits.cell_timeout, allow_errors=True,
                           interrupt_on_timeout=True, raise_on_iopub_timeout=True,
                           error_on_timeout={"ename": "CellTimeoutError", "evalue": "",
                                             "traceback": ["CellTimeoutError: No reply from kernel before timeout"]},
                           extra_arguments=["--HistoryManager.hist_file=:memory:"],
                           output_budget=int(limits.output_mb * MiB), startup_timeout=60,
                           record_timing=False)
    socket_path = sandbox.ctl / "t.sock"   # short: see sandbox.SOCKET_PATH_MAX
    tests = TestProcess(layout, socket_path)
    install, serve = agent_source(sandbox.inside(socket_path))
    kernel = Kernel(km, client, serve)
    positions = _positions(layout)
    start = time.monotonic()
    try:
        await km.start_kernel(cwd=str(sandbox.work), env=sandbox.env(),
                              extra_arguments=client.extra_arguments,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await client.async_start_new_kernel_client()
        run.timings["kernel_start"] = round(time.monotonic() - start, 3)
        await _silent(client, install, 60)
        deadline = start + limits.notebook_timeout
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                run.stopped, run.stopped_at = (f"the notebook went over its time limit of "
                                               f"{limits.notebook_timeout} s"), index
                break
            run.stopped_at = index
            position = _position_of(cell, positions)
            if is_test(cell):
                result = await tests.phase(("test", position), min(limits.cell_timeout, left), kernel)
                if result is None:
                    cell.outputs = [NotebookNode(output_type="error", ename="TestProcessStopped",
                                                 evalue=TEST_LOST, traceback=[TEST_LOST])]
                    if TEST_LOST not in run.flags:
                        run.flags.append(TEST_LOST)
                    run.diagnoses[index] = "test-process-stopped"
                else:
                    cell.outputs = [NotebookNode(o) for o in result["outputs"]]
                    run.diagnoses[index] = result.get("diagnosis")
                if kernel.stuck or (result or {}).get("stuck"):
                    run.stopped = (f"a test's call ran over the time limit of {limits.cell_timeout} s "
                                   "and the kernel did not stop")
                    break
                if (result or {}).get("gone") and not await km.is_alive():
                    run.stopped = "the kernel died (the code ended Python, crashed, or ran out of memory)"
                    break
                continue
            if position is not None:
                await tests.phase(("catch_up", position), min(limits.cell_timeout, left), kernel)
                if kernel.stuck:
                    run.stopped = (f"a cell ran over the time limit of {limits.cell_timeout} s "
                                   "and the kernel did not stop")
                    break
            try:
                await asyncio.wait_for(client.async_execute_cell(cell, index), left + 5)
            except CellTimeoutError:   # (a TimeoutError too) interrupted, but still busy
                run.stopped = (f"a cell ran over the time limit of {limits.cell_timeout} s "
                               "and the kernel did not stop")
                break
            except asyncio.TimeoutError:
                run.stopped = f"the notebook went over its time limit of {limits.notebook_timeout} s"
                break
            except DeadKernelError:
                run.stopped = "the kernel died (the code ended Python, crashed, or ran out of memory)"
                break
            if any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in cell.outputs):
                note = f"a cell ran over the time limit of {limits.cell_timeout} s and was interrupted"
                if note not in run.flags:
                    run.flags.append(note)
                if not await _responds(client):
                    run.stopped = (f"a cell ran over the time limit of {limits.cell_timeout} s "
                                   "and the kernel did not stop")
                    break
        else:
            run.stopped_at = None
    finally:
        run.timings["run"] = round(time.monotonic() - start, 3)
        if client.output_truncated:
            run.flags.append(f"output over {limits.output_mb:g} MiB: the rest was dropped")
        tests.stop()
        try:
            if client.kc:
                client.kc.stop_channels()
            await asyncio.wait_for(km.shutdown_kernel(now=True), 15)
        except Exception:
            pass
        sandbox.kill_all()


async def _responds(client):
    """Whether the kernel answers again after an interrupted cell."""
    try:
        return await _silent(client, "pass", 10)
    except (asyncio.TimeoutError, DeadKernelError):
        return False


def execute(nb, sandbox, limits, is_test, layout):
    """Run ``nb`` in place (outputs land in its cells): the student's cells in the sandboxed
    kernel, the test cells in a test process of their own; return a ``Run``."""
    run = Run()
    try:
        asyncio.run(_execute(nb, sandbox, limits, is_test, run, layout))
    except Exception as error:   # the kernel would not start, or something we did not foresee
        run.stopped = run.stopped or f"the notebook could not be run ({type(error).__name__}: {error})"
        if run.stopped_at is None:
            run.stopped_at = 0
    nb, _ = LimitOutput().preprocess(nb, {})
    return run
