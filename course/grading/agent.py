"""The kernel's side of the boundary: it answers the test process's requests in the student's
kernel, one Unix-socket message each (a length, then JSON made by ``boundary``).

The grader sends this file (after ``boundary.py``) to the kernel as source, once, before any
cell runs, and then, whenever a test needs the kernel, runs ``serve()``, which answers until the
tests say "end". Requests: look a name up in the notebook (``get``), call a function or method
(``call``), read or set an attribute (``getattr``/``setattr``), ``repr``/``str`` of an object,
and ``count`` (call a function while counting its calls to a notebook function). Values come
back by value when they are data, else as references to objects that stay here; functions of
the tests that student code calls are called back in the test process.

Nothing here is trusted by the tests: the student's code can change all of it, and the test
process decodes whatever comes back strictly. It only has to serve an honest notebook well.
"""

import hashlib
import socket
import struct

try:   # in the kernel, boundary.py's source runs just before this file's and defines these
    from course.grading.boundary import decode, encode
except ImportError:
    pass


def _digest(obj):
    """What an argument is now: an array's bytes or a Generator's state, hashed."""
    if hasattr(obj, "bit_generator"):
        return repr(obj.bit_generator.state)
    return hashlib.blake2b(obj.tobytes(), digest_size=16).digest() + repr(obj.shape).encode()


class CallbackFailed(Exception):
    """A test's function, called by the student's code, raised."""


class Agent:
    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buffer = b""
        self.handles = {}
        self.next_id = 1

    # -- messages ---------------------------------------------------------------------------------
    def _send(self, text):
        data = text.encode("utf-8")
        self.sock.sendall(struct.pack("!Q", len(data)) + data)

    def _exact(self, n):
        while len(self.buffer) < n:
            try:
                chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            except KeyboardInterrupt:   # an interrupt meant for a call that just finished
                continue
            if not chunk:
                raise EOFError("the tests closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _receive(self):
        (size,) = struct.unpack("!Q", self._exact(8))
        return self._exact(size)

    # -- references -----------------------------------------------------------------------------
    def refer(self, obj):
        hid = self.next_id
        self.next_id += 1
        self.handles[hid] = obj
        if isinstance(obj, type):
            kind, name = "class", obj.__name__
        elif callable(obj):
            kind, name = "function", getattr(obj, "__name__", type(obj).__name__)
        else:
            kind, name = "object", type(obj).__name__
        return {"t": "ref", "id": hid, "k": kind, "c": str(name)[:64]}

    def resolve(self, ref):
        if "cb" in ref:
            return self._callback(ref["cb"])
        return self.handles[ref["id"]]

    def _callback(self, cid):
        agent = self

        def call_back(*args, **kwargs):
            agent._send(encode({"callback": cid, "a": list(args), "k": kwargs}, agent.refer))
            while True:
                message = agent._decoded(agent._receive())
                if "op" in message[0]:       # the test's function asks something in turn
                    agent._send(agent._answer(*message))
                    continue
                if "ok" in message[0]:
                    return message[0]["ok"]
                raise CallbackFailed(": ".join(map(str, message[0].get("error", ["error"]))))
        call_back.__name__ = call_back.__qualname__ = f"test_function_{cid}"
        return call_back

    # -- requests -------------------------------------------------------------------------------
    def _decoded(self, raw):
        tagged = []   # the tests' arrays and Generators, to send back what the call changes
        value = decode(raw, self.resolve, lambda obj, r: tagged.append((r["tag"], obj, _digest(obj))))
        return value, tagged

    def _answer(self, request, tagged):
        try:
            value = self._do(request)
            changed = {tag: obj for tag, obj, before in tagged if _digest(obj) != before}
            return encode({"ok": value, "changed": changed}, self.refer)
        except BaseException as error:   # the student's code failed (or was interrupted)
            try:
                text = str(error)
            except BaseException:
                text = ""
            return encode({"error": [type(error).__name__, text[:2000]]}, self.refer)

    def _do(self, r):
        op = r["op"]
        if op == "get":
            space = get_ipython().user_ns  # noqa: F821 (the kernel's own)
            if r["name"] not in space:
                raise NameError(f"name '{r['name']}' is not defined")
            return space[r["name"]]
        if op == "call":
            return r["f"](*r["a"], **r["k"])
        if op == "getattr":
            return getattr(r["o"], r["n"])
        if op == "setattr":
            setattr(r["o"], r["n"], r["v"])
            return None
        if op == "repr":
            return repr(r["o"])
        if op == "str":
            return str(r["o"])
        if op == "operator":
            import operator
            if r["n"] not in ("add", "sub", "mul", "truediv", "pow", "neg"):
                raise ValueError(f"unknown operator {r['n']!r}")
            return getattr(operator, r["n"])(*r["a"])
        if op == "count":
            from course import checks
            return list(checks.count_calls(r["n"], r["f"], *r["a"], **r["k"]))
        raise ValueError(f"unknown request {op!r}")

    def serve(self):
        """Answer the tests until they say "end"."""
        while True:
            if self.sock is None:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(self.path)
                self.buffer = b""
            try:
                raw = self._receive()
            except EOFError:   # the tests dropped the connection: start afresh
                self.sock.close()
                self.sock = None
                continue
            if raw == b'"end"':
                return
            try:
                message = self._decoded(raw)
            except BaseException as error:
                self._send(encode({"error": [type(error).__name__, str(error)[:2000]]}, self.refer))
                continue
            self._send(self._answer(*message))
