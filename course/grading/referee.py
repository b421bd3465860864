"""The test process: runs a notebook's test cells (visible and hidden) apart from the student's
code, in a clean Python process of its own with its own imports of numpy and ``course.checks``.

Where each name a test reads comes from is decided from the instructor's notebook (``Plan``):
- a name whose latest definition before the test is an instructor cell (setup, data, helpers,
  a training run) or a test cell is computed here, from the instructor's code: the statements
  of that cell which compute it (``names.slice_statements``), run in notebook order;
- a name an answer cell defines (or that no instructor cell defines) comes from the student's
  kernel through ``KernelLink``: data by value, functions, classes and objects as ``Remote``
  stand-ins that ask the kernel to call them, read or set their attributes;
- builtins are this process's own, never the kernel's.

So nothing an answer cell does reaches a test except through the values its functions return.
The grading worker drives this process over a pipe: ``("catch_up", position)`` runs the
instructor code up to a point of the notebook, ``("test", grade_id, seconds)`` runs one test
cell and returns its outputs (nbformat dicts, as the kernel would have made them).
"""

import ast
import builtins
import contextlib
import io
import os
import re
import select
import socket
import struct
import time
import traceback
from collections import defaultdict

from course.grading import boundary
from course.grading.names import CellNames, imported_names, notebook_functions, python_source, slice_statements

GRACE = 10.0          # seconds a call may take to stop after it is interrupted
BUILTIN_NAMES = frozenset(dir(builtins))
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _label(text, default):
    text = str(text or "")
    return text if _IDENTIFIER.fullmatch(text) else default


# -- what the kernel can raise here -----------------------------------------------------------------

class StudentCodeError(Exception):
    """The student's code raised; the class is named after the student's exception. Its message
    is the course's own words; what the student's code said is kept in ``detail`` (shown to the
    instructor in the autograded notebook, never in feedback)."""

    detail = ""


class CallTimeout(StudentCodeError):
    pass


class KernelGone(StudentCodeError):
    pass


_ERRORS = {}


def _student_error(name, what, detail):
    name = _label(name, "Error")
    if name == "AttributeError":
        return AttributeError(f"{what} does not exist")
    if name not in _ERRORS:
        _ERRORS[name] = type(name, (StudentCodeError,), {})
    error = _ERRORS[name](f"raised in {what} (run the notebook to see its message)")
    error.detail = detail
    return error


# -- the link to the kernel -------------------------------------------------------------------------

