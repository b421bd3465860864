"""Lecture 1's helpers: plots and the one-neuron explorer, built headless."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course.data import load_credit  # noqa: E402
from course.plots import plot_fit, plot_losses  # noqa: E402
from course.widgets_credit import one_neuron_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_fit_draws_data_and_curve_with_labels():
    df = load_credit()
    ax = plot_fit(df["limit"], df["balance"], lambda t: 0.5 * t)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.collections) == 1 and len(ax.lines) == 1
    np.testing.assert_allclose(ax.lines[0].get_ydata(), 0.5 * ax.lines[0].get_xdata())


def test_plot_losses_uses_a_log_scale():
    ax = plot_losses([10.0, 5.0, 1.0])
    assert ax.get_yscale() == "log" and ax.get_title()


def test_explorer_shows_the_loss_and_follows_the_sliders(recwarn):
    df = load_credit()
    box = one_neuron_explorer(df["limit"].to_numpy(), df["balance"].to_numpy())
    sliders = [w for row in box.children[:2] for w in row.children]
    assert [s.description for s in sliders] == ["w1", "b1", "w2", "b2"]
    label = box.children[2]
    assert label.value == "<b>loss = 1444.35</b>"   # the reference loss at all-ones parameters
    sliders[3].value = 0.0
    assert label.value != "<b>loss = 1444.35</b>"


# --- The notebook itself: its numbers, its training targets, the names it asks for ---------------

import ast  # noqa: E402
import contextlib  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import warnings  # noqa: E402

from scipy.optimize import minimize  # noqa: E402

from course.activations import sigmoid  # noqa: E402
from course.grading.names import CellNames  # noqa: E402
from tests.course_repo import REPO, SOURCE, nbgrader_meta, read  # noqa: E402

NOTEBOOK = SOURCE / "01_credit_regression" / "credit_regression.ipynb"
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
# The cells whose code the checks below run: the data, the instructor's helpers and the model
# answers of every exercise that defines a function (nothing that trains, plots or tests).
REFERENCE_CELLS = ("setup", "cell-004", "cell-007", "one_neuron_gradients", "gradient_checker", "train_one_neuron",
                   "cell-020", "forward", "gradients", "gradient_descent", "init_params", "classifier",
                   "classifier_gradients")
# Starting networks over which every training target must hold (Exercises 9 and 10).
SEEDS = range(20)


@functools.lru_cache(maxsize=None)
def lecture():
    return read(NOTEBOOK)


def cell(key):
    """The cell with this nbgrader grade_id or, failing that, this cell id."""
    found = [c for c in lecture().cells if nbgrader_meta(c).get("grade_id") == key] or \
            [c for c in lecture().cells if c.get("id") == key]
    assert len(found) == 1, key
    return found[0]


def solution(key):
    source = cell(key).source
    return source[source.index(MARKERS[0]) + len(MARKERS[0]):source.index(MARKERS[1])]


def markdown():
    return [c for c in lecture().cells if c.cell_type == "markdown"]


@functools.lru_cache(maxsize=None)
def reference():
    """The namespace after the REFERENCE_CELLS of the source notebook have run."""
    space = {"__name__": "credit_regression"}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for key in REFERENCE_CELLS:
            exec(compile(cell(key).source, f"{NOTEBOOK.name} {key}", "exec"), space)
    plt.close("all")
    return space


def calls(source, function):
    """[(positional literals, {keyword: literal})] of the calls to ``function`` in ``source``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
            out.append(([ast.literal_eval(a) if isinstance(a, ast.Constant) else None for a in node.args],
                        {k.arg: ast.literal_eval(k.value) for k in node.keywords if isinstance(k.value, ast.Constant)}))
    return out


def targets(test_key):
    """The bounds of the check_at_most calls of a test cell, in order of appearance."""
    found = [node for node in ast.walk(ast.parse(cell(test_key).source)) if isinstance(node, ast.Call)
             and getattr(node.func, "attr", None) == "check_at_most" and isinstance(node.args[2], ast.Constant)]
    return [float(node.args[2].value) for node in sorted(found, key=lambda n: (n.lineno, n.col_offset))]


def thousands(n, tex=True):
    """4000 -> '4\\,000' (in formulas) or '4 000' (in prose)."""
    return f"{n:,}".replace(",", "\\," if tex else " ")


def tex_power(lr):
    """5e-4 -> '5 \\cdot 10^{-4}'."""
    mantissa, exponent = f"{lr:e}".split("e")
    mantissa = f"{float(mantissa):g}"
    return (f"{mantissa} \\cdot " if mantissa != "1" else "") + f"10^{{{int(exponent)}}}"


