"""The grader's parts on their own, without kernels or nbgrader (fast): the data boundary between
tests and student code, the reading of a notebook's names, where the tests' names come from,
the redaction of feedback, and the repairs made to a submitted notebook."""

import builtins
import collections
import shutil
import threading
from multiprocessing import Pipe

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course import checks
from course.grading import boundary
from course.grading.agent import Agent
from course.grading.names import slice_statements
from course.grading.redact import WITHHELD, Redactor, feedback_note, normalise
from course.grading.referee import KernelLink, Plan, Referee, StudentCodeError
from course.grading.sanitize import restore


# -- the data boundary ------------------------------------------------------------------------------

def roundtrip(value):
    return boundary.decode(boundary.encode(value, lambda o: {"t": "ref", "id": 1}), lambda r: ("ref", r["id"]))


Point = collections.namedtuple("Point", ["x", "y"])


@pytest.mark.parametrize("value", [
    None, True, 3, -2 ** 70, 2.5, float("inf"), 1 + 2j, "text", b"\x00\x01",
    np.arange(6.0).reshape(2, 3), np.array([True, False]), np.arange(4, dtype=np.int32)[::2],
    np.float64(1.5), np.int64(7), [1, [2.0, "a"]], (1, 2), {"W": np.ones(2), 3: None}, {1, 2},
    Point(np.zeros(1), 2)])
def test_data_crosses_by_value(value):
    got = roundtrip(value)
    if isinstance(value, np.ndarray):
        assert got.dtype == value.dtype and np.array_equal(got, value) and got.flags.writeable
    elif isinstance(value, Point):
        assert type(got).__name__ == "Point" and got._fields == ("x", "y") and got.y == 2
    elif isinstance(value, dict):
        assert set(got) == set(value) and np.array_equal(got["W"], value["W"])
    else:
        assert got == value and type(got) is type(value)


def test_nan_and_generators_cross():
    assert np.isnan(roundtrip(float("nan")))
    rng = np.random.default_rng(5)
    copy = roundtrip(rng)
    assert copy.random() == np.random.default_rng(5).random()


def test_everything_else_crosses_as_a_reference():
    class Layer:
        pass
    assert roundtrip([Layer(), len]) == [("ref", 1), ("ref", 1)]


@pytest.mark.parametrize("text,why", [
    ('{"t": "a", "d": "|O", "s": [1], "b": "AAAAAAAAAAA="}', "not numbers"),
    ('{"t": "a", "d": "<f8", "s": [3], "b": "AAAAAAAAAAA="}', "does not match"),
    ('{"t": "a", "d": "<f8", "s": [-1], "b": ""}', "shape"),
    ('{"t": "nt", "n": "os.system", "f": [], "v": []}', "type name"),
    ('{"t": "nt", "n": "P", "f": ["__class__"], "v": [1]}', "field"),
    ('{"t": "pickle", "v": "x"}', "unknown"),
    ('{"t": "g", "s": {"t": "d", "k": ["bit_generator"], "v": ["Evil"]}}', "unknown kind"),
    ('[' * 100 + ']' * 100, "deeply"),
    ('not json', "not valid"),
])
def test_decoding_refuses_what_is_not_plain_data(text, why):
    with pytest.raises(boundary.BoundaryError, match=why):
        boundary.decode(text, lambda r: None)


def test_decoding_refuses_too_much_data(monkeypatch):
    monkeypatch.setattr(boundary, "MAX_BYTES", 64)
    big = boundary.encode(np.zeros(100), None)
    with pytest.raises(boundary.BoundaryError, match="MiB"):
        boundary.decode(big, None)


# -- the tests' side of the boundary against the kernel's, over a real socket ---------------------

class FakeShell:
    def __init__(self, namespace):
        self.user_ns = namespace


@pytest.fixture
def link(tmp_path):
    """A KernelLink whose "kernel" is an Agent serving in a thread, with a worker that starts
    serve() whenever the link asks."""
    namespace = {}
    ours, worker_end = Pipe()
    path = str(tmp_path / "boundary.sock")
    link = KernelLink(ours, path)
    agent = Agent(path)
    builtins.get_ipython = lambda: FakeShell(namespace)

    def worker():
        while True:
            try:
                message = worker_end.recv()
            except EOFError:
                return
            if message[0] == "serve":
                threading.Thread(target=agent.serve, daemon=True).start()
                worker_end.send(("serving", message[1]))

    threading.Thread(target=worker, daemon=True).start()
    link.start(30)
    yield link, namespace
    link.end()
    del builtins.get_ipython
    ours.close()