class KernelLink:
    """Requests to the kernel's agent over a Unix socket this process owns. The worker starts the
    agent's ``serve()`` in the kernel when asked, and interrupts the kernel when a call runs over
    its time; this process then sees the call fail."""

    def __init__(self, conn, path):
        self.conn = conn
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        os.chmod(path, 0o666)   # the sandbox's user connects to it
        self.listener.listen(1)
        self.sock = None
        self.buffer = b""
        self.serving = False
        self.serve_id = 0
        self.deadline = None
        self.interrupted = False
        self.stuck = False       # a call ran over its time and the kernel did not stop: give up
        self.gone = False        # this phase lost the kernel (it died, or stopped answering)
        self.callbacks = {}
        self.tagged = {}         # arrays and Generators sent with the current request
        self.student_classes = frozenset()   # names answer cells define (see Arithmetic)

    # -- phases ----------------------------------------------------------------------------------
    def start(self, seconds):
        self.deadline = time.monotonic() + seconds
        self.gone = False

    def end(self):
        if self.serving and not self.stuck:
            try:
                self._send(b'"end"')
            except OSError:
                self._drop()
        self.serving = False

    def _drop(self):
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer, self.serving = None, b"", False

    def _serve(self):
        if self.stuck:
            raise KernelGone("the student's kernel is no longer answering")
        if self.serving:
            return
        self.serve_id += 1
        self.conn.send(("serve", self.serve_id))
        while True:
            reply = self.conn.recv()
            if reply[1:] == (self.serve_id,) and reply[0] in ("serving", "dead"):
                break
        if reply[0] == "dead":
            self.gone = True
            raise KernelGone("the student's kernel is no longer answering")
        self.serving = True
        if self.sock is None:
            self._wait(self.listener, "the kernel")
            self.sock, _ = self.listener.accept()

    def _left(self):
        return self.deadline - time.monotonic()

    def _wait(self, target, what):
        """Until ``target`` (the socket, or the listener) is readable; meanwhile the worker may
        say that the kernel stopped serving, and the time may run out."""
        while True:
            left = self._left()
            if left <= 0:
                self._interrupt(what)
                left = GRACE
            readable, _, _ = select.select([target, self.conn], [], [], left)
            if target in readable:
                return
            if self.conn in readable:
                message = self.conn.recv()
                if message == ("not serving", self.serve_id) and self.serving:
                    self._drop()
                    self.gone = True
                    raise KernelGone(f"the kernel stopped answering the tests during {what}")

    def _interrupt(self, what):
        if time.monotonic() - self.deadline > GRACE:
            self.stuck = True
            self.conn.send(("stuck",))
            raise KernelGone(f"{what} ran over the time limit and the kernel did not stop")
        if not self.interrupted:
            self.interrupted = True
            self.conn.send(("interrupt",))

    # -- messages --------------------------------------------------------------------------------
    def _send(self, data):
        self.sock.sendall(struct.pack("!Q", len(data)) + data)

    def _exact(self, n, what):
        while len(self.buffer) < n:
            self._wait(self.sock, what)
            try:
                chunk = self.sock.recv(max(65536, min(n - len(self.buffer), 1 << 24)))
            except OSError:
                chunk = b""
            if not chunk:
                self._drop()
                self.gone = True
                raise KernelGone(f"the kernel died or stopped answering during {what}")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _receive(self, what):
        (size,) = struct.unpack("!Q", self._exact(8, what))
        if size > boundary.MAX_BYTES * 2:
            self._drop()
            raise boundary.BoundaryError(f"{what} sent back more than the tests accept")
        return self._exact(size, what)

    # -- encoding ---------------------------------------------------------------------------------
    def refer(self, obj):
        if isinstance(obj, Remote):
            return {"t": "ref", "id": object.__getattribute__(obj, "_id")}
        if callable(obj):
            cid = len(self.callbacks) + 1
            self.callbacks[cid] = obj
            return {"t": "ref", "cb": cid}
        raise boundary.BoundaryError(f"a {type(obj).__name__} cannot be handed to the student's code")

    def tag(self, obj):
        """Arrays and Generators the tests send are the tests' own: what the student's code does
        to them in place comes back, as it would in one kernel (an rng it draws from advances)."""
        key = len(self.tagged) + 1
        self.tagged[key] = obj
        return {"tag": key}

    def resolve(self, ref):
        rid = ref.get("id")
        if type(rid) is not int:
            raise boundary.BoundaryError("a malformed reference")
        kind = ref.get("k") if ref.get("k") in ("class", "function", "object") else "object"
        name = _label(ref.get("c"), "object")
        arithmetic = kind == "object" and name in self.student_classes
        return (Arithmetic if arithmetic else Remote).make(self, rid, kind, name)

    # -- one request --------------------------------------------------------------------------------
    def request(self, message, what):
        self._serve()
        self.interrupted = False
        self.tagged = {}
        self._send(boundary.encode(message, self.refer, self.tag).encode("utf-8"))
        tagged = self.tagged   # (a callback's own requests may tag others meanwhile)
        while True:
            raw = self._receive(what)
            try:
                reply = boundary.decode(raw, self.resolve)
            except boundary.BoundaryError as error:
                raise boundary.BoundaryError(f"{what} sent back something that is not data: {error}") from None
            if not isinstance(reply, dict):
                raise boundary.BoundaryError(f"{what} sent back something that is not data")
            if "callback" in reply:
                self._send(self._call_back(reply).encode("utf-8"))
                continue
            if "ok" in reply:
                self._copy_back(reply.get("changed"), tagged)
                return reply["ok"]
            error = reply.get("error")
            if not (isinstance(error, list) and len(error) == 2 and all(isinstance(e, str) for e in error)):
                raise boundary.BoundaryError(f"{what} sent back something that is not data")
            if message.get("op") == "get" and error[0] == "NameError":
                raise NameError(f"name '{message['name']}' is not defined")
            if error[0] == "KeyboardInterrupt" and self.interrupted:
                raise CallTimeout(f"{what} ran over the time limit of the test and was interrupted")
            raise _student_error(error[0], what, error[1])

    def _call_back(self, message):
        fn = self.callbacks.get(message.get("callback"))
        args, kwargs = message.get("a", []), message.get("k", {})
        if fn is None or not isinstance(args, list) or not isinstance(kwargs, dict) or \
                not all(isinstance(k, str) for k in kwargs):
            return boundary.encode({"error": ["ValueError", "malformed call"]}, self.refer)
        try:
            value = fn(*args, **kwargs)
            return boundary.encode({"ok": value}, self.refer)
        except Exception as error:
            return boundary.encode({"error": [type(error).__name__, str(error)[:500]]}, self.refer)

    def _copy_back(self, changed, tagged):
        if not isinstance(changed, dict):
            return
        for key, value in changed.items():
            target = tagged.get(key)
            try:
                if hasattr(target, "bit_generator"):
                    target.bit_generator.state = value.bit_generator.state
                elif target.shape == value.shape:
                    target[...] = value
            except Exception:
                raise boundary.BoundaryError("an argument came back changed in a way it cannot be") from None


