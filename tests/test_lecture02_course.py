"""Lecture 2's course modules: the curve data, the generic trainer and the training viewer."""

import numpy as np
import pytest
from scipy.special import expit

from course.curve_training import TrainingRun, train
from course.data.curve import training_data
from course.widgets_training import training_viewer


def _params(seed=0, sizes=(1, 4, 3, 2)):
    rng = np.random.default_rng(seed)
    return {f"{kind}{n}": rng.standard_normal((sizes[n], sizes[n - 1] if kind == "W" else 1)) / 2
            for n in (1, 2, 3) for kind in "Wb"}


def _outputs(p, x):
    a = x
    for n in (1, 2, 3):
        a = expit(p[f"W{n}"] @ a + p[f"b{n}"])
    return a


def _cost(p, x, y):
    return float(np.sum((_outputs(p, x) - y) ** 2) / x.shape[1])


def _reference_gradients(p, x, y):
    """Backprop written here, for the test only (the course package holds no solutions)."""
    acts = [x]
    for n in (1, 2, 3):
        acts.append(expit(p[f"W{n}"] @ acts[-1] + p[f"b{n}"]))
    g, out = 2.0 * (acts[3] - y) / x.shape[1], {}
    for n in (3, 2, 1):
        d = g * acts[n] * (1.0 - acts[n])
        out[f"W{n}"], out[f"b{n}"] = d @ acts[n - 1].T, d.sum(axis=1, keepdims=True)
        g = p[f"W{n}"].T @ d
    return out


def test_data_shapes_range_and_determinism():
    x, y = training_data()
    assert x.shape == (1, 64) and y.shape == (2, 64)
    assert np.all(np.diff(x[0]) > 0) and x[0, 0] == 0.0 and x[0, -1] == 1.0
    assert np.all((y > 0) & (y < 1))
    for noise in (0.0, 0.05, 0.5):
        x1, y1 = training_data(n=30, noise=noise, seed=3)
        x2, y2 = training_data(n=30, noise=noise, seed=3)
        assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
        assert np.all((y1 > 0) & (y1 < 1))
    assert not np.array_equal(training_data(noise=0.05, seed=1)[1], training_data(noise=0.05, seed=2)[1])
    assert np.array_equal(training_data(noise=0.0, seed=1)[1], training_data(noise=0.0, seed=2)[1])
    with pytest.raises(ValueError):
        training_data(n=0)


def test_reference_gradients_match_finite_differences():
    from course.gradcheck import numerical_gradients, relative_error
    x, y = training_data(n=7)
    p = _params(seed=5)
    numeric = numerical_gradients(lambda **q: _cost(q, x, y), p)
    got = _reference_gradients(p, x, y)
    assert max(relative_error(got[k], numeric[k]) for k in p) < 1e-6


def test_trainer_descends_and_leaves_inputs_alone():
    x, y = training_data()
    p = _params(seed=1)
    before = {k: v.copy() for k, v in p.items()}
    run = train(_reference_gradients, p, x, y, step=5.0, iterations=3000, snapshot_every=500, cost=_cost)
    assert isinstance(run, TrainingRun)
    assert all(np.array_equal(p[k], before[k]) for k in p)
    assert run.iterations == [0, 500, 1000, 1500, 2000, 2500, 3000]
    assert len(run.snapshots) == len(run.costs) == 7
    assert run.costs[-1] < 0.5 * run.costs[0]
    assert np.isclose(run.costs[-1], _cost(run.params, x, y))
    assert run.seconds > 0


def test_trainer_noise_is_seeded_and_zero_noise_is_plain_descent():
    x, y = training_data(n=20)
    p = _params(seed=2)
    a = train(_reference_gradients, p, x, y, iterations=200, noise=0.8, seed=4)
    b = train(_reference_gradients, p, x, y, iterations=200, noise=0.8, seed=4)
    c = train(_reference_gradients, p, x, y, iterations=200, noise=0.8, seed=5)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in p)
    assert any(not np.array_equal(a.params[k], c.params[k]) for k in p)
    # noise 0: exactly one plain step per iteration
    one = train(_reference_gradients, p, x, y, step=2.0, iterations=1)
    g = _reference_gradients(p, x, y)
    assert all(np.allclose(one.params[k], p[k] - 2.0 * g[k]) for k in p)


def test_trainer_rejects_malformed_gradients():
    x, y = training_data(n=5)
    p = _params()
    with pytest.raises(ValueError, match="W2"):
        train(lambda q, x, y: {k: (v.T if k == "W2" else v) for k, v in _reference_gradients(q, x, y).items()},
              p, x, y, iterations=1)
    with pytest.raises(KeyError):
        train(lambda q, x, y: {"W1": q["W1"]}, p, x, y, iterations=1)
    with pytest.raises(TypeError):
        train(lambda q, x, y: [1, 2], p, x, y, iterations=1)