@functools.lru_cache(maxsize=None)
def graded_trainings():
    """What Exercises 9 and 10 prescribe, read from the model answers and the test cells:
    [(answer grade_id, label, features, hidden neurons, learning rate, iterations, target)]."""
    out = []
    for answer, test, features in [("fit_five", "test_fit_five", ["limit"]),
                                   ("fit_two_features", "test_fit_two_features", ["income", "limit"])]:
        runs = calls(solution(answer), "gradient_descent")
        inits = calls(solution(answer), "init_params")
        bounds = targets(test)
        assert len(runs) == len(inits) == len(bounds), answer
        for (_, kw), (args, _), bound in zip(runs, inits, bounds):
            out.append((answer, f"{answer}, H={args[1]}", features, args[1], kw["lr"], kw["n_iter"], bound))
    return out


def final_loss(X, Y, params):
    return float(reference()["loss"](reference()["forward"](X, *params)[2], Y))


@functools.lru_cache(maxsize=None)
def sweep():
    """{label: (final losses, whether every loss history only went down)} of the model answer,
    trained as the exercise prescribes from init_params with every seed in SEEDS.

    The exercise fixes the distribution of the starting values (every entry standard normal) and
    leaves the order of the draws free; another order gives other draws from the same
    distribution, which is what the other seeds are."""
    ns = reference()
    Y = ns["Y"]
    out = {}
    for _, label, features, hidden, lr, n_iter, _ in graded_trainings():
        X = ns["df"][features].to_numpy()
        finals, falling = [], True
        for seed in SEEDS:
            start = ns["init_params"](len(features), hidden, np.random.default_rng(seed))
            *params, losses = ns["gradient_descent"](X, Y, *start, lr=lr, n_iter=n_iter)
            finals.append(final_loss(X, Y, params))
            history = np.array(losses + [finals[-1]])
            falling &= bool(np.all(np.diff(history) <= 1e-9 * history[:-1]))
        out[label] = (np.array(finals), falling)
    return out


@functools.lru_cache(maxsize=None)
def one_neuron_run():
    """Exercise 3 as the cell after the answer runs it: (final loss, losses)."""
    ns = reference()
    (args, kw), = calls(cell("cell-017").source, "train_one_neuron")
    w1, b1, w2, b2, losses = ns["train_one_neuron"](ns["x"], ns["y"], *args[2:], **kw)
    return float(ns["sum_of_squares"](ns["predict_one_neuron"](ns["x"], w1, b1, w2, b2), ns["y"])), losses


@functools.lru_cache(maxsize=None)
def best_one_neuron_fit():
    """The smallest loss of the one-neuron network, from many starts: (loss, parameters)."""
    ns = reference()
    x, y = ns["x"], ns["y"]

    def loss(p):
        return float(ns["sum_of_squares"](ns["predict_one_neuron"](x, *p), y))

    def grad(p):
        return np.array(ns["one_neuron_gradients"](x, y, *p), dtype=float)

    rng = np.random.default_rng(0)
    starts = [np.full(4, 2.0), np.ones(4)] + [rng.normal(scale=2.0, size=4) for _ in range(12)]
    best = min((minimize(loss, s, jac=grad, method="BFGS", options={"gtol": 1e-8}) for s in starts),
               key=lambda r: r.fun)
    return best.fun, best.x


def equal_start_run():
    """The cell of Section 3 that trains three neurons from all-ones weights, run as it stands."""
    space = dict(reference())
    with contextlib.redirect_stdout(io.StringIO()):
        exec(cell("cell-031").source, space)
    return space