class Remote:
    """A stand-in for a function, class or object that lives in the student's kernel."""

    __slots__ = ("_link", "_id", "_kind", "_name")
    _classes = {}

    @classmethod
    def make(cls, link, rid, kind, name):
        # Named after what it stands for, so that messages read "got a Layer".
        key = (cls, name if name not in ("Remote", "Arithmetic") else "object")
        if key not in cls._classes:
            cls._classes[key] = type(key[1], (cls,), {"__slots__": ()})
        obj = object.__new__(cls._classes[key])
        for slot, value in zip(Remote.__slots__, (link, rid, kind, name)):
            object.__setattr__(obj, slot, value)
        return obj

    def _what(self):
        return object.__getattribute__(self, "_name")

    def _ask(self, message, what=None):
        link = object.__getattribute__(self, "_link")
        return link.request(message, what or self._what())

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._ask({"op": "getattr", "o": self, "n": name}, f"{self._what()}.{name}")

    def __setattr__(self, name, value):
        self._ask({"op": "setattr", "o": self, "n": name, "v": value}, f"{self._what()}.{name}")

    def __call__(self, *args, **kwargs):
        return self._ask({"op": "call", "f": self, "a": list(args), "k": kwargs})

    def _text(self, op):
        text = self._ask({"op": op, "o": self}, f"{op}() of a {self._what()}")
        if not isinstance(text, str):
            raise boundary.BoundaryError(f"{op}() of a {self._what()} did not give a string")
        return text

    def __repr__(self):
        return self._text("repr")

    def __str__(self):
        return self._text("str")

    def __array__(self, *args, **kwargs):
        raise TypeError(f"a {self._what()} object is not an array of numbers")

    def __course_count_calls__(self, name, args, kwargs):
        out = self._ask({"op": "count", "f": self, "n": name, "a": list(args), "k": kwargs})
        if not (isinstance(out, list) and len(out) == 2 and type(out[0]) is int):
            raise boundary.BoundaryError(f"{self._what()}: the call count did not come back")
        return out[0], out[1]


def _operator(name, swap=False):
    def apply(self, other=None):
        operands = [self] if name == "neg" else ([other, self] if swap else [self, other])
        return self._ask({"op": "operator", "n": name, "a": operands}, f"{name} on a {self._what()}")
    return apply


class Arithmetic(Remote):
    """A stand-in for an instance of a class the exercise asks for (a ``Value`` of an autograd
    engine, say): +, -, *, /, ** and unary - are done by the student's code in the kernel, which
    is what such a test tests. Comparisons, abs() and truth stay undefined here, so a lying
    object cannot pass a test that compares it; tests read numbers through ``course.checks``."""

    __slots__ = ()
    __add__, __radd__ = _operator("add"), _operator("add", swap=True)
    __sub__, __rsub__ = _operator("sub"), _operator("sub", swap=True)
    __mul__, __rmul__ = _operator("mul"), _operator("mul", swap=True)
    __truediv__, __rtruediv__ = _operator("truediv"), _operator("truediv", swap=True)
    __pow__, __rpow__ = _operator("pow"), _operator("pow", swap=True)
    __neg__ = _operator("neg")