def test_training_with_the_lecture_network_lowers_the_cost():
    # How fast this is, is measured by bench/lecture02_training.py, not asserted here.
    x, y = training_data()
    run = train(_reference_gradients, _params(sizes=(1, 6, 7, 2)), x, y, iterations=2000,
                snapshot_every=1000, cost=_cost)
    assert run.iterations == [0, 1000, 2000]
    assert run.costs[-1] < run.costs[1] < run.costs[0]


def test_viewer_builds_headless(recwarn):
    import ipywidgets as widgets
    import matplotlib
    matplotlib.use("Agg")
    x, y = training_data(n=10)
    run = train(_reference_gradients, _params(), x, y, iterations=40, snapshot_every=10, cost=_cost)
    view = training_viewer(run, x, y, predict=_outputs, points=25)
    assert isinstance(view, widgets.VBox)
    play, slider = view.children[0].children
    assert isinstance(play, widgets.Play) and isinstance(slider, widgets.IntSlider)
    assert slider.max == len(run.snapshots) - 1 == 4
    slider.value = 0  # redraws without error
    assert not [w for w in recwarn if "matplotlib" in str(w.filename)]


# --- The lecture itself: every number its text states, its training target, its exercises ------
#
# The source notebook is the reference: its instructor cells and model answers are run here in a
# fresh namespace (solutions live in the notebook only), and the text of its markdown cells is
# compared with what that code computes.

import ast  # noqa: E402
import contextlib  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

from course import checks, gradcheck  # noqa: E402
from tests.catalogues import lecture02 as catalogue  # noqa: E402
from tests.course_repo import RELEASE, SOURCE, nbgrader_meta, read  # noqa: E402

NOTEBOOK = SOURCE / "02_three_layer_jacobians" / "jacobians.ipynb"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@functools.lru_cache(maxsize=None)
def lecture():
    return read(NOTEBOOK)


def cell(grade_id):
    return next(c for c in lecture().cells if nbgrader_meta(c).get("grade_id") == grade_id)


def code_cell(startswith):
    found = [c for c in lecture().cells if c.cell_type == "code" and c.source.startswith(startswith)]
    assert len(found) == 1, startswith
    return found[0]


def markdown_cells():
    return [c for c in lecture().cells if c.cell_type == "markdown"]


def markdown_cell(startswith):
    found = [c for c in markdown_cells() if c.source.startswith(startswith)]
    assert len(found) == 1, startswith
    return found[0].source


def is_test(c):
    meta = nbgrader_meta(c)
    return bool(meta.get("grade")) and not meta.get("solution")


@functools.lru_cache(maxsize=None)
def reference():
    """The namespace after every code cell of the source notebook except the tests has run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    space = {}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for index, c in enumerate(lecture().cells):
            if c.cell_type == "code" and not is_test(c):
                exec(compile(c.source, f"{NOTEBOOK.name} cell {index}", "exec"), space)
    plt.close("all")
    return space


def call_keywords(source, function):
    """{keyword: literal value} of the one call to ``function`` in ``source``, called directly
    or through ``checks.run(function, ...)``."""
    def calls_it(node):
        if not isinstance(node, ast.Call):
            return False
        if getattr(node.func, "id", None) == function:
            return True
        return (getattr(node.func, "attr", None) == "run" and node.args
                and getattr(node.args[0], "id", None) == function)
    calls = [node for node in ast.walk(ast.parse(source)) if calls_it(node)]
    assert len(calls) == 1, f"one call to {function} expected"
    return {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords
            if isinstance(k.value, ast.Constant)}


def spaced(number):
    """8000 -> '8 000', as the text writes thousands."""
    return f"{number:,}".replace(",", " ")


def training_test_settings():
    """seed, step, iterations and target of the graded training test (Exercise 9)."""
    source = cell("test_training").source
    train_call = call_keywords(source, "train")
    init_call = call_keywords(source, "init_params")
    target = ast.literal_eval(re.search(r"check_at_most\([^,]+,[^,]+,\s*([0-9.]+)", source).group(1))
    return {"seed": init_call["seed"], "step": train_call["step"],
            "iterations": train_call["iterations"], "target": target}


def layer_steps(n_layers):
    """Layer steps of one training step: (six-function way, one-sweep backprop).

    Each of the two Jacobians of layer n runs a forward pass (n_layers steps) and goes
    n_layers - n + 1 steps back; backprop does one forward pass and one backward sweep.
    """
    separate = sum(2 * (n_layers + n_layers - n + 1) for n in range(1, n_layers + 1))
    return separate, 2 * n_layers


def measured_speedup(steps=300, repeats=3):
    """Best CPU time per training step of the six functions over that of backprop."""
    ns = reference()
    x, y = ns["x"], ns["y"]
    best = {}
    for name in ("six_jacobians", "backprop"):
        times = []
        for _ in range(repeats):
            start = time.process_time()
            train(ns[name], ns["init_params"](seed=1), x, y, step=5.0, iterations=steps)
            times.append(time.process_time() - start)
        best[name] = min(times)
    return best["six_jacobians"] / best["backprop"]



def largest_curvature(gradient, point, h=1e-5):
    """Largest eigenvalue of the Hessian at ``point`` (a flat float64 array), by central differences
    of ``gradient`` (flat array -> flat array), symmetrised."""
    n = point.size
    hessian = np.empty((n, n))
    for i in range(n):
        step = np.zeros(n)
        step[i] = h
        hessian[:, i] = (gradient(point + step) - gradient(point - step)) / (2 * h)
    return float(np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1])


def lecture02_curvatures(snapshots, x, y):
    """Largest Hessian eigenvalue of Lecture 2's averaged cost at every snapshot of a run."""
    names = list(snapshots[0])
    shapes = [snapshots[0][k].shape for k in names]
    sizes = [int(np.prod(s)) for s in shapes]

    def unflat(v):
        return {k: part.reshape(s) for k, part, s in zip(names, np.split(v, np.cumsum(sizes)[:-1]), shapes)}

    def gradient(v):
        g = _reference_gradients(unflat(v), x, y)
        return np.concatenate([g[k].ravel() for k in names])

    return [largest_curvature(gradient, np.concatenate([p[k].ravel() for k in names])) for p in snapshots]