def facts():
    """[(fragment of the text, whether the notebook's code bears it out)]: every number the
    lecture's markdown states, and a few statements about what the code does."""
    ns = reference()
    out = []
    # The data.
    out.append(("describes 400 credit-card holders", len(ns["df"]) == 400))
    out.append(("all\n$m = 400$ examples", ns["x"].shape == (400,)))
    # The reference loss (also asserted inside the notebook, to the last digits).
    at_ones = float(ns["sum_of_squares"](ns["predict_one_neuron"](ns["x"], 1.0, 1.0, 1.0, 1.0), ns["y"]))
    out.append(("With every parameter equal to 1 the loss is **1444.3526409019069**",
                abs(at_ones - 1444.3526409019069) <= 1e-12 * 1444.3526409019069))
    # The explorer: the sliders reach a loss below 100.
    out.append(("Try to push the loss below 100", explorer_best() < 100))
    # Exercise 3.
    (args, kw), = calls(cell("cell-017").source, "train_one_neuron")
    final, losses = one_neuron_run()
    best, _ = best_one_neuron_fit()
    target = targets("test_train_one_neuron")[0]
    out.append((rf"from $w^{{(1)}} = b^{{(1)}} = w^{{(2)}} = b^{{(2)}} = {args[2]:g}$ with learning rate "
                rf"${kw['lr']:g}$ and" + "\n" + rf"${thousands(kw['n_iter'])}$ iterations, the final loss must be "
                rf"at most **{target:g}**", set(args[2:]) == {args[2]} and final <= target - 0.05))
    out.append((f"network has a loss of about {best:.2f}", round(best, 2) == 98.11 and final >= best - 1e-9))
    # Section 2: 3H + 1 parameters.
    out.append(("That network has $3H + 1$\nparameters",
                all(sum(np.size(p) for p in ns["init_params"](1, h, np.random.default_rng(h))) == 3 * h + 1
                    for h in range(1, 8))))
    # Exercises 9 and 10.
    results = sweep()
    (five,) = [t for t in graded_trainings() if t[0] == "fit_five"]
    _, label, _, hidden, lr, n_iter, target = five
    out.append((f"Train a network with **{hidden} hidden neurons**", True))
    out.append((f"`init_params(1, {hidden}, rng)`", True))
    out.append((rf"learning rate ${tex_power(lr)}$ for ${thousands(n_iter)}$ iterations", True))
    out.append((f"**Target:** a loss of at most **{target:g}**; one neuron could not get below about {best:.2f}",
                target < best and results[label][0].max() <= target - 1.0 and results[label][1]))
    two = [t for t in graded_trainings() if t[0] == "fit_two_features"]
    assert [t[3] for t in two] == [1, 2]
    (lr,), (n_iter,), (target,) = ({t[k] for t in two} for k in (4, 5, 6))
    out.append((rf"learning rate ${tex_power(lr)}$ and ${thousands(n_iter)}$ iterations each", True))
    out.append((f"**Target:** a loss of at most **{target:g}** for each network",
                all(results[t[1]][0].max() <= target - 0.3 and results[t[1]][1] for t in two)))
    one, pair = (results[t[1]][0] for t in two)
    out.append(("Two neurons usually end lower than one, but how much lower depends on the start",
                np.mean(pair < np.median(one)) > 0.5 and np.ptp(pair) > 0.5))
    # Exercise 11: the clip.
    eps = 1e-12
    confident_wrong = float(ns["cross_entropy"](np.array([[0.0]]), np.array([[1.0]])))
    out.append((r"clip $P$ into $[\varepsilon, 1-\varepsilon]$ with" + "\n" + r"$\varepsilon = 10^{-12}$",
                confident_wrong == pytest.approx(-np.log(eps), rel=1e-12)))
    out.append((r"with the clipping above: $\varepsilon = 10^{-12}$ exactly", True))
    return out + facts_of_the_pictures() + facts_of_the_gradient_checker() + facts_of_the_learning_rate()


def explorer_best():
    """The loss the explorer shows with its sliders as close as they go to the best fit."""
    _, params = best_one_neuron_fit()
    box = one_neuron_explorer(reference()["x"], reference()["y"])
    sliders = [w for row in box.children[:2] for w in row.children]
    for slider, value in zip(sliders, params):
        slider.value = float(np.clip(round(value / slider.step) * slider.step, slider.min, slider.max))
    plt.close("all")
    return float(re.search(r"loss = ([0-9.]+)", box.children[2].value).group(1))


# Numbers in the text that are not measurements: names of lectures, exercises and sections, the
# superscripts and subscripts of the notation, shapes, and the constants of the formulas.
STRUCTURE = [
    # the formulas of central differences and of the relative error
    r"\\tfrac\{h\^2\}\{2\}", r"\{2h\}", r"/\s*2h\b", r"\$2h\$", r"a 1 at entry \$i\$ and 0 everywhere else",
    r"\$0/0\$", r"\*\*defined to be 0\*\*", r"\$1/m\$", r"\bfloat(?:32|64)\b",     # float32, float64: type names
    r"`[^`]*`",                                        # code: W1_5, init_params(2, 1, rng), ...
    r"\^\{\(\d\)\}", r"_\{[^{}]*\}", r"_\d", r"\^\{-?\d+\}", r"\^\d",   # notation
    r"\\delta\^\{\(\d\)\}",
    r"^#+ \d+\.", r"^\d+\. ", r"Exercises? \d+( and \d+)?", r"Lectures? \d+", r"Sections? \d+(\s+and\s+\d+)?",
    r"Section \d+", r"\(\d+, \d+\)", r"\((?:m|D|H|1|2), (?:m|D|H|1|2)\)",  # shapes
    r"1/\(1\+e", r"\(1\s*-\s*", r"1\s*-\s*\\sigma", r"\\bigl\(1-", r"\(1-y\)", r"\(1 - Y_i\)",
    r"\(0, 1\)", r"\\\{0, 1\\\}", r"i=1", r"labels 0/1", r"exactly 0 or 1", r"at 0\.5",
    r"factor 2", r"the 2\b", r"2\(\\hat", r"= 2\(", r"3H \+ 1", r"\$D = 1\$",
    r"mean 0", r"standard\s+deviation 1", r"start at 1", r"seed 0", r"\(seed 0\)",
    r"P - Y", r"twice", r"\\log 0", r"around 0", r"= 1\$", r"[δZ]\d", r"2\(Ŷ",
]


