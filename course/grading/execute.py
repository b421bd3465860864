"""Run one sanitised notebook in a fresh, limited kernel and grade it like ``nbgrader autograde``.

Cells run one by one with nbclient (as nbgrader's Execute does: errors do not stop the run, a
cell that exceeds the per-cell timeout is interrupted). Around that:
- a kernel-side guard (course.grading.guard) is installed before any cell and consulted after
  each test cell: a test that ran while a watched function was replaced scores zero;
- a kernel that dies or stops answering, and a notebook over its time limit, end the run: the
  tests that did not run score zero, with a message saying why;
- outputs beyond a budget are dropped (stderr and errors still count, as they decide grades).
"""

import asyncio
import json
import secrets
import time

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import LimitOutput

MiB = 1024 * 1024


class LimitedKernelManager(AsyncKernelManager):
    """Starts the kernel through course.grading.limits (rlimits, sandbox user)."""
    wrapper = []

    def format_kernel_cmd(self, extra_arguments=None):
        return list(self.wrapper) + super().format_kernel_cmd(extra_arguments)


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
        self.tampered = {}           # {cell index: [replaced names]} seen after test cells
        self.flags = []
        self.timings = {}


async def _silent(client, code, timeout):
    """Run ``code`` without output or history; return the reply's user expression 'r' or None."""
    msg_id = client.kc.execute(code, silent=True, store_history=False,
                               user_expressions={"r": "__r__"} if "__r__" in code else {})
    reply = await asyncio.wait_for(client.async_wait_for_reply(msg_id), timeout)
    content = reply["content"] if reply else {}
    if content.get("status") != "ok":
        return None
    value = content.get("user_expressions", {}).get("r", {})
    return value.get("data", {}).get("text/plain")


async def _execute(nb, sandbox, limits, is_test, run):
    km = LimitedKernelManager(kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"))
    km.connection_file = str(sandbox.home / "kernel.json")
    km.wrapper = sandbox.wrapper(limits)
    client = GradingClient(nb, km=km, timeout=limits.cell_timeout, allow_errors=True,
                           interrupt_on_timeout=True, raise_on_iopub_timeout=True,
                           error_on_timeout={"ename": "CellTimeoutError", "evalue": "",
                                             "traceback": ["CellTimeoutError: No reply from kernel before timeout"]},
                           extra_arguments=["--HistoryManager.hist_file=:memory:"],
                           output_budget=int(limits.output_mb * MiB), startup_timeout=60,
                           record_timing=False)
    guard = f"_guard_{secrets.token_hex(8)}"
    start = time.monotonic()
    try:
        await km.start_kernel(cwd=str(sandbox.work), env=sandbox.env(),
                              extra_arguments=client.extra_arguments)
        sandbox.kernel_pid = getattr(km.provisioner, "pid", None)
        await client.async_start_new_kernel_client()
        run.timings["kernel_start"] = round(time.monotonic() - start, 3)
        await _silent(client, f"from course.grading.guard import install as {guard}\n"
                              f"{guard} = {guard}()", 60)
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
            timed_out = any(o.output_type == "error" and o.ename == "CellTimeoutError" for o in cell.outputs)
            if timed_out:
                note = f"a cell ran over the time limit of {limits.cell_timeout} s and was interrupted"
                if note not in run.flags:
                    run.flags.append(note)
            if timed_out or is_test(cell):
                try:
                    text = await _silent(client, f"__r__ = {guard}()", 10 if timed_out else 60)
                except (asyncio.TimeoutError, DeadKernelError):
                    text = None
                if text is None and timed_out:
                    run.stopped = (f"a cell ran over the time limit of {limits.cell_timeout} s "
                                   "and the kernel did not stop")
                    break
                found = _literal(text) if text else {}
                for note in found.get("notes", []):
                    if note not in run.flags:
                        run.flags.append(note)
                if found.get("replaced") and is_test(cell):
                    run.tampered[index] = [str(x) for x in found["replaced"]]
        else:
            run.stopped_at = None
    finally:
        run.timings["run"] = round(time.monotonic() - start, 3)
        if client.output_truncated:
            run.flags.append(f"output over {limits.output_mb:g} MiB: the rest was dropped")
        try:
            if client.kc:
                client.kc.stop_channels()
            await asyncio.wait_for(km.shutdown_kernel(now=True), 15)
        except Exception:
            pass
        sandbox.kill_all()


def _literal(text):
    import ast
    try:
        value = ast.literal_eval(text)
        return value if isinstance(value, dict) else {}
    except (ValueError, SyntaxError):
        return {}


def execute(nb, sandbox, limits, is_test):
    """Run ``nb`` in place (outputs land in its cells); return a ``Run``."""
    run = Run()
    try:
        asyncio.run(_execute(nb, sandbox, limits, is_test, run))
    except Exception as error:   # the kernel would not start, or something we did not foresee
        run.stopped = run.stopped or f"the notebook could not be run ({type(error).__name__}: {error})"
        if run.stopped_at is None:
            run.stopped_at = 0
    nb, _ = LimitOutput().preprocess(nb, {})
    return run