def test_calls_objects_callbacks_and_generators_cross(link):
    link, namespace = link
    exec('''
import numpy as np
class Layer:
    def __init__(self, n, act, rng):
        self.W = rng.normal(size=(n, n))
        self.act = act
    def forward(self, X):
        return self.act(X @ self.W)
    def __repr__(self):
        return f"Layer({len(self.W)})"
def square(x):
    return np.asarray(x) ** 2
def fail():
    raise KeyError("secret words")
def forward(x):
    return x
class Value:
    def __init__(self, data):
        self.data = data
    def __mul__(self, other):
        return Value(self.data * (other.data if isinstance(other, Value) else other))
    __rmul__ = __mul__
    def __lt__(self, other):
        return True
def scale_in_place(a, params):
    a *= 2
    params["W"][0] = -1.0
def backprop(x):
    return forward(forward(x))
''', namespace)
    get = lambda name: link.request({"op": "get", "name": name}, name)  # noqa: E731
    assert np.array_equal(checks.run(get("square"), np.arange(3.0)), [0.0, 1.0, 4.0])
    rng = np.random.default_rng(0)
    layer = get("Layer")(2, lambda Z: Z + 1.0, rng)      # a test's function, called back
    assert rng.random() == pytest.approx(_advanced(0, 4))  # the draws inside moved the test's rng
    W = layer.W
    assert W.shape == (2, 2)
    assert np.allclose(layer.forward(np.eye(2)), W + 1.0)
    layer.W = np.zeros((2, 2))
    assert np.array_equal(layer.forward(np.eye(2)), np.ones((2, 2)))
    assert repr(layer) == "Layer(2)" and type(layer).__name__ == "Layer"
    assert getattr(layer, "dW", "missing") == "missing"
    with pytest.raises(StudentCodeError) as raised:
        get("fail")()
    assert type(raised.value).__name__ == "KeyError" and "secret" not in str(raised.value)
    assert raised.value.detail == "'secret words'"
    with pytest.raises(NameError):
        get("undefined_name")
    assert checks.count_calls("forward", get("backprop"), 3.0) == (2, 3.0)
    link.student_classes = frozenset({"Value"})
    x = get("Value")(3.0)
    assert (2 * x * x).data == 18.0                 # the student's operators, in the kernel
    with pytest.raises(TypeError):
        x < 1.0                                    # but no comparison a lying object could win
    a, params = np.ones(3), {"W": np.zeros(2)}
    get("scale_in_place")(a, params)          # what the student's code does in place shows
    assert np.array_equal(a, [2.0, 2.0, 2.0]) and np.array_equal(params["W"], [-1.0, 0.0])
    assert namespace["forward"](1) == 1 and namespace["forward"].__name__ == "forward"   # put back


def _advanced(seed, draws):
    rng = np.random.default_rng(seed)
    rng.normal(size=draws)
    return rng.random()


# -- names and where they come from ---------------------------------------------------------------

def test_a_slice_keeps_what_computes_the_names_and_drops_the_plots():
    source = ("w, losses = train(x, y)\nfinal = loss(predict(x, w), y)\nprint(final)\n"
              "fig, ax = plt.subplots()\nax.plot(losses)\nplt.show()\n")
    code, reads = slice_statements(source, {"losses", "final"}, {"plt"})
    assert code == "w, losses = train(x, y)\nfinal = loss(predict(x, w), y)"
    assert reads == {"train", "x", "y", "loss", "predict"}


def test_the_plan_takes_instructor_names_from_the_instructor_and_answers_from_the_kernel():
    cells = [
        {"kind": "instructor", "source": "import numpy as np\nimport matplotlib.pyplot as plt"},
        {"kind": "instructor", "source": "x = np.arange(3.0)\nplt.plot(x)"},
        {"kind": "answer", "source": "def f(x):\n    raise NotImplementedError()", "binds": ["f", "W"]},
        {"kind": "instructor", "source": "y = f(x)\nprint(y)"},
        {"kind": "test", "source": "checks.check_close('f', y, x ** 2)\nW"},
    ]
    plan = Plan(cells)
    # (y = f(x) may change x too, as far as reading the code can tell)
    assert dict(plan.needed) == {0: {"np"}, 1: {"x"}, 3: {"x", "y"}}
    assert plan.slice(1, {"x"})[0] == "x = np.arange(3.0)"
    assert plan.latest("W", 4) == 2 and plan.latest("x", 4) == 1 and plan.latest("len", 4) is None


def test_builtins_never_come_from_the_kernel(tmp_path):
    ours, _ = Pipe()
    referee = Referee(ours, [{"kind": "test", "source": "len"}], str(tmp_path / "s.sock"))
    referee.position = 0
    with pytest.raises(KeyError):
        referee.missing("len")


