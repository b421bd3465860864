"""The dependency analysis that lets wrong catalogue answers share a graded student: small
notebooks whose dependencies are known by hand."""

import ast

import pytest

from course.grading.names import keeps_arguments, notebook_functions
from tests.cell_dependencies import dependencies

SETUP = "import numpy as np\nfrom course import checks"


def deps(*cells):
    return [sorted(d) for d in dependencies((SETUP, *cells))]


def test_a_test_depends_on_the_function_it_calls_and_what_that_function_reads_when_called():
    # f reads g, which is defined after f: the call in the last cell still reaches g.
    assert deps("def f(x):\n    return g(x) + 1",
                "def g(x):\n    return 2 * x",
                "checks.check_close('f', f(1.0), 3.0)")[3] == [0, 1, 2]


def test_locals_and_parameters_of_functions_are_not_notebook_names():
    # x, acts and y are local to h: the last cell does not depend on the cell binding x and y.
    assert deps("x = 1\ny = 2",
                "def h(x):\n    acts = [x]\n    return [y for y in acts]",
                "h(3)")[3] == [2]


def test_a_rebinding_cuts_the_dependency_a_conditional_binding_does_not():
    rebinding = deps("def f():\n    return 1", "a = f()", "a = 5", "print(a)")
    assert rebinding[4] == [3]
    conditional = deps("def f():\n    return 1", "a = f()", "if True:\n    a = 5", "print(a)")
    assert conditional[4] == [1, 2, 3]


def test_a_cell_that_rebinds_a_name_before_reading_it_does_not_depend_on_the_old_value():
    assert deps("p = 1", "p = 2\nprint(p)")[2] == []


def test_passing_a_value_to_a_student_function_may_change_it_but_not_to_an_imported_one():
    cells = deps("data = [1, 2]",
                 "def shuffle(v):\n    v.reverse()",
                 "shuffle(data)",
                 "checks.run(len, data)",
                 "print(data)")
    assert cells[5] == [1, 2, 3]       # through shuffle(data), not through checks.run
    assert 4 not in cells[5]


def test_methods_and_stored_attributes_change_their_object():
    cells = deps("class Layer:\n    pass",
                 "def backward(self):\n    return 0",
                 "Layer.backward = backward",
                 "net = Layer()",
                 "net.backward()")
    assert cells[5] == [1, 2, 3, 4]


def test_storing_on_a_module_reaches_every_later_user_of_it():
    cells = deps("np.allclose = lambda *a, **k: True",
                 "def f():\n    return 1",
                 "checks.check(np.allclose(f(), 2), 'f is wrong')")
    assert 1 in cells[3]


def test_what_cannot_be_followed_reaches_everything_after_it():
    for trick in ("exec('x = 1')", "globals()['f'] = None", "import builtins",
                  "def f():\n    global g\n    g = 1", "del f", "def broken(:"):
        cells = deps("def f():\n    return 1", trick, "y = 2", "print(y)")
        assert 2 in cells[4], trick


def test_a_name_read_inside_a_function_resolves_when_the_function_runs():
    # The helper reads `table`, bound in an earlier cell: a test calling helper depends on it.
    assert deps("table = {}", "def helper():\n    return table", "helper()")[3] == [1, 2]


KEEPS = {
    "def f(X, W):\n    Z = X @ W\n    return 1 / (1 + np.exp(-Z))": True,
    "def f(X):\n    grads = {}\n    grads['a'] = X.sum()\n    total = 0.0\n    total += 1\n    return grads": True,
    "def f(X):\n    losses = []\n    losses.append(X.mean())\n    return losses": True,
    "def f(X):\n    Y = np.zeros_like(X)\n    Y[X > 0] = 1\n    return Y": True,
    "def f(p, g, lr):\n    p['W'] -= lr * g['W']": False,
    "def f(p, g, lr):\n    for k in p:\n        p[k] = p[k] - lr * g[k]": False,
    "def f(X):\n    W = X\n    W += 1": False,
    "def f(X, rng):\n    return rng.normal(size=X.shape)": False,      # moves the generator on
    "def f(X):\n    np.random.shuffle(X)": False,
    "def f(X):\n    np.add(X, 1, out=X)": False,
    "def f(X):\n    V = X.reshape(-1)\n    V[0] = 1": False,                   # a view of X
    "def f(layers):\n    for layer in layers:\n        layer.W = 0": False,
    "def f(X):\n    return g(X)": False,                                      # g unknown
    "def f(X):\n    X.sort()": False,
    "def f(X):\n    a, b = X\n    a[0] = 1": False,
    "def f(X):\n    setattr(X, 'a', 1)": False,
}


@pytest.mark.parametrize("source", KEEPS, ids=range(len(KEEPS)))
def test_which_functions_keep_their_arguments(source):
    fn = ast.parse(source).body[0]
    assert keeps_arguments(fn, imported=frozenset({"np"})) is KEEPS[source]


def test_keeping_spreads_through_calls_and_stops_at_a_function_that_changes():
    functions, keeping = notebook_functions(
        ["import numpy as np", "def g(X):\n    return X * 2", "def f(X):\n    return g(X)",
         "def h(X):\n    X[0] = 1", "def k(X):\n    h(X)", "k = 3\ndef m(X):\n    return X"],
        frozenset({"np"}))
    assert functions == {"f", "g", "h", "m"} and keeping == {"f", "g", "m"}


def test_a_call_to_a_function_that_keeps_its_arguments_changes_nothing():
    # The demo calls f (keeps) and passes f along: the test of the data depends on the data alone.
    assert deps("X = np.ones(3)", "def f(X):\n    return X * 2", "plot(f(X), f)\nprint(X.copy())",
                "checks.check_close('X', X, 1.0)")[4] == [0, 1]
    # The same demo with an f that changes its argument reaches the test.
    assert 3 in deps("X = np.ones(3)", "def f(X):\n    X[0] = 2", "plot(f(X), f)",
                     "checks.check_close('X', X, 1.0)")[4]