def test_every_number_in_the_text_is_computed():
    # The further reading is bibliographic data (years, volumes, pages, chapters), not measurements.
    text = "\n\n".join(c.source for c in markdown() if not c.source.startswith("## Further reading"))
    found = facts()
    missing = [fragment for fragment, _ in found if fragment not in text]
    assert not missing, f"the text no longer says: {missing}"
    wrong = [fragment for fragment, holds in found if not holds]
    assert not wrong, f"the code does not bear these out: {wrong}"
    for fragment, _ in found:
        text = text.replace(fragment, " ")
    for pattern in STRUCTURE:
        text = re.sub(pattern, " ", text, flags=re.MULTILINE)
    left = [text[max(0, m.start() - 40):m.end() + 20] for m in re.finditer(r"\d", text)]
    assert not left, f"numbers in the text that no test computes: {left}"


def test_the_code_says_what_the_text_says():
    """The settings the text states are the ones the model answers use and the tests check."""
    (args, kw), = calls(cell("cell-017").source, "train_one_neuron")
    assert f"lr={kw['lr']}, n_iter={kw['n_iter']:_}" in cell("test_train_one_neuron").source
    for answer, label, features, hidden, lr, n_iter, target in graded_trainings():
        test = cell(f"test_{answer}").source
        assert f"== {n_iter:_}" in test and f"one loss per iteration ({thousands(n_iter, tex=False)})" in test, label
        assert f"{lr:.0e}".replace("e-0", "e-") in test, label   # the step the hidden test replays
    assert "_eps = 1e-12" in cell("test_classifier").source
    assert "np.clip(P, 1e-12, 1 - 1e-12)" in cell("classifier").source
    assert "clipped to [1e-12, 1 − 1e-12]" in cell("classifier").source


def test_training_targets_hold_from_every_start():
    """Exercises 3, 9 and 10: the model answer meets each target with room to spare, from every
    seed in SEEDS, and its loss only ever goes down (so the target is not met by luck)."""
    final, losses = one_neuron_run()
    assert final <= targets("test_train_one_neuron")[0] - 0.05
    assert np.all(np.diff(losses) <= 0)
    results = sweep()
    for _, label, _, _, _, _, target in graded_trainings():
        finals, falling = results[label]
        assert len(finals) >= 20 and falling, label
        margin = 1.0 if target > 50 else 0.3
        assert finals.max() <= target - margin, (label, finals.max(), target)


def test_equal_starts_stay_equal_to_the_last_bit():
    assert "all start at 1" in cell("cell-030").source
    assert "The three columns are identical, to the last bit" in cell("cell-032").source
    space = equal_start_run()
    W1, b1, W2 = space["W1_eq"], space["b1_eq"], space["W2_eq"]
    assert W1.shape == (1, 3) and np.all(W1 == W1[:, :1]) and np.all(b1 == b1[:, :1]) and np.all(W2 == W2[0])
    # ... and training changed them: this is not the start.
    assert not np.all(W1 == 1.0)


def test_floating_point_claims_of_the_classification_section():
    text = cell("cell-046").source
    assert "A probability can come out as exactly 0 or 1 in floating point" in text
    assert r"$\log 0$ is $-\infty$ (with a warning)" in text
    assert sigmoid(40.0) == 1.0 and sigmoid(-800.0) == 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert np.log(np.float64(0.0)) == -np.inf
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)


def test_the_output_error_signal_of_the_classifier():
    """δ2 = ∂L_CE/∂Z2 = P − Y, as Exercise 12 says (central differences of the one-example loss)."""
    assert r"\delta_2 = \frac{\partial \mathcal L_{\text{CE}}}{\partial Z_2} = P - Y" in cell("cell-049").source
    h = 1e-6
    for z in np.linspace(-6, 6, 13):
        for label in (0.0, 1.0):
            def ce(t):
                return -(label * np.log(sigmoid(t)) + (1 - label) * np.log(1 - sigmoid(t)))
            assert (ce(z + h) - ce(z - h)) / (2 * h) == pytest.approx(sigmoid(z) - label, abs=1e-7)


def test_cross_entropy_edges_are_the_documented_clip():
    """The values the hidden test of Exercise 11 expects at the edges are the model answer's."""
    ce = reference()["cross_entropy"]
    eps = 1e-12
    both = float(ce(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]])))
    assert both == pytest.approx(-np.log(eps) - np.log(1 - (1 - eps)), rel=1e-12)
    assert round(both, 2) == 55.26
    # Another ε is off by more than the hidden test's tolerance (1e-4).
    for other in (1e-10, 1e-11, 1.1e-12, 1e-13, 1e-15):
        assert abs(-2 * np.log(other) - both) > 1e-4 * both