# -- feedback --------------------------------------------------------------------------------------

def test_redaction_sees_hidden_lines_in_any_spelling():
    redactor = Redactor(["_expected = train(x, y, lr=0.01)"])
    assert redactor.message("x  is wrong") == "x is wrong"
    for spelled in ["_expected\u00a0=\u00a0train(x, y, lr=0.01)", "_expected =\u200b train(x,\ty,  lr=0.01)",
                    "ｅ _expected = train(x, y, lr=0.01)"]:
        assert redactor.message(spelled) == WITHHELD, spelled
    assert normalise("a\u00a0\u2002b\u200b") == "a b"


def test_feedback_notes_are_the_course_words():
    assert feedback_note("a cell ran over the time limit of 120 s and was interrupted") == \
        "A cell ran over the time limit of 120 s and was interrupted."
    assert feedback_note("extra notebooks not graded: evil <b>name</b>.ipynb") == \
        "Notebooks that are not part of the assignment were not graded."
    assert feedback_note("a cell claims an unknown nbgrader id 'print(secret)': not graded").endswith("not graded.")
    assert feedback_note("anything the grader does not word for students") is None


# -- repairs of a submitted notebook --------------------------------------------------------------

def _spec(nb):
    cells, layout, keys = {}, [], []
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader")
        keys.append(["grade", m["grade_id"]] if m else ["cell", cell["id"]])
        if cell.cell_type == "code":
            layout.append({"kind": "instructor", "grade_id": m and m["grade_id"], "cell_id": cell["id"],
                           "source": cell.source})
        if m:
            cells[m["grade_id"]] = {"cell_type": cell.cell_type, "locked": m["locked"], "source": cell.source,
                                    "checksum": m.get("checksum"), "grade": m["grade"],
                                    "solution": m["solution"], "task": False, "points": m.get("points")}
    return {"cells": cells, "order": list(cells), "layout": layout, "release_keys": keys, "kernelspec": None}


def _nb():
    from nbgrader.utils import compute_checksum
    nb = new_notebook()
    nb.cells = [new_code_cell("def f(x):\n    return x"), new_code_cell("y = f(2)"), new_code_cell("check(y)"),
                new_markdown_cell("end")]
    roles = [("f", False, True, False), None, ("test_f", True, False, True), None]
    for i, (cell, role) in enumerate(zip(nb.cells, roles)):
        cell["id"] = f"cell{i}"
        if role:
            gid, grade, solution, locked = role
            cell.metadata["nbgrader"] = {"grade_id": gid, "grade": grade, "solution": solution, "locked": locked,
                                         "task": False, "schema_version": 3, **({"points": 1} if grade else {})}
            cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
    return nb


def test_a_deleted_test_goes_back_after_the_instructor_cell_before_it():
    nb = _nb()
    spec = _spec(nb)
    del nb.cells[2]
    flags = restore(nb, spec)
    assert [c.source for c in nb.cells][:3] == ["def f(x):\n    return x", "y = f(2)", "check(y)"]
    assert "cell test_f was missing: put back" in flags


def test_a_pasted_copy_keeps_the_notebook_gradable():
    nb = _nb()
    spec = _spec(nb)
    copy = nbformat.from_dict(nb.cells[0])
    copy["id"] = "pasted"
    nb.cells.insert(0, copy)
    flags = restore(nb, spec)
    assert "nbgrader" not in nb.cells[0].metadata and nb.cells[1].metadata["nbgrader"]["grade_id"] == "f"
    assert any("the last copy keeps it" in f for f in flags)


def test_sockets_fit_under_a_deep_temporary_folder(tmp_path, monkeypatch):
    """A Unix socket's path holds at most 107 bytes: under a deep TMPDIR (a test runner's) the
    grader's scratch folder falls back to /tmp, and the longest socket it makes there binds."""
    import socket
    import tempfile

    from course.grading import sandbox

    deep = tmp_path / ("deep-temporary-folder-" * 4)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    base = sandbox.scratch_dir()
    assert base == "/tmp" and tempfile.gettempdir() == "/tmp"
    folder = tempfile.mkdtemp(prefix="pymp-")
    try:
        path = f"{folder}/listener-{'x' * 8}"
        assert len(path) <= len(base) + sandbox.LONGEST_SOCKET_TAIL
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path)
        with pytest.raises(OSError, match="too long"), socket.socket(socket.AF_UNIX) as s:
            s.bind(str(deep / "t.sock"))
    finally:
        shutil.rmtree(folder)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert sandbox.scratch_dir() == str(tmp_path)