# -- where each name comes from ---------------------------------------------------------------------

class Plan:
    """The instructor's notebook, cell by cell (code cells only, in order): what each cell binds,
    and which statements of which instructor cells the tests need.

    cells: [{"kind": "instructor"|"answer"|"test", "grade_id", "source", "binds" (answers: the
    names the instructor's solution defines, when known)}]
    """

    def __init__(self, cells):
        self.cells = cells
        self.sources = [python_source(c["source"]) for c in cells]
        self.imported = frozenset().union(*(imported_names(s) for s in self.sources))
        # The student's functions are taken to keep their arguments when the instructor's do.
        known = {name: name in c.get("keeping", ()) for c in cells if c["kind"] == "answer"
                 for name in c.get("functions", ())}
        self.functions, self.keeping = notebook_functions(
            [s if c["kind"] != "answer" else "" for c, s in zip(cells, self.sources)], self.imported, known)
        self.names = [CellNames(s, self.imported, self.keeping) for s in self.sources]
        self.binds = []
        for cell, names in zip(cells, self.names):
            bound = names.binds | names.maybe_binds
            if cell["kind"] == "answer":
                bound |= set(cell.get("binds") or ())
            self.binds.append(bound)
        self.needed = defaultdict(set)
        self._find_needed()

    def latest(self, name, before):
        """Position of the latest cell before ``before`` that may bind ``name``, or None."""
        for p in range(min(before, len(self.cells)) - 1, -1, -1):
            if name in self.binds[p]:
                return p
        return None

    def _writers(self, name, before):
        """Instructor cells that compute ``name`` as seen at ``before``: the latest certain
        definition and every later cell that may rebind or change it."""
        since = next((p for p in range(before - 1, -1, -1) if name in self.names[p].binds), 0)
        return [p for p in range(since, before)
                if self.cells[p]["kind"] == "instructor" and name in self.names[p].changes(self.functions)]

    def slice(self, position, names):
        return slice_statements(self.sources[position], names, self.imported, self.keeping, self.functions)

    def _find_needed(self):
        work = [(name, p) for p, c in enumerate(self.cells) if c["kind"] == "test"
                for name in self.names[p].uses]
        while work:
            name, before = work.pop()
            latest = self.latest(name, before)
            if latest is None or self.cells[latest]["kind"] == "answer":
                continue
            for p in self._writers(name, before):
                if name not in self.needed[p]:
                    self.needed[p].add(name)
                    _, reads = self.slice(p, self.needed[p])
                    work += [(n, p) for n in reads]


class Namespace(dict):
    """The tests' globals: what is missing is looked up where the plan says it comes from."""

    def __init__(self, referee):
        super().__init__()
        self.referee = referee

    def __missing__(self, name):
        return self.referee.missing(name)