def names_bound_by_solutions():
    """{answer grade_id: names its solution region binds at the top level of the cell}."""
    out = {}
    for c in lecture().cells:
        meta = nbgrader_meta(c)
        if c.cell_type != "code" or not meta.get("solution") or MARKERS[0] not in c.source:
            continue
        start = c.source.index(MARKERS[0])
        line_start = c.source.rfind("\n", 0, start) + 1
        if c.source[line_start:start].strip() == "" and start == line_start:   # not inside a def
            out[meta["grade_id"]] = set(CellNames(solution(meta["grade_id"])).binds)
    return out


def test_every_name_a_later_cell_uses_is_one_an_exercise_asks_for():
    """A name that only a student's answer defines, and that a later cell reads, is named in the
    exercise's text in so many words (in backticks), so that no student meets a NameError."""
    cells = lecture().cells
    position = {nbgrader_meta(c).get("grade_id"): i for i, c in enumerate(cells)}
    bound = names_bound_by_solutions()
    assert bound["fit_five"] >= {"W1_5", "b1_5", "W2_5", "b2_5", "losses_5"}
    for answer, names in bound.items():
        index = position[answer]
        text = ""
        for c in reversed(cells[:index]):
            if c.cell_type == "markdown":
                text = c.source + text
                if re.search(r"^### Exercise \d+", c.source, flags=re.MULTILINE):
                    break
        used_later = set().union(*(CellNames(c.source).uses for c in cells[index + 1:] if c.cell_type == "code"))
        for name in sorted(names & used_later):
            assert f"`{name}`" in text or re.search(rf"`[^`]*\b{name}\b[^`]*`", text), \
                f"a later cell uses {name}, which the exercise before {answer} never names"


def test_readme_summarises_lecture_one():
    readme = (REPO / "README.md").read_text()
    paragraph = readme[readme.index("1. **Credit regression**"):readme.index("2. **A 3-layer")]
    assert "1444.3526409019069" in paragraph
    exercises = [c for c in markdown() if re.search(r"^### Exercise \d+ — ", c.source, flags=re.MULTILINE)]
    assert f"{len(exercises)} exercises" in paragraph
    (five,) = [t for t in graded_trainings() if t[0] == "fit_five"]
    assert f"{five[3]} hidden neurons" in paragraph
    assert f"{len(SEEDS)} seeds" in paragraph


# --- Pictures, the gradient checker, the learning rate ------------------------------------------

import inspect  # noqa: E402

from course import checks, gradcheck  # noqa: E402
from course.diagrams import one_neuron_circuit  # noqa: E402
from course.widgets_credit import learning_rate_explorer  # noqa: E402


def run_cells(*keys, space=None):
    """A copy of the reference namespace (or of ``space``) after the cells ``keys`` have run."""
    space = dict(space if space is not None else reference())
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()) as printed:
        warnings.simplefilter("ignore")
        for key in keys:
            exec(compile(cell(key).source, f"{NOTEBOOK.name} {key}", "exec"), space)
    space["_printed"] = printed.getvalue()
    return space


@functools.lru_cache(maxsize=None)
def checker_cells():
    """The namespace after the cells that use the checker on the student's gradients have run."""
    space = run_cells("own-check", "step-size")
    plt.close("all")
    return space


@functools.lru_cache(maxsize=None)
def learning_rate_cells():
    space = run_cells("learning-rates", "doubled-data")
    plt.close("all")
    return space


def first(condition):
    """The first index where a boolean array is true, or None."""
    found = np.flatnonzero(condition)
    return int(found[0]) if found.size else None


def drawn_call(key, function):
    """The positional and keyword literals of the one call to ``function`` in cell ``key``."""
    (found,) = calls(cell(key).source, function)
    return found


def facts_of_the_pictures():
    out = []
    args, kw = drawn_call("network-1-1-1", "draw_network")
    out.append(('the square "+1", whose value is always 1', kw.get("bias") is True))
    out.append(("the first customer of the data, with\nevery parameter equal to 1",
                "draw_computational_graph(x[0], y[0], w1=1.0, b1=1.0, w2=1.0, b2=1.0)" in cell("circuit-one-neuron").source))
    out.append(("it is 1 on the loss itself", one_neuron_circuit(0.3, -0.2, 1.0, 1.0, 1.0, 1.0)["L"][1] == 1.0))
    (five,) = [t for t in graded_trainings() if t[0] == "fit_five"]
    out.append(("The picture draws it with five hidden neurons (the network of Section 4)",
                "draw_network((1, 5, 1)" in cell("network-1-H-1").source and five[3] == 5))
    out.append(("centred where $w_{1,j}x + b_{1,j} = 0$,\nthat is at $x = -b_{1,j}/w_{1,j}$",
                float(sigmoid(0.0)) == 0.5))
    out.append(("(upside down when $w_{2,j} < 0$)", True))
    out.append(("In the pictures below $x_1$ is the income and $x_2$ the limit",
                'df[["income", "limit"]]' in cell("fit_two_features").source
                and '["$x_1$", "$x_2$"]' in cell("networks-2-1-1-and-2-2-1").source))
    return out


