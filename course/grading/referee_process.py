"""The grading worker's handle on the test process (``referee``).

The test process is forked from a clean server process that has only imported numpy,
``course.checks`` and the referee (a multiprocessing forkserver of the worker's own), so that
no student code and no other notebook's tests ever ran in it. The worker sends it one request
per phase — catch up with the instructor's code up to a cell, or run a test cell — and, while it
works, starts the agent's ``serve()`` in the kernel when it asks for the kernel, and interrupts
the kernel when one of its calls runs over its time.
"""

import asyncio
import multiprocessing
import secrets
from pathlib import Path

AGENT_FILES = ("boundary.py", "agent.py")
GRACE = 30.0     # beyond a phase's own time limit, before the test process is given up


def agent_source(socket_path):
    """Python that installs the agent in the kernel (as a module of its own, not a notebook
    name) and the statement that makes it serve."""
    module = f"_course_grading_{secrets.token_hex(6)}"
    code = "\n\n".join((Path(__file__).with_name(name)).read_text() for name in AGENT_FILES)
    install = (f"import sys as _s, types as _t\n_m = _t.ModuleType({module!r})\n"
               f"exec(compile({code!r}, '<course grading agent>', 'exec'), _m.__dict__)\n"
               f"_m.agent = _m.Agent({str(socket_path)!r})\n_s.modules[{module!r}] = _m\n"
               "del _s, _t, _m\n")
    serve = f"__import__('sys').modules[{module!r}].agent.serve()"
    return install, serve


_CONTEXT = None


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        from course.grading.sandbox import scratch_dir
        scratch_dir()    # the forkserver's socket goes under a folder short enough for it
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["numpy", "course.checks", "course.grading.referee",
                                         "IPython.core.inputtransformer2"])
    return _CONTEXT


class TestProcess:
    def __init__(self, cells, socket_path):
        ctx = _context()
        self.conn, child = ctx.Pipe()
        from course.grading import referee
        self.process = ctx.Process(target=referee.main, args=(child, cells, str(socket_path)), daemon=True)
        self.process.start()
        child.close()
        self.dead = False

    async def _recv(self, timeout):
        """The next message, or None after ``timeout`` seconds or when the process is gone."""
        if not self.conn.poll():
            loop = asyncio.get_running_loop()
            ready = loop.create_future()
            fd = self.conn.fileno()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, timeout)
            except asyncio.TimeoutError:
                return None
            finally:
                loop.remove_reader(fd)
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return None

    async def phase(self, message, seconds, kernel):
        """Send one request; serve the kernel while it runs; return its result, or None when the
        test process died or ran out of time (it is then killed)."""
        if self.dead:
            return None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds + GRACE
        try:
            self.conn.send((*message, seconds))
        except OSError:
            self.kill()
            return None
        receiving, serving, serve_id = None, None, None
        while True:
            if receiving is None:
                receiving = asyncio.ensure_future(self._recv(max(0.0, deadline - loop.time())))
            await asyncio.wait([t for t in (receiving, serving) if t is not None],
                               return_when=asyncio.FIRST_COMPLETED)
            if serving is not None and serving.done() and not receiving.done():
                # The kernel ended its serve() by itself (its code broke it): say so.
                serving = None
                self.conn.send(("not serving", serve_id))
                continue
            reply, receiving = receiving.result(), None
            if reply is None:
                self.kill()
                return None
            if reply[0] == "serve":
                serve_id = reply[1]
                msg_id = await kernel.serve()
                serving = asyncio.ensure_future(kernel.served(msg_id)) if msg_id else None
                self.conn.send(("serving" if msg_id else "dead", serve_id))
            elif reply == ("interrupt",):
                await kernel.interrupt()
            elif reply == ("stuck",):
                kernel.stuck = True
            elif reply[0] == "done":
                if serving is not None:
                    try:
                        await asyncio.wait_for(serving, 10)
                    except asyncio.TimeoutError:
                        pass
                return reply[1]

    def kill(self):
        self.dead = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)

    def stop(self):
        if not self.dead:
            try:
                self.conn.send(("stop",))
            except OSError:
                pass
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()