class Referee:
    def __init__(self, conn, cells, socket_path):
        self.conn = conn
        self.plan = Plan(cells)
        self.link = KernelLink(conn, socket_path)
        self.link.student_classes = frozenset(
            n for p, c in enumerate(cells) if c["kind"] == "answer" for n in self.plan.binds[p])
        self.ns = Namespace(self)
        self.ns.update({"__name__": "__main__", "__builtins__": builtins, "display": _display})
        self.done = -1            # instructor and answer cells taken into account up to here
        self.position = 0         # where the code now running sits in the notebook
        self.poisoned = {}        # name: why the instructor code that computes it failed

    # -- names ------------------------------------------------------------------------------------
    def missing(self, name):
        if name in BUILTIN_NAMES:
            raise KeyError(name)
        if name in self.poisoned:
            raise NameError(f"name '{name}' is not defined: {self.poisoned[name]}")
        latest = self.plan.latest(name, self.position)
        kind = None if latest is None else self.plan.cells[latest]["kind"]
        if kind == "instructor":    # not foreseen by the plan: compute it now
            self._run_slice(latest, {name})
            if dict.__contains__(self.ns, name):
                return dict.__getitem__(self.ns, name)
        if kind in ("instructor", "test"):
            raise KeyError(name)
        return self.link.request({"op": "get", "name": name}, name)

    # -- instructor code --------------------------------------------------------------------------
    def catch_up(self, position):
        for p in range(self.done + 1, position + 1):
            cell = self.plan.cells[p]
            if cell["kind"] == "answer":
                for name in self.plan.binds[p]:   # from here on, the student's
                    self.ns.pop(name, None)
                    self.poisoned.pop(name, None)
            elif cell["kind"] == "instructor" and self.plan.needed.get(p):
                self._run_slice(p, self.plan.needed[p])
        self.done = max(self.done, position)

    def _run_slice(self, position, names):
        code, _ = self.plan.slice(position, names)
        if not code.strip():
            return
        saved, self.position = self.position, position
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                run_code(code, self.ns, f"<cell {position + 1}>")
        except BaseException as error:   # the student's functions it calls may fail
            why = (f"the notebook's cell {position + 1}, which computes it, failed "
                   f"({type(error).__name__}: {str(error)[:200]})")
            for name in self.plan.names[position].binds | self.plan.names[position].maybe_binds:
                if name in names or not dict.__contains__(self.ns, name):
                    self.poisoned[name] = why
        finally:
            self.position = saved

    # -- tests ------------------------------------------------------------------------------------
    def run_test(self, position, seconds):
        """Run the test cell at ``position``: returns its outputs as nbformat dicts."""
        self.catch_up(position - 1)
        self.position = position
        self.link.start(seconds)
        out, err = io.StringIO(), io.StringIO()
        outputs, value = [], None
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                value = run_code(self.plan.sources[position], self.ns, f"<test cell {position + 1}>")
            error = None
        except BaseException as caught:
            error = caught
        finally:
            self.link.end()
        for name, stream in (("stdout", out), ("stderr", err)):
            if stream.getvalue():
                outputs.append({"output_type": "stream", "name": name, "text": stream.getvalue()})
        if error is not None:
            lines = traceback.format_exception(type(error), error, error.__traceback__)
            if getattr(error, "detail", ""):
                lines.append(f"The student's code said: {error.detail}\n")
            outputs.append({"output_type": "error", "ename": type(error).__name__,
                            "evalue": str(error), "traceback": lines})
        elif value is not None:
            try:
                text = repr(value)
            except Exception as caught:
                text = f"<{type(caught).__name__}>"
            outputs.append({"output_type": "execute_result", "execution_count": None, "metadata": {},
                            "data": {"text/plain": text}})
        return {"outputs": outputs, "stuck": self.link.stuck, "gone": self.link.gone,
                "diagnosis": diagnosis(error, err.getvalue())}


def diagnosis(error, stderr=""):
    """A short, machine-readable account of why a test failed (None when it did not): the check's
    own code (shape, transpose, sign, factor:2, known, value, target...), timeout, or
    error:<exception name>."""
    if error is None:
        return "stderr" if stderr else None
    if isinstance(error, CallTimeout):
        return "timeout"
    code = getattr(error, "code", None)
    if isinstance(code, str) and isinstance(error, AssertionError):
        return code
    return f"error:{type(error).__name__}"


def _display(*objects, **kwargs):
    for obj in objects:
        print(repr(obj))


def run_code(source, ns, filename):
    """Run ``source`` in ``ns`` as IPython would (plain Python after IPython's transforms); return
    the value of a last bare expression (None when there is none)."""
    tree = ast.parse(python_source(source), filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not source.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), ns)
    if last is not None:
        return eval(compile(last, filename, "eval"), ns)
    return None


def main(conn, cells, socket_path):
    """The test process: answer the worker's requests until it says stop."""
    os.environ["MPLBACKEND"] = "agg"
    referee = Referee(conn, cells, socket_path)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] in ("not serving", "serving", "dead"):   # late news of an ended phase
            continue
        if message[0] == "catch_up":
            referee.link.start(message[2])
            try:
                referee.catch_up(message[1])
            finally:
                referee.link.end()
            conn.send(("done", {"stuck": referee.link.stuck, "gone": referee.link.gone}))
        elif message[0] == "test":
            conn.send(("done", referee.run_test(message[1], message[2])))
        else:
            return