def facts_of_the_gradient_checker():
    ns, used = reference(), checker_cells()
    rel, num = ns["relative_error"], ns["numerical_gradient"]
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    out = []
    out.append(("it is 0 when the arrays are\nequal and at most 1, which it reaches for example when one of them is all "
                "zeros and the other is\nnot",
                rel(a, a) == 0 and all(rel(rng.normal(size=5), rng.normal(size=5)) <= 1 for _ in range(200))
                and rel(a, np.zeros_like(a)) == 1 and rel(np.zeros_like(b), b) == 1))
    out.append((r"$10^{-13}$ and $3 \cdot 10^{-13}$ differ by a factor of three", 3e-13 / 1e-13 == pytest.approx(3)))
    tol = inspect.signature(checks.check_gradients).parameters["tol"].default
    same = all(rel(u, v) == pytest.approx(gradcheck.relative_error(u, v), rel=1e-12)
               for u, v in [(a, b), (a, a), (np.zeros(3), np.zeros(3)), (a, -a)])
    out.append(("The tests of this course accept a gradient when its\nrelative error to the central differences is at "
                "most $10^{-6}$", tol == 1e-6 and checks._relative_error is gradcheck.relative_error and same))
    out.append(("and 0 when `a` and `b` are both all\n  zeros", rel(np.zeros((2, 2)), np.zeros((2, 2))) == 0))
    # Your checker on your gradients.
    settings = used["settings"]
    errors = [rel(np.array(ns["one_neuron_gradients"](ns["x"], ns["y"], *p)), num(used["loss_of_parameters"], p.copy(), 1e-5))
              for p in settings]
    out.append(("every relative error printed is far below the tests' $10^{-6}$",
                len(settings) == 4 and max(errors) < 1e-3 * tol))
    g = np.array(ns["one_neuron_gradients"](ns["x"], ns["y"], 1.0, 1.0, 1.0, 1.0))
    out.append(("a\nlost factor 2, for example, makes the relative error exactly 1/3",
                rel(g, g / 2) == pytest.approx(1 / 3, rel=1e-15)))
    # How small a step, and why float64.
    f32, f64 = np.finfo(np.float32), np.finfo(np.float64)
    out.append((r"about $2.2 \cdot 10^{-16}$ in float64 (numpy's default, about 16 significant digits) and about"
                "\n" + r"$1.2 \cdot 10^{-7}$ in float32 (single precision, about 7 digits, half the memory)",
                round(f64.eps, 17) == 2.2e-16 and round(f32.eps, 8) == 1.2e-7 and np.array([1.0]).dtype == np.float64
                and round(-np.log10(f64.eps)) == 16 and round(-np.log10(f32.eps)) == 7
                and np.dtype(np.float32).itemsize * 2 == np.dtype(np.float64).itemsize))
    steps, e64, e32 = used["steps"], np.array(used["errors64"]), np.array(used["errors32"])
    out.append(("steps from $10^{-12}$ to 1, once in float64", steps[0] == 1e-12 and steps[-1] == 1.0))

    def at(h):
        return int(np.argmin(np.abs(np.log10(steps) - np.log10(h))))

    default_h = inspect.signature(gradcheck.numerical_gradients).parameters["h"].default
    out.append(("In float64 the error falls a hundredfold each time $h$ shrinks\ntenfold",
                all(90 < e64[at(10.0 ** -k)] / e64[at(10.0 ** -(k + 1))] < 110 for k in (1, 2))))
    out.append(("down to around $10^{-11}$ near $h = 10^{-5}$, the step\nevery test of this course uses",
                round(np.log10(e64[at(1e-5)])) == -11 and 1e-6 <= steps[np.argmin(e64)] <= 1e-4 and default_h == 1e-5
                and "numerical_gradients(loss, params)" in inspect.getsource(checks.check_gradients)))
    out.append(("below that, rounding takes over and the error grows again", e64[0] > 100 * e64.min()))
    out.append(("In float32 the same check at $h = 10^{-5}$ reports a relative error above $10^{-3}$",
                e32[at(1e-5)] > 1e-3))
    out.append(("no step brings it below $10^{-6}$", e32.min() > 1e-6))
    out.append(("the estimate is 0 and the\nrelative error is 1",
                e32[0] == 1.0 and not np.any(num(used["loss_float32"], np.ones(4), 1e-12))))
    out.append((r"$\bigl(f(p + h\,e_i) - f(p - h\,e_i)\bigr)/2h$ in float64 with $h$ near" + "\n  $10^{-5}$",
                default_h == 1e-5))
    return out