LECTURE01 = SOURCE / "01_credit_regression" / "credit_regression.ipynb"


def lecture01_one_neuron_run():
    """The starting values, learning rate and iteration count of Lecture 1's one-neuron training
    (its instructor cell calling train_one_neuron), read from that notebook."""
    for c in read(LECTURE01).cells:
        if c.cell_type != "code" or nbgrader_meta(c).get("grade") or nbgrader_meta(c).get("solution"):
            continue
        for node in ast.walk(ast.parse(c.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "train_one_neuron":
                start = [ast.literal_eval(a) for a in node.args[2:6]]
                keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
                return start, keywords["lr"], keywords["n_iter"]
    raise AssertionError("Lecture 1 no longer trains its one neuron with train_one_neuron(..., lr=, n_iter=)")


def lecture01_curvature_after_training():
    """(m, learning rate, largest Hessian eigenvalue of the summed loss where the run ends) for
    Lecture 1's one-neuron network, trained here as that lecture trains it."""
    from course.activations import sigmoid
    from course.data import load_credit
    df = load_credit()
    x, y = df["limit"].to_numpy(), df["balance"].to_numpy()
    start, lr, n_iter = lecture01_one_neuron_run()

    def gradient(p):
        w1, b1, w2, b2 = p
        a1 = sigmoid(w1 * x + b1)
        delta2 = 2 * (w2 * a1 + b2 - y)
        delta1 = delta2 * w2 * a1 * (1 - a1)
        return np.array([np.sum(delta1 * x), np.sum(delta1), np.sum(delta2 * a1), np.sum(delta2)])

    p = np.array(start, dtype=float)
    for _ in range(n_iter):
        p = p - lr * gradient(p)
    return len(x), lr, largest_curvature(gradient, p, h=1e-6)


def tex_power_of_ten(value):
    """0.001 -> '10^{-3}' (only exact powers of ten)."""
    exponent = int(round(np.log10(value)))
    assert np.isclose(value, 10.0 ** exponent), value
    return f"10^{{{exponent}}}"



def lecture01_checker():
    """Lecture 1's model numerical_gradient and relative_error (its answer cell gradient_checker),
    and the number of the exercise that asks for them."""
    from tests.test_lecture_text import Lecture
    lec = Lecture(LECTURE01)
    index = next(i for i, c in enumerate(lec.cells) if nbgrader_meta(c).get("grade_id") == "gradient_checker")
    space = {"np": np}
    exec(lec.cells[index].source, space)
    return space["numerical_gradient"], space["relative_error"], lec.exercise_of(index)


def own_check(answers=(), checker=None):
    """What the ungraded cell that checks the six Jacobians prints, run after the lecture's code
    with the answer cells ``answers`` ({grade_id: source}) put in, and with ``checker`` (a pair
    numerical_gradient, relative_error) pasted, or none. Returns {"J_W3": relative error or the
    line printed, ...} or the one line printed when there is no checker."""
    space = dict(reference())
    space.pop("numerical_gradient", None)
    space.pop("relative_error", None)
    for source in dict(answers).values():
        exec(source, space)
    if checker is not None:
        space["numerical_gradient"], space["relative_error"] = checker
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(next(c for c in lecture().cells if c.get("id") == "check-jacobians").source, space)
    lines = printed.getvalue().strip().splitlines()
    if checker is None:
        return lines
    out = {}
    for line in lines:
        name, _, rest = line.partition(": ")
        match = re.fullmatch(r"relative error (\S+)", rest)
        out[name] = float(match.group(1)) if match else rest
    return out


def catalogue_cells(name):
    return next(v for v in catalogue.VARIANTS if v.name == name).cells


@functools.lru_cache(maxsize=None)
def facts():
    """[(fragment of the text, what the notebook's code says it must be)]: every number the
    lecture's markdown states, computed."""
    ns = reference()
    x, y, init_params, forward, d_sigma = (ns[k] for k in ("x", "y", "init_params", "forward", "d_sigma"))
    import inspect
    sizes = inspect.signature(init_params).parameters["sizes"].default
    n_layers = len(sizes) - 1
    values = forward(init_params(), x)
    out = []

    # Title cell: the network, and the conventions.
    out.append((r"$" + r" \to ".join(map(str, sizes)) + "$", True))
    # The logistic function: σ′ at most 1/4 (at 0), nearly 0 beyond |z| = 5; overflow of exp.
    z = np.linspace(-20, 20, 4001)
    out.append((r"never more than $\tfrac14$", bool(d_sigma(0.0) == 0.25 and np.max(d_sigma(z)) <= 0.25)))
    out.append((r"nearly zero once $|z| > 5$", bool(d_sigma(5.0) < 0.03 * d_sigma(0.0))))
    out.append((r"$\sigma'(z) = \tfrac14\cosh^{-2}(z/2)$",
                bool(np.allclose(d_sigma(z), 0.25 / np.cosh(z / 2) ** 2, rtol=1e-12, atol=1e-15))))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.exp(-np.array(-1000.0))
        overflow = any(issubclass(w.category, RuntimeWarning) and "overflow" in str(w.message) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_zero = ns["sigma"](np.array(-1000.0)) == 0.0 and not caught
    out.append(("`np.exp(-z)` for $z=-1000$ overflows and prints a warning", bool(overflow and quiet_zero)))
    # The network and its shapes.
    out.append((f"an input layer with {'one unit' if sizes[0] == 1 else sizes[0]}, two hidden layers with "
                f"{sizes[1]} and {sizes[2]} units, and an output layer with {sizes[3]} units", n_layers == 3))
    a0, a1, a3 = values[0], values[2], values[-1]
    out.append((rf"$\boldsymbol a^{{(0)}} = \boldsymbol x$ has shape $({a0.shape[0]}, N)$, "
                rf"$\boldsymbol z^{{(1)}}$ and $\boldsymbol a^{{(1)}}$ have shape $({a1.shape[0]}, N)$, and so on up "
                rf"to $\boldsymbol a^{{(3)}}$ of shape $({a3.shape[0]}, N)$", a0.shape[1] == a3.shape[1] == x.shape[1]))
    out.append(("never write " + f"{sizes[1]}, {sizes[2]} or {sizes[3]}", True))
    # The data.
    out.append(("the input $x$ runs from 0 to 1",
                bool(x[0, 0] == 0.0 and x[0, -1] == 1.0 and np.all(np.diff(x[0]) > 0))))
    out.append(("with both coordinates inside $(0,1)$", bool(np.all((y > 0) & (y < 1)))))
    # Section 3: the student's own gradient checker, from Lecture 1, on the six Jacobians.
    numerical_gradient, relative_error, exercise = lecture01_checker()
    out.append((f"You wrote exactly that tool in Lecture 1, Exercise {exercise}.", exercise is not None))
    check_source = next(c for c in lecture().cells if c.get("id") == "check-jacobians").source
    check_cell_h = ast.literal_eval(re.search(r"\.copy\(\), ([0-9.e-]+)\)", check_source).group(1))
    out.append((f"with step $h = {tex_power_of_ten(check_cell_h)}$", True))
    import inspect
    tolerance = inspect.signature(checks.check_gradients).parameters["tol"].default
    right = [own_check(checker=pair) for pair in [(numerical_gradient, relative_error),
                                                   (gradcheck.numerical_gradient, gradcheck.relative_error)]]
    out.append((f"every relative error printed is below $10^{{-9}}$, far under the ${tex_power_of_ten(tolerance)}$ "
                "the tests accept", all(sorted(r) == sorted(f"J_{k}" for k in ns["params"]) and max(r.values()) < 1e-9
                                        for r in right)
                and not re.search(r"tol\s*=", "".join(c.source for c in lecture().cells if is_test(c)))))
    pair = (numerical_gradient, relative_error)     # the cell prints 1 digit after the point
    factor2 = own_check(catalogue_cells("W2 no factor 2"), pair)["J_W2"]
    no_mean = own_check(catalogue_cells("b3 no mean"), pair)["J_b3"]
    sign = own_check(catalogue_cells("b2 wrong sign"), pair)["J_b2"]
    n_check = re.search(r"check_rng\.uniform\(0\.1, 0\.9, \(\d+, (\d+)\)\)", check_source).group(1)
    out.append(("a lost factor 2 gives $1/3$", f"{factor2:.1e}" == f"{1 / 3:.1e}"))
    out.append((f"a forgotten average gives $(N-1)/(N+1)$, which is $2/3$ with the $N = {n_check}$ examples of this "
                "check", int(n_check) == 5 and f"{no_mean:.1e}" == f"{2 / 3:.1e}"))
    out.append(("a wrong sign gives 1.", f"{sign:.1e}" == f"{1:.1e}"))
    # Counting work (section 4 and Exercise 8, with its model answer).
    backward = [n_layers - n + 1 for n in range(n_layers, 0, -1) for _ in "Wb"]
    jacobians = [g for g in (nbgrader_meta(c).get("grade_id") for c in lecture().cells) if g and g.startswith("J_")]
    separate, sweep = layer_steps(n_layers)
    out.append(("$" + "+".join(map(str, backward)) + f" = {sum(backward)}$ layer steps, where one forward pass "
                f"and {n_layers} layer steps are enough", len(jacobians) == len(backward)))
    out.append((rf"${len(jacobians)} \times {n_layers} = {len(jacobians) * n_layers}$ forward steps and "
                rf"${sum(backward)}$ backward steps, ${separate}$ in all; with `backprop` it takes "
                rf"${n_layers} + {n_layers} = {sweep}$", len(jacobians) * n_layers + sum(backward) == separate))
    out.append((f"${separate}/{sweep} = {separate // sweep}$", separate % sweep == 0))
    largest = max(list(values) + list(ns["params"].values()), key=np.size)
    out.append((rf"the largest has ${largest.shape[0]} \times {largest.shape[1]}$ entries", True))
    out.append((f"the measured speed-up usually comes out below {separate // sweep}",
                measured_speedup() < separate / sweep))
    out.append((r"$2\sum_{n=1}^{L}(2L-n+1) = 3L^2+L$ layer steps " + f"({layer_steps(3)[0]} for $L=3$)",
                all(layer_steps(L) == (3 * L * L + L, 2 * L) for L in range(1, 12))))
    # Section 5: the demonstration run and what it shows.
    run_source = code_cell("run = train(").source
    demo = call_keywords(run_source, "train")
    demo_seed = call_keywords(run_source, "init_params")["seed"]
    out.append((f"`init_params(seed={demo_seed})`, for {spaced(demo['iterations'])} iterations of step "
                f"{demo['step']:g} with noise {demo['noise']:g}, keeps a snapshot of the parameters every "
                f"{demo['snapshot_every']} iterations", True))
    run = ns["run"]
    costs = np.array(run.costs)
    jump = int(np.argmax(costs[1:] / costs[:-1])) + 1
    out.append((f"Around iteration {spaced(run.iterations[jump])} one jittered step throws the cost up for a "
                "moment; by the next snapshot it is back where it was",
                bool(costs[jump] > 5 * costs[jump - 1] and costs[jump + 1] < 1.15 * costs[jump - 1])))
    # Section 5: the step size, against Lecture 1's (curvature = largest Hessian eigenvalue).
    m, lr1, curvature1 = lecture01_curvature_after_training()
    limit1 = 2 / curvature1
    mantissa, exponent = f"{limit1:.1e}".split("e")
    out.append((f"**Why a step as large as {demo['step']:g}?**", True))
    out.append((f"Lecture 1 stepped its one neuron by ${tex_power_of_ten(lr1)}$, this lecture steps by "
                f"{demo['step']:g}", training_test_settings()["step"] == demo["step"]))
    out.append(("stable only for steps up to about $2/\\lambda$", True))   # the rule for a quadratic
    out.append((f"summed* its loss over $m = {m}$ examples", True))
    out.append((f"its $\\lambda$ is about {spaced(int(round(curvature1, -2)))} near the fitted curve, a limit of "
                f"${mantissa} \\cdot 10^{{{int(exponent)}}}$: a step about $1/m$ of what the mean would allow",
                # the step Lecture 1 used is just under that limit, and the limit of the mean loss
                # (curvature / m) is m times larger
                bool(0.5 * limit1 < lr1 < limit1 and abs(curvature1 - round(curvature1, -2)) < 50)))
    curvatures = lecture02_curvatures(run.snapshots, x, y)
    middle = float(np.median(curvatures[1:]))
    out.append((f"its $\\lambda$ starts near {curvatures[0]:.1f} and hovers around "
                f"$2/{demo['step']:g} = {2 / demo['step']:g}$ during the run below",
                bool(abs(middle - 2 / demo["step"]) < 0.05 and max(curvatures) < 0.5 and min(curvatures[1:]) > 0.3)))
    # Exercise 9: the graded training run.
    s = training_test_settings()
    start = ns["cost"](init_params(seed=s["seed"]), x, y)
    final = ns["cost"](train(ns["backprop"], init_params(seed=s["seed"]), x, y, step=s["step"],
                             iterations=s["iterations"]).params, x, y)
    out.append((f"`init_params(seed={s['seed']})`, whose cost on the training data starts at {start:.3f}, for "
                f"{spaced(s['iterations'])} iterations of step {s['step']:g} without noise, and requires the cost "
                f"to end **at most {s['target']:g}**; a correct `backprop` ends near {final:.3f}",
                final < s["target"]))
    return out


# Numbers in the text that are not measurements: names of lectures, exercises and sections, layer
# indices, and the constants of the formulas being derived (they are the mathematics, checked by
# the finite-difference tests, not numbers this notebook computes).
STRUCTURE = [
    r"`[^`]*`",                                   # code: W1, delta3, axis=1, ...
    r"\^\{[^{}]*\}", r"\^\w", r"_\{[^{}]*\}", r"_\w",  # super- and subscripts
    r"\\[td]?frac\{[^{}]*\}\{[^{}]*\}", r"\\[td]?frac\w\w",
    r"^#+ \d+\.", r"^\d+\. ", r"Exercise \d+", r"Lectures? \d+(, \d+)*( and \d+)?", r"section \d+",
    r"layers? \d+( and \d+)?", r"layer-\d+", r"n = 1, 2, 3",
    r"\(1\s*[-+]\s*", r"1\s*[-+]\s*\\sigma", r"a\(1-a\)", r"\(z/2\)", r"\\mathcal N\(0,1\)",
    r"1\+\\text\{noise\}", r"= 1\$", r"factor 2 from",
    r"\(n\s*, 1\)",                                # the shape of a bias column, (n_n, 1)
    r"\$2L\$", r"\$L-n\+1\$",                       # the terms of 3L²+L (computed in layer_steps)
    r"\$n-1\$", r'"\+1"',                         # the layer below layer n; the bias unit of the figure
]


READING = "## Further reading"


def test_every_number_in_the_text_is_computed():
    # The reading list's numbers are bibliographic (years, chapters, pages), not claims.
    text = "\n\n".join(c.source for c in markdown_cells() if not c.source.startswith(READING))
    wrong = [fragment for fragment, holds in facts() if not holds]
    missing = [fragment for fragment, _ in facts() if fragment not in text]
    assert not missing, f"the text no longer says: {missing}"
    assert not wrong, f"the code does not bear these out: {wrong}"
    for fragment, _ in facts():
        text = text.replace(fragment, " ")
    for pattern in STRUCTURE:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    left = [text[max(0, m.start() - 40):m.end() + 20] for m in re.finditer(r"\d", text)]
    assert not left, f"numbers in the text that no test computes: {left}"


def test_the_demonstration_run_learns_as_described():
    ns = reference()
    run, forward, y = ns["run"], ns["forward"], ns["y"]
    inputs = np.linspace(0.0, 1.0, 200).reshape(1, -1)
    outputs = [forward(p, inputs)[-1] for p in run.snapshots]
    length = [float(np.sum(np.linalg.norm(np.diff(a, axis=1), axis=0))) for a in outputs]
    off_centre = [float(np.linalg.norm(a.mean(axis=1) - y.mean(axis=1))) for a in outputs]
    at = {i: k for k, i in enumerate(run.iterations)}
    # "almost a single point, away from the data"
    assert length[0] < 0.01 * length[-1] and off_centre[0] > 0.2
    # "within the first snapshots it moves to the average position of the curve as a short stroke"
    assert off_centre[2] < 0.01 and length[2] < 0.3 * length[-1]
    # "then stretches along the curve's overall sweep, and only late bends into the loop"
    assert length[at[2000]] > 0.6 * length[-1] and run.costs[at[2000]] > 10 * run.costs[-1]


def test_training_target_is_met_at_every_seed_with_margin():
    """The target of Exercise 9 holds for the model answer from 30 different starting networks,
    with room to spare, not only from the one the test uses."""
    ns = reference()
    s = training_test_settings()
    worst = max(ns["cost"](train(ns["backprop"], ns["init_params"](seed=seed), ns["x"], ns["y"], step=s["step"],
                                 iterations=s["iterations"]).params, ns["x"], ns["y"])
                for seed in range(30))
    assert worst <= 0.75 * s["target"], worst


def run_training_test(answer_source):
    """Run the graded training test against a backprop answer; return the failure or None."""
    space = dict(reference())
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        exec(answer_source, space)
        try:
            exec(cell("test_training").source, space)
        except Exception as failure:  # a failed check, or train rejecting what backprop returns
            return failure
    return None


def backprop_variants(wrong):
    return [v for v in catalogue.VARIANTS if "backprop" in v.cells and v.wrong == wrong]


def test_training_test_fails_every_wrong_backprop_that_does_not_train():
    assert set(catalogue.TRAINS_ANYWAY) <= {v.name for v in backprop_variants(wrong=True)}
    s = training_test_settings()
    ns = reference()
    checked = 0
    for variant in backprop_variants(wrong=True):
        if variant.name in catalogue.TRAINS_ANYWAY:
            continue
        failure = run_training_test(variant.cells["backprop"])
        assert failure is not None, f"{variant.name} passes the training test"
        # and not by a hair: the cost it reaches is well above the target (or not a number)
        space = dict(ns)
        exec(variant.cells["backprop"], space)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                final = ns["cost"](train(space["backprop"], ns["init_params"](seed=s["seed"]), ns["x"], ns["y"],
                                         step=s["step"], iterations=s["iterations"]).params, ns["x"], ns["y"])
            except ValueError:
                final = np.inf
        assert not final < 1.3 * s["target"], f"{variant.name} ends at {final:.4f}, close to the target"
        checked += 1
    assert checked >= 6


def test_training_test_passes_every_right_backprop():
    assert run_training_test(cell("backprop").source) is None
    for variant in backprop_variants(wrong=False):
        assert run_training_test(variant.cells["backprop"]) is None, variant.name


def test_hand_worked_case_in_the_tests_is_right():
    ns = reference()
    literal = None
    for c in lecture().cells:
        if is_test(c) and c.source.count("_by_hand = "):
            line = re.search(r"^_by_hand = (\{.*\})$", c.source, flags=re.MULTILINE).group(1)
            assert literal in (None, line), "the hand-worked case differs between test cells"
            literal = line
    by_hand = eval(literal)
    source = cell("test_backprop").source
    setup = source[source.index("_pk = "):source.index("_by_hand = ")]
    space = {"np": np}
    exec(setup, space)
    p, x, y = space["_pk"], space["_xk"], space["_yk"]
    values = ns["forward"](p, x)
    assert all(np.all(z == 0.0) for z in values[1::2]), "every weighted sum z should be 0"
    got = ns["backprop"](p, x, y)
    assert sorted(by_hand) == sorted(got)
    for name, value in by_hand.items():
        assert got[name].shape == (1, 1) and got[name][0, 0] == value, name
        assert ns[f"J_{name}"](p, x, y)[0, 0] == value, name
    numeric = __import__("course.gradcheck", fromlist=["x"]).numerical_gradients(
        lambda **q: ns["cost"](q, x, y), p)
    assert all(abs(numeric[k][0, 0] - v) < 1e-8 for k, v in by_hand.items())


def test_backprop_test_counts_forward_passes_with_count_calls():
    """The hidden test counts forward passes through checks.count_calls, never by rebinding the
    notebook's forward (the grader may run tests apart from the student's kernel)."""
    source = cell("test_backprop").source
    assert 'checks.count_calls("forward", backprop' in source
    for c in lecture().cells:
        if is_test(c):
            assert not re.search(r"^\s*(def\s+forward\b|forward\s*=)", c.source, flags=re.MULTILINE)
    for answer, passes in [(cell("backprop").source, 1), (catalogue_answer("backprop calls the six functions"), 6),
                           (catalogue_answer("backprop runs forward twice"), 2)]:
        ns = definitions()   # one namespace, as in a kernel: J_W3 ... see the same forward
        exec(answer, ns)
        count, _ = checks.count_calls("forward", ns["backprop"], ns["params"], ns["x"], ns["y"])
        assert count == passes
        assert ns["forward"].__name__ == "forward"   # put back


def catalogue_answer(name):
    return next(v for v in catalogue.VARIANTS if v.name == name).cells["backprop"]


def definitions():
    """A fresh namespace holding the notebook's definitions up to its backprop answer cell."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    space = {}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for c in lecture().cells:
            if c.cell_type == "code" and not is_test(c):
                exec(c.source, space)
            if nbgrader_meta(c).get("grade_id") == "backprop":
                break
    plt.close("all")
    return space


EXERCISE = re.compile(r"^### Exercise (\d+) — (.+) \((graded|manually graded)\)$", flags=re.MULTILINE)


def test_exercises_are_numbered_in_order_and_references_exist():
    cells = lecture().cells
    numbers, kinds, owner = [], {}, {}
    current = None
    for c in cells:
        if c.cell_type == "markdown":
            for m in EXERCISE.finditer(c.source):
                current = int(m.group(1))
                numbers.append(current)
                kinds[current] = m.group(3)
            assert not re.search(r"^#+ .*Exercise(?! \d+ — .+ \((graded|manually graded)\)$)", c.source,
                                 flags=re.MULTILINE), "an exercise heading not in the course's form"
        meta = nbgrader_meta(c)
        if meta.get("grade"):
            assert current is not None, f"{meta['grade_id']} comes before any exercise"
            owner.setdefault(current, []).append(meta["grade_id"])
    assert numbers == list(range(1, len(numbers) + 1))
    # every exercise is graded, automatically or by hand, before the next one starts
    for n in numbers:
        graded = owner.get(n, [])
        assert graded, f"Exercise {n} has no graded cell"
        manual = [g for g in graded if nbgrader_meta(cell(g)).get("solution") and cell(g).cell_type == "markdown"]
        assert bool(manual) == (kinds[n] == "manually graded"), n
    # references in the text point at exercises and sections that exist
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for m in re.finditer(r"Exercise (\d+)", text):
        assert int(m.group(1)) in numbers, m.group(0)
    sections = {int(n) for n in re.findall(r"^## (\d+)\.", text, flags=re.MULTILINE)}
    for m in re.finditer(r"section (\d+)", text):
        assert int(m.group(1)) in sections, m.group(0)


def test_written_question_sits_above_its_answer_cell():
    cells = lecture().cells
    for index, c in enumerate(cells):
        meta = nbgrader_meta(c)
        if c.cell_type != "markdown" or not meta.get("solution"):
            continue
        lines = c.source.strip().splitlines()
        assert lines[0] == MARKERS[0] and lines[-1] == MARKERS[1] and len(lines) > 2, meta["grade_id"]
        question = cells[index - 1]
        qmeta = nbgrader_meta(question)
        assert question.cell_type == "markdown" and qmeta.get("locked") and not qmeta.get("grade")
        assert EXERCISE.search(question.source) and "manually graded" in question.source
        released = read(RELEASE / NOTEBOOK.parent.name / NOTEBOOK.name)
        answer = next(r for r in released.cells if nbgrader_meta(r).get("grade_id") == meta["grade_id"])
        assert answer.source.strip() == "YOUR ANSWER HERE"


def test_further_reading_closes_the_lecture_and_cites_its_sources():
    cells = lecture().cells
    assert cells[-1].cell_type == "markdown" and cells[-1].source.startswith(READING)
    items = [line[2:] for line in cells[-1].source.splitlines() if line.startswith("* ")]
    assert len(items) >= 5
    for item in items:
        # author or course, a title, and a year or a link a reader can follow
        assert re.search(r"\[[^\]]+\]\(https?://[^)\s]+\)", item) or re.search(r"\b(19|20)\d\d\b", item), item
    text = cells[-1].source
    for wanted in ("neuralnetworksanddeeplearning.com/chap2.html", "cs231n.github.io/optimization-2/",
                   "cs231n.stanford.edu/vecDerivs.pdf", "cs231n.stanford.edu/handouts/derivatives.pdf",
                   "cs231n.github.io/neural-networks-3/#gradcheck"):
        assert wanted in text, wanted


def test_network_figure_draws_the_lecture_network_with_its_parameter_shapes():
    """The figure of section 2 draws, has a title, and labels every parameter with the shape the
    lecture's params have (one example per column: W (n_n, n_(n-1)), b (n_n, 1))."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Rectangle
    ns = dict(reference())
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # no warning from drawing
        exec(next(c for c in lecture().cells if c.get("id") == "network-figure").source, ns)
    try:
        figure = plt.gcf()
        assert len(figure.axes) == 1
        ax = figure.axes[0]
        figure.canvas.draw()
        params = ns["params"]
        sizes = [params["W1"].shape[1]] + [params[f"W{n}"].shape[0] for n in (1, 2, 3)]
        assert sizes == [1, 6, 7, 2]
        assert ax.get_title().startswith("The 1-6-7-2 network")
        labels = "\n".join(t.get_text() for t in ax.texts)
        for n, sup in zip((1, 2, 3), "¹²³"):
            assert f"W⁽{sup}⁾ {params[f'W{n}'].shape}" in labels, n
            assert f"b⁽{sup}⁾ {params[f'b{n}'].shape}" in labels, n
        assert labels.count("activation\nσ") == 3
        assert len([p for p in ax.patches if isinstance(p, Circle)]) == sum(sizes)
        assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 3     # the "+1" bias units
        assert [t.get_text() for t in ax.texts].count("+1") == 3
    finally:
        plt.close("all")


def test_own_checker_cell_asks_for_the_checker_and_reports_every_kind_of_answer():
    """The ungraded check after Exercise 6: without a pasted checker it asks for one (the source and
    the released notebook run without it: the model answer of Lecture 1 is in neither); with one,
    it reports each Jacobian, also one not written yet, one of the wrong shape and one that raises."""
    lines = own_check()
    assert len(lines) == 1 and "Paste your numerical_gradient and relative_error" in lines[0]
    for notebook in (NOTEBOOK, RELEASE / NOTEBOOK.parent.name / NOTEBOOK.name):
        text = "".join(c.source for c in read(notebook).cells)
        assert "def numerical_gradient" not in text and "def relative_error" not in text
    pair = lecture01_checker()[:2]
    got = own_check([("J_W1", "def J_W1(params, x, y):\n    raise NotImplementedError()\n")], pair)
    assert got["J_W1"] == "not written yet" and got["J_W3"] < 1e-9
    got = own_check(catalogue_cells("W3 missing transpose"), pair)
    assert got["J_W3"] == "shape (4, 2), but W3 has shape (2, 4)"
    got = own_check([("J_b1", "def J_b1(params, x, y):\n    return params['W9']\n")], pair)
    assert got["J_b1 raised KeyError"] == "'W9'" and len(got) == 6