def facts_of_the_learning_rate():
    ns, used = reference(), learning_rate_cells()
    histories = used["histories"]
    (args, kw), = calls(cell("learning-rates").source, "train_one_neuron")
    n = kw["n_iter"]
    slow, good, large, huge = (histories[lr] for lr in (1e-5, 1e-3, 2e-3, 5e-3))
    best, _ = best_one_neuron_fit()
    out = []
    out.append((r"start $w^{(1)} = b^{(1)} = w^{(2)} = b^{(2)} = 2$ and with your `train_one_neuron`, for" + "\n"
                + f"${n}$ steps each", args[2:] == [2.0] * 4 and all(len(h) == n for h in histories.values())))
    out.append((r"**Too small** ($10^{-5}$): every step goes downhill, but so slowly that after $600$ steps the" + "\n"
                "  loss is still above 250, while the good step has come within 1 of the best fit",
                n == 600 and np.all(np.diff(slow) < 0) and slow[-1] > 250 and good[-1] - best < 1))
    out.append((r"**Good** ($10^{-3}$): fast at first, then steadily down", np.all(np.diff(good) <= 0)))
    # The bouncing goes on: 2 000 more steps from where the cell stopped end in the same two losses.
    *params, later = ns["train_one_neuron"](ns["x"], ns["y"], 2.0, 2.0, 2.0, 2.0, lr=2e-3, n_iter=2_600)

    def bouncing(tail):
        """Whether the losses go up and down in turn, the low ones within 1 of 270, the high ones of 278."""
        alternate = np.all(np.sign(np.diff(tail))[1:] == -np.sign(np.diff(tail))[:-1])
        low, high = tail[tail < 274], tail[tail >= 274]
        return alternate and np.all(np.abs(low - 270) < 1) and np.all(np.abs(high - 278) < 1)

    out.append((r"**Too large** ($2 \cdot 10^{-3}$): the very first step overshoots and the loss jumps up; it comes"
                "\n  down again, and then settles into bouncing between two losses, about 270 and 278, for good",
                large[1] > large[0] and large.min() < 120 and bouncing(large[-40:]) and bouncing(np.array(later[-40:]))))
    k_inf, k_nan = first(np.isinf(huge)), first(np.isnan(huge))
    *at_nan, _ = ns["train_one_neuron"](ns["x"], ns["y"], 2.0, 2.0, 2.0, 2.0, lr=5e-3, n_iter=k_nan)
    out.append((r"**Far too large** ($5 \cdot 10^{-3}$): every step lands higher up than the last, the loss" + "\n"
                "  overflows to `inf` after a little fewer than $300$ steps, and a few steps later the parameters\n"
                "  themselves are `nan`",
                np.all(np.diff(huge[:k_inf]) > 0) and 250 < k_inf < 300 and 0 < k_nan - k_inf <= 10
                and np.isnan(np.array(at_nan, dtype=float)).any()))
    with np.errstate(all="ignore"):
        out.append(('("not a number", what ∞ − ∞ gives)', np.isnan(np.inf - np.inf)))
        slower = np.array(ns["train_one_neuron"](ns["x"], ns["y"], 2.0, 2.0, 2.0, 2.0, lr=3e-3, n_iter=1_100)[4])
    out.append((r"The step" + "\n" + r"  $3 \cdot 10^{-3}$ diverges as well, only more slowly (its loss overflows after "
                "a little more than\n  $1\\,000$ steps)", 1000 < (first(np.isinf(slower)) or 0) < 1100))
    m = len(ns["x"])
    (ex3_args, ex3_kw), = calls(cell("cell-017").source, "train_one_neuron")
    out.append(("sum* over the $m = 400$\nexamples, so its gradient is a sum of $400$ per-example gradients", m == 400))
    out.append(("our\n$10^{-3}$ on the summed loss is the step $0.4$ on the mean squared error",
                ex3_kw["lr"] == 1e-3 and m * ex3_kw["lr"] == pytest.approx(0.4)))
    twice, once = used["twice"], used["once"]
    out.append(("so the step $10^{-3}$ now does what\n$2 \\cdot 10^{-3}$ did on the original data",
                np.max(np.abs(twice - 2 * once) / (2 * once)) < 1e-12 and "lr=1e-3" in cell("doubled-data").source))
    (_, widget_kw), = calls(cell("learning-rate-widget").source, "learning_rate_explorer")
    out.append(("from the same start for 300 steps", widget_kw["n_iter"] == 300
                and "train_one_neuron(x, y, 2.0, 2.0, 2.0, 2.0," in cell("learning-rate-widget").source))
    return out


def test_the_circuit_shows_the_lectures_gradients_on_the_first_customer():
    """The circuit drawn where the chain rule is derived: its parameter gradients are Exercise 1's
    gradients on that one example, and the gradients at ŷ and z⁽¹⁾ are the error signals δ."""
    ns = reference()
    x0, y0 = float(ns["x"][0]), float(ns["y"][0])
    wires = one_neuron_circuit(x0, y0, 1.0, 1.0, 1.0, 1.0)
    lecture = ns["one_neuron_gradients"](ns["x"][:1], ns["y"][:1], 1.0, 1.0, 1.0, 1.0)
    for name, value in zip(["w1", "b1", "w2", "b2"], lecture):
        assert wires[name][1] == pytest.approx(float(value), rel=1e-12), name
    a1 = float(sigmoid(x0 + 1.0))
    delta2 = 2 * (a1 + 1.0 - y0)
    assert wires["y_hat"][1] == pytest.approx(delta2) and wires["z1"][1] == pytest.approx(delta2 * a1 * (1 - a1))
    space = run_cells("circuit-one-neuron")
    ax = plt.gcf().axes[0]
    shown = {t.get_gid().split(":")[1]: float(t.get_text()) for t in ax.texts if (t.get_gid() or "").startswith("gradient:")}
    for name, value in zip(["w1", "b1", "w2", "b2"], lecture):
        assert shown[name] == pytest.approx(float(value), rel=1e-3), name
    assert ax.get_title() and space["x"] is not None


@pytest.mark.parametrize("key", ["network-1-1-1", "circuit-one-neuron", "network-1-H-1", "networks-2-1-1-and-2-2-1"])
def test_every_picture_draws_with_a_title(key):
    plt.close("all")
    run_cells(key)
    axes = plt.gcf().axes
    assert axes and all(ax.get_title() for ax in axes)


def test_the_network_pictures_carry_the_lectures_shapes():
    plt.close("all")
    run_cells("network-1-H-1")
    text = "\n".join(t.get_text() for t in plt.gcf().axes[0].texts)
    for label in ["W₁ (1, 5)", "b₁ (1, 5)", "W₂ (5, 1)", "b₂ (1, 1)"]:          # the table's (D, H), (1, H), ...
        assert label in text
    plt.close("all")
    run_cells("networks-2-1-1-and-2-2-1")
    one, two = ("\n".join(t.get_text() for t in ax.texts) for ax in plt.gcf().axes)
    assert "W₁ (2, 1)" in one and "W₂ (1, 1)" in one and "W₁ (2, 2)" in two and "W₂ (2, 1)" in two


@pytest.mark.parametrize("key", ["step-size", "learning-rates", "cell-041"])
def test_every_new_plot_has_a_title_and_labelled_axes(key):
    plt.close("all")
    space = dict(reference())
    if key == "cell-041":
        space = run_cells("fit_five", space=space)
    if key in ("step-size",):
        space = run_cells("own-check", space=space)
    run_cells(key, space=space)
    for ax in plt.gcf().axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), key


def test_the_hidden_neurons_add_up_to_the_fitted_curve():
    """Section 4's picture: the five terms plus b2 are the network's prediction on the grid drawn."""
    plt.close("all")
    space = run_cells("fit_five", "cell-041")
    terms, limits = space["terms"], space["limits"]
    assert terms.shape == (200, 5)
    prediction = space["forward"](limits, space["W1_5"], space["b1_5"], space["W2_5"], space["b2_5"])[2]
    np.testing.assert_allclose(terms.sum(axis=1) + space["b2_5"].item(), prediction[:, 0], rtol=1e-12, atol=1e-12)
    black = [line for line in plt.gcf().axes[1].lines if line.get_color() == "black"]
    assert len(black) == 1
    np.testing.assert_allclose(black[0].get_ydata(), prediction[:, 0], rtol=1e-12, atol=1e-12)


def test_the_learning_rate_explorer_follows_its_slider():
    ns = reference()

    def losses_for(lr, n_iter):
        return ns["train_one_neuron"](ns["x"], ns["y"], 2.0, 2.0, 2.0, 2.0, lr=lr, n_iter=n_iter)[4]

    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the widget itself stays quiet, even when training blows up
        box = learning_rate_explorer(losses_for, lr=1e-3, n_iter=300)
        slider, label = box.children[0], box.children[1]
        final = float(losses_for(1e-3, 300)[-1])
        assert label.value == f"<b>loss after 300 steps = {final:.6g}</b>"
        slider.value = 5e-3
        with np.errstate(all="ignore"):
            k = first(~np.isfinite(np.array(losses_for(5e-3, 300), dtype=float)))
        assert label.value == f"<b>diverged: the loss is infinite from step {k} on</b>"
    assert slider.min == -5 and slider.max == -2


def test_the_further_reading_closes_the_lecture():
    last = lecture().cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Further reading")
    for author, where in [("Nielsen", "neuralnetworksanddeeplearning.com"), ("CS231n", "cs231n.github.io/optimization-2/"),
                          ("CS231n", "cs231n.github.io/neural-networks-3/"), ("Karpathy", "karpathy.ai/zero-to-hero"),
                          ("Goodfellow", "deeplearningbook.org"), ("Rumelhart", "*Nature* 323, 533–536 (1986)")]:
        assert author in last.source and where in last.source
