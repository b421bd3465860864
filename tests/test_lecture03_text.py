"""Lecture 3: every number the notebooks' text states is computed here and compared, every claim
about scikit-learn is checked against the installed scikit-learn, the training target holds over
many seeds, and exercise numbers, headings and cross-references point at things that exist.

The notebooks' own code (solutions included) is run once, in this process, to compute the numbers.
A digit that appears in a markdown cell without a check below fails
``test_every_number_in_the_text_is_checked``: add a claim for it (or fix the text).
"""

import io
import re
import warnings
from contextlib import redirect_stdout

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from course.data import moons  # noqa: E402
from course.sklearn_moons import PART_A_NETWORK, PART_B_DEFAULT, PART_B_TUNED  # noqa: E402
from course.widgets_boundary import explorer_controls  # noqa: E402
from tests.course_repo import SOURCE, nbgrader_meta, read  # noqa: E402

A, B = "a_from_scratch", "b_vector_jacobian_products"
SKIP = {"cell-045"}   # the explorer widget


def notebook(name):
    return read(SOURCE / "03_two_moons" / f"{name}.ipynb")


def cell(name, cell_id):
    return next(c for c in notebook(name).cells if c.id == cell_id)


def run_notebook(name):
    """The namespace after running every code cell except the test cells (solutions included)."""
    space = {}
    with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        for c in notebook(name).cells:
            if c.cell_type == "code" and not nbgrader_meta(c).get("grade") and c.id not in SKIP:
                exec(compile(c.source, f"{name}:{c.id}", "exec"), space)
                plt.close("all")
    return space


@pytest.fixture(scope="module")
def ns_a():
    return run_notebook(A)


@pytest.fixture(scope="module")
def ns_b():
    return run_notebook(B)


def fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, np.asarray(y).reshape(-1))


class CountingMLP(MLPClassifier):
    """MLPClassifier that counts its gradient evaluations: one per batch."""

    def _backprop(self, *args, **kwargs):
        self.backprop_calls = getattr(self, "backprop_calls", 0) + 1
        return super()._backprop(*args, **kwargs)


# ---- Lecture 3a: computed facts ------------------------------------------------------------

def logreg_weights(ns, steps):
    X = ns["Xb_train"]
    w = np.zeros((3, 1))
    for _ in range(steps):
        w = w - 0.01 * X.T @ (ns["logreg_predict"](X, w) - ns["y_train"])
    return w


def network_accuracy(ns, n_hidden, seed, steps=1000, lr=0.05):
    weights, _ = ns["train"](ns["Xb_train"], ns["y_train"], n_hidden, lr, steps, seed)
    return ns["accuracy"](lambda p: ns["feed_forward"](ns["add_bias"](p), weights)[1], ns["X_train"], ns["y_train"])


def sigmoid_rounds_to_one(ns):
    """The smallest z (to 1e-6) at which the notebook's sigmoid returns exactly 1."""
    low, high = 20.0, 60.0
    while high - low > 1e-6:
        middle = (low + high) / 2
        low, high = (low, middle) if ns["sigmoid"](np.array([middle]))[0] == 1.0 else (middle, high)
    return high


def product_of_derivatives(ns, z):
    z = np.array([float(z)])
    return float(ns["log_loss_derivative"](ns["sigmoid"](z), np.zeros(1))[0] * ns["sigmoid_derivative"](z)[0])


def test_data_is_what_the_text_says(ns_a, ns_b):
    for (X, y), (n, noise, state) in [((ns_a["X_small"], ns_a["y_small"]), (50, 0.1, 42)),
                                      ((ns_a["X_train"], ns_a["y_train"]), (200, 0.1, 42)),
                                      ((ns_b["X"], ns_b["y"]), (100, 0.25, 0)),
                                      ((ns_b["X_new"], ns_b["y_new"]), (1000, 0.25, 1))]:
        X_ref, y_ref = make_moons(n_samples=n, noise=noise, random_state=state)
        np.testing.assert_array_equal(X, X_ref)
        np.testing.assert_array_equal(np.asarray(y).ravel(), y_ref)


def test_logistic_regression_facts(ns_a):
    source = cell(A, "cell-020").source
    assert "range(1000)" in source and "- 0.01 *" in source and "np.zeros((3, 1))" in source
    w_1000, w_10000 = logreg_weights(ns_a, 1000), logreg_weights(ns_a, 10_000)
    np.testing.assert_allclose(w_1000, ns_a["w_logreg"], rtol=1e-12)
    # "after 10 000 steps instead of 1000 the weights and the accuracy are the same to five digits"
    np.testing.assert_allclose(w_10000, w_1000, rtol=1e-5)
    predict = lambda w: (lambda p: ns_a["logreg_predict"](ns_a["add_bias"](p), w))  # noqa: E731
    acc_1000 = ns_a["accuracy"](predict(w_1000), ns_a["X_train"], ns_a["y_train"])
    acc_10000 = ns_a["accuracy"](predict(w_10000), ns_a["X_train"], ns_a["y_train"])
    assert acc_1000 == acc_10000
    # "27 of the 200 points" on the wrong side
    assert round((1 - acc_1000) * 200) == 27
    # shapes the text gives: X with its bias column (N, 3), w (3, 1); W1 (3, H)
    assert ns_a["Xb_train"].shape == (200, 3) and ns_a["w_logreg"].shape == (3, 1)
    assert ns_a["weights"][0].shape == (3, 6) and ns_a["weights"][1].shape == (7, 1)
    # thresholding sigma(z) at 0.5 is thresholding z at 0; accuracy() counts p > 0.5 as class 1
    assert ns_a["sigmoid"](np.array([0.0]))[0] == 0.5
    assert ns_a["accuracy"](lambda p: np.array([0.5, 0.5 + 1e-9]), np.zeros((2, 2)), np.array([[0.0], [1.0]])) == 1.0


def test_exp_overflow_threshold():
    assert 709 < np.log(np.finfo(float).max) < 710
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(709.0)) and np.isinf(np.exp(710.0))


def test_clip_edges(ns_a, ns_b):
    """Predictions of exactly 0 and 1 are clipped to [1e-12, 1 - 1e-12], as the text says."""
    p, y = np.array([0.0, 1.0]), np.array([1.0, 0.0])
    clipped = np.array([1e-12, 1 - 1e-12])
    np.testing.assert_allclose(ns_a["log_loss"](p, y), [-np.log(1e-12), -np.log(1 - clipped[1])], rtol=1e-12)
    np.testing.assert_allclose(ns_a["log_loss_derivative"](p, y), [-1 / 1e-12, 1 / (1 - clipped[1])], rtol=1e-12)
    assert ns_b["bce_loss"](p.reshape(-1, 1), y.reshape(-1, 1)) == pytest.approx(
        (-np.log(1e-12) - np.log(1 - clipped[1])) / 2, rel=1e-12)


def test_saturation_numbers(ns_a):
    # z > ln 10^12 ≈ 27.6: 1 - sigma(z) falls below the clip, the product is too small
    assert f"{np.log(1e12):.1f}" == "27.6"
    assert 1 - ns_a["sigmoid"](np.array([27.5]))[0] > 1e-12 > 1 - ns_a["sigmoid"](np.array([27.7]))[0]
    assert product_of_derivatives(ns_a, 27.5) == pytest.approx(1.0, abs=1e-3)
    for z in [28.0, 30.0, 33.0, 36.0]:
        assert product_of_derivatives(ns_a, z) < 0.7
    # beyond z ≈ 36.7 the sigmoid is exactly 1 and the product exactly 0
    assert f"{sigmoid_rounds_to_one(ns_a):.1f}" == "36.7"
    assert product_of_derivatives(ns_a, 40.0) == 0.0
    assert ns_a["sigmoid"](np.array([40.0]))[0] - 0.0 == 1.0
    # the simple form stays right where the product fails
    assert product_of_derivatives(ns_a, 30.0) == pytest.approx(0.0936, abs=1e-3)


def test_training_target_holds_over_thirty_seeds(ns_a):
    """The text: with 6 units every seed from 0 to 29 reaches 100 % (target: 97 %)."""
    accuracies = {seed: network_accuracy(ns_a, 6, seed) for seed in range(30)}
    assert min(accuracies.values()) == 1.0, accuracies


def test_four_hidden_units_stall_from_seed_18(ns_a):
    assert network_accuracy(ns_a, 4, 18) == pytest.approx(0.895)


def test_training_settings_agree(ns_a):
    import inspect
    defaults = {k: p.default for k, p in inspect.signature(ns_a["train"]).parameters.items()}
    assert (defaults["n_hidden"], defaults["lr"], defaults["steps"]) == (6, 0.05, 1000)
    assert "n_hidden=6, lr=0.05, steps=1000" in cell(A, "cell-040").source
    assert "6, 0.05, 1000, 0)" in cell(A, "test_train").source
    assert "0.97" in cell(A, "test_train").source
    controls = explorer_controls(6, 0.05, 500)
    assert controls["n_hidden"].min <= 1 and controls["n_hidden"].max >= 8


def test_part_a_mlpclassifier_is_what_the_text_says(ns_a):
    settings = MLPClassifier(**PART_A_NETWORK).get_params()
    assert settings["hidden_layer_sizes"] == (6,) and settings["activation"] == "logistic"
    assert settings["solver"] == "adam" and settings["learning_rate_init"] == 0.3
    assert settings["alpha"] == 0.0 and settings["batch_size"] == 200 and settings["max_iter"] == 200
    assert settings["n_iter_no_change"] == 200
    X, y = ns_a["X_train"], ns_a["y_train"]
    model = fit(CountingMLP(**PART_A_NETWORK), X, y)
    assert model.out_activation_ == "logistic"
    assert model.n_iter_ == 200 and model.backprop_calls == 200 and model._optimizer.t == 200   # full batch
    # Its gradients are those of our backprop divided by N (the mean loss), delta2 = y_hat - y.
    W1 = np.vstack([model.coefs_[0], model.intercepts_[0]])
    W2 = np.vstack([model.coefs_[1], model.intercepts_[1]])
    Xb = ns_a["add_bias"](X)
    hidden, output = ns_a["feed_forward"](Xb, [W1, W2])
    ours = ns_a["backprop"]([W1, W2], hidden, output, y, Xb)
    n = len(X)
    activations = [X, np.empty((n, 6)), np.empty((n, 1))]
    deltas = [np.empty_like(a) for a in activations[1:]]
    coef_grads = [np.empty_like(c) for c in model.coefs_]
    intercept_grads = [np.empty_like(b) for b in model.intercepts_]
    loss, coef_grads, intercept_grads = model._backprop(X, y.reshape(-1, 1), None, activations, deltas,
                                                        coef_grads, intercept_grads)
    np.testing.assert_allclose(np.vstack([coef_grads[0], intercept_grads[0]]), ours[0] / n, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(np.vstack([coef_grads[1], intercept_grads[1]]), ours[1] / n, rtol=1e-7, atol=1e-12)
    assert loss == pytest.approx(ns_a["log_loss"](output, y).mean(), rel=1e-9)   # the mean, no penalty


# ---- Lecture 3b: computed facts ------------------------------------------------------------

def test_default_mlpclassifier_is_what_the_text_says(ns_b):
    settings = MLPClassifier().get_params()
    assert PART_B_DEFAULT == {"random_state": 0}
    assert settings["hidden_layer_sizes"] == (100,) and settings["activation"] == "relu"
    assert settings["solver"] == "adam" and settings["learning_rate_init"] == 0.001
    assert settings["alpha"] == 1e-4 and settings["max_iter"] == 200 and settings["batch_size"] == "auto"
    assert settings["momentum"] == 0.9 and settings["nesterovs_momentum"] is True
    assert settings["tol"] == 1e-4 and settings["n_iter_no_change"] == 10
    X, y = ns_b["X"], ns_b["y"]
    model = fit(CountingMLP(**PART_B_DEFAULT), X, y)
    assert model.out_activation_ == "logistic"
    # batches of min(200, N) points: with N = 100, one batch, the whole data set, per epoch
    assert model.n_iter_ <= 200 and model.backprop_calls == model.n_iter_ == model._optimizer.t
    # the penalty is added to the mean log loss: 0.5 * alpha * sum of squared weights / N
    n = len(X)
    activations = [X] + [np.empty((n, k)) for k in (100, 1)]
    deltas = [np.empty_like(a) for a in activations[1:]]
    grads = ([np.empty_like(c) for c in model.coefs_], [np.empty_like(b) for b in model.intercepts_])
    loss, *_ = model._backprop(X, y.reshape(-1, 1), None, activations, deltas, *grads)
    p = model.predict_proba(X)[:, 1:]
    mean_log_loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    penalty = 0.5 * 1e-4 * sum(np.sum(c ** 2) for c in model.coefs_) / n
    assert loss == pytest.approx(mean_log_loss + penalty, rel=1e-9)


def test_tuned_mlpclassifier_is_plain_full_batch_gradient_descent(ns_b):
    settings = MLPClassifier(**PART_B_TUNED).get_params()
    assert settings["hidden_layer_sizes"] == (32,) and settings["activation"] == "relu"
    assert settings["solver"] == "sgd" and settings["learning_rate"] == "constant"
    assert settings["learning_rate_init"] == 1.0 and settings["momentum"] == 0.0
    assert settings["nesterovs_momentum"] is False and settings["alpha"] == 0.0
    assert settings["batch_size"] == 100 == len(ns_b["X"]) and settings["max_iter"] == 1000
    assert settings["n_iter_no_change"] == 1000
    model = fit(CountingMLP(**PART_B_TUNED), ns_b["X"], ns_b["y"])
    assert model.n_iter_ == 1000 and model.backprop_calls == 1000
    # Plain gradient descent: one more epoch moves every parameter by exactly -lr * its gradient.
    X, y = ns_b["X"], ns_b["y"]
    one = fit(MLPClassifier(**{**PART_B_TUNED, "max_iter": 1}), X, y)
    before = [p.copy() for p in one.coefs_ + one.intercepts_]
    n = len(X)
    activations = [X, np.empty((n, 32)), np.empty((n, 1))]
    deltas = [np.empty_like(a) for a in activations[1:]]
    grads = ([np.empty_like(c) for c in one.coefs_], [np.empty_like(b) for b in one.intercepts_])
    _, coef_grads, intercept_grads = one._backprop(X, y.reshape(-1, 1), None, activations, deltas, *grads)
    steps = [g.copy() for g in coef_grads + intercept_grads]
    one.partial_fit(X, y.reshape(-1))
    for after, start, grad in zip(one.coefs_ + one.intercepts_, before, steps):
        np.testing.assert_allclose(after, start - 1.0 * grad, rtol=1e-9, atol=1e-12)


def test_default_early_stop_is_what_the_text_says(ns_b):
    """"stop early once the loss has gone more than 10 epochs in a row without beating its best
    value so far by at least 1e-4": replaying that rule on the loss curve stops where sklearn did."""
    model = fit(MLPClassifier(**{**PART_B_TUNED, "n_iter_no_change": 10}), ns_b["X"], ns_b["y"])
    best, in_a_row, stop = np.inf, 0, None
    for epoch, loss in enumerate(model.loss_curve_, start=1):
        in_a_row = in_a_row + 1 if loss > best - 1e-4 else 0
        best = min(best, loss)
        if in_a_row > 10:
            stop = epoch
            break
    assert stop is not None and stop == model.n_iter_ < 1000


def test_section_4_numbers(ns_b):
    import inspect
    acc = ns_b["accuracy"]
    train_acc = acc(ns_b["predict_bce"], ns_b["X"], ns_b["y"])
    new_acc = acc(ns_b["predict_bce"], ns_b["X_new"], ns_b["y_new"])
    assert round(100 * train_acc) == 99 and round(100 * new_acc) == 91
    assert new_acc < train_acc
    defaults = {k: p.default for k, p in inspect.signature(ns_b["train_with"]).parameters.items()}
    assert (defaults["lr"], defaults["steps"]) == (1.0, 1000)
    assert "init_params(X.shape[1], 32, seed)" in cell(B, "cell-041").source
    defaults = {k: p.default for k, p in inspect.signature(ns_b["train_relu_mse"]).parameters.items()}
    assert (defaults["n_hidden"], defaults["lr"], defaults["steps"]) == (32, 0.1, 100)
    assert cell(B, "cell-026").source.count("0.1 * rng.normal") == 2
    assert cell(B, "cell-028").source.count("0.1 * rng.normal") == 2
    # a class-1 point with output 1.5 costs as much as one with output 0.5
    assert (1.5 - 1) ** 2 == (0.5 - 1) ** 2


def test_parameter_count(ns_b):
    """Exercise 1: the 32-unit model has 129 parameters (the solution's count agrees with the
    arrays scikit-learn trains); Lecture 1's one-neuron network has four."""
    model = fit(MLPClassifier(**{**PART_B_TUNED, "max_iter": 1}), ns_b["X"], ns_b["y"])
    arrays = model.coefs_ + model.intercepts_
    assert [a.shape for a in arrays] == [(2, 32), (32, 1), (32,), (1,)]
    assert ns_b["count_parameters"]([2, 32, 1]) == sum(a.size for a in arrays) == 129
    assert ns_b["count_parameters"]([1, 1, 1]) == 4
    assert "[2, 32, 1]" in cell(B, "cell-count").source and "129" not in cell(B, "test_count_parameters").source.split(
        "### BEGIN HIDDEN TESTS")[0]


def test_slowdown_numbers(ns_b):
    """Section 4's learning-slowdown comparison: every number its two text cells state."""
    source = cell(B, "cell-slowdown-code").source
    assert 'params["b2"] = np.array([[5.0]])' in source and "range(300)" in source and "- 1.0 * grads" in source
    assert "init_params(2, 32, seed=0)" in source
    y_hat = ns_b["forward"](ns_b["X"], ns_b["saturated_start"](), "sigmoid")["y_hat"]
    assert (f"{y_hat.min():.4f}", f"{y_hat.max():.4f}") == ("0.9931", "0.9940")
    ratio = 2 * y_hat * (1 - y_hat)
    assert (f"{ratio.min():.4f}", f"{ratio.max():.4f}") == ("0.0119", "0.0137")
    assert (round(1 / ratio.max()), round(1 / ratio.min())) == (73, 84)
    # the two delta2 of the text, for this start: their ratio is 2 y_hat (1 - y_hat), point by point
    y = ns_b["y"]
    mse_delta2 = 2 / len(y) * (y_hat - y) * y_hat * (1 - y_hat)
    np.testing.assert_allclose(mse_delta2 / ((y_hat - y) / len(y)), ratio, rtol=1e-12)
    mse_losses, mse_acc = ns_b["slowdown"]["mean squared error"]
    bce_losses, bce_acc = ns_b["slowdown"]["cross-entropy"]
    assert len(mse_losses) == len(bce_losses) == 300
    first = lambda flags: int(np.argmax(flags))   # noqa: E731
    assert first(bce_losses <= bce_losses[0] / 2) == 4 and first(bce_acc > 0.5) == 5
    assert first(mse_losses <= mse_losses[0] / 2) == 102 and first(mse_acc > 0.5) == 102
    assert mse_losses[80] / mse_losses[0] > 0.97
    assert np.all(mse_acc[:102] == 0.5) and np.mean(y) == 0.5
    y_hat_mse = ns_b["forward"](ns_b["X"], ns_b["saturated_start"](), "sigmoid")["y_hat"]
    assert np.all(y_hat_mse > 0.5)     # every point called class 1 at the start
    # Exercise 8 is the squared error with a sigmoid output, Exercise 10 the cross-entropy
    assert "backward_sigmoid_mse" in source and "backward_sigmoid_bce" in source


def held_out_runs(ns_b):
    return ns_b["step_grid"], ns_b["by_steps"], ns_b["width_grid"], ns_b["by_width"]


def test_held_out_numbers(ns_b):
    """Section 5: the split, the sweeps and every number the text says about them."""
    X, y = ns_b["X"], ns_b["y"]
    split = np.random.default_rng(0).permutation(100)
    np.testing.assert_array_equal(ns_b["X_val"], X[split[:30]])
    np.testing.assert_array_equal(ns_b["X_fit"], X[split[30:]])
    assert len(ns_b["X_val"]) == 30 and len(ns_b["X_fit"]) == 70
    code = cell(B, "cell-heldout-code").source
    assert "init_params(2, n_hidden, seed=0)" in code and "- 1.0 * grads" in code and "backward_sigmoid_bce" in code
    assert "fit_held_out(width, 1000)" in code
    steps, by_steps, widths, by_width = held_out_runs(ns_b)
    assert steps[-1] == 10_000 and widths == [1, 2, 4, 8, 16, 32, 64]
    at = {step: row for step, row in zip(steps, by_steps)}
    # training accuracy reaches 100 % at step 3000 and stays there
    assert [s for s in steps if at[s][0] == 1.0] == [s for s in steps if s >= 3000]
    # validation: 29 of 30 from step 500 to 2000, 28 of 30 from step 3000 on
    val_hits = {s: round(at[s][1] * 30) for s in steps}
    assert all(val_hits[s] == 29 for s in steps if 500 <= s <= 2000)
    assert all(val_hits[s] == 28 for s in steps if s >= 3000)
    assert all(val_hits[s] < 29 for s in steps if s < 500)
    assert f"{29 / 30:.1%}" == "96.7%" and f"{100 / 30:.1f}" == "3.3"
    # widths at 1000 steps: 1, 2, 4 units 88.6 % and 26 of 30; from 8 on, 97 % to 100 % and 29 of 30
    for width, row in zip(widths, by_width):
        if width <= 4:
            assert f"{row[0]:.1%}" == "88.6%" and round(row[1] * 30) == 26
        else:
            assert 97 <= round(100 * row[0]) <= 100 and round(row[1] * 30) == 29
    # cross-entropy: falls on the training points at every checkpoint; lowest at step 700 on the
    # validation points, and 2.6 times that at step 10 000
    assert np.all(np.diff(by_steps[:, 2]) < 0)
    assert steps[int(np.argmin(by_steps[:, 3]))] == 700 == ns_b["best_step"]
    assert f"{by_steps[-1, 3] / by_steps[:, 3].min():.1f}" == "2.6"
    # the two boundaries on the 1000 new points
    new = {}
    for step in (700, 10_000):
        params = ns_b["snapshots"][step]
        new[step] = ns_b["accuracy"](lambda p: ns_b["forward"](p, params, "sigmoid")["y_hat"], ns_b["X_new"], ns_b["y_new"])
    assert (f"{new[700]:.1%}", f"{new[10_000]:.1%}") == ("91.5%", "89.8%")


def test_engine_numbers(ns_b):
    """Section 6: the engine agrees with backward_sigmoid_mse; the graph sizes the text states."""
    code = cell(B, "cell-engine-check-code").source
    assert "init_params(2, 3, seed=1)" in code and "X[:5], y[:5]" in code
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(ns_b["by_engine"][key], ns_b["by_hand"][key], rtol=1e-10, atol=1e-15)
    assert ns_b["graph_size"](ns_b["loss_small"]) == 176
    Value = ns_b["Value"]
    params = ns_b["init_params"](2, 32, seed=0)
    values = {key: [[Value(v) for v in row] for row in array] for key, array in params.items()}
    loss = ns_b["network_loss_with_values"](ns_b["X"], ns_b["y"], values)
    assert round(ns_b["graph_size"](loss), -3) == 29_000
    assert loss.data == pytest.approx(np.mean((ns_b["forward"](ns_b["X"], params, "sigmoid")["y_hat"] - ns_b["y"]) ** 2), rel=1e-12)


def test_engine_text_matches_the_class(ns_b):
    """What Section 6 says about Value: the operations it names exist, the output's grad is 1, a
    second backward() call spoils the gradients, a - b and a / b are built from the five."""
    Value = ns_b["Value"]
    for name in ("__add__", "__mul__", "__pow__", "sigmoid", "relu", "backward", "__sub__", "__truediv__", "__neg__"):
        assert hasattr(Value, name)
    a, b = Value(2.0), Value(-3.0)
    out = a * b + a
    out.backward()
    assert out.grad == 1.0 and a.grad == -2.0 and b.grad == 2.0
    out.backward()                                  # "a second call ... every .grad would be wrong"
    assert a.grad != -2.0 and b.grad != 2.0
    c = a - b
    assert c.data == 5.0 and len(c._prev) == 2 and c._prev[1].data == 3.0     # a + b * (-1)
    d = a / b
    assert d.data == pytest.approx(-2 / 3) and d._prev[1].data == pytest.approx(-1 / 3)   # a * b ** -1
    assert Value(0.0).relu().data == 0.0


# ---- the network pictures ----------------------------------------------------------------------

def drawn(name, cell_id):
    """Run one picture cell of a notebook; return the texts of the Axes it drew and the Axes."""
    from course.diagrams import draw_network
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(cell(name, cell_id).source, f"{name}:{cell_id}", "exec"), {"draw_network": draw_network, "plt": plt})
    axes = plt.gcf().axes
    assert len(axes) == 1
    texts = [t.get_text() for t in axes[0].texts]
    return texts, axes[0]


def test_lecture_3a_picture(ns_a):
    """The 2-6-1 network with its +1 units: the shapes on it are those of the trained weights,
    and each bias is named as the last row of its matrix."""
    texts, ax = drawn(A, "cell-net-picture")
    assert ax.get_title()
    W1, W2 = ns_a["weights"]
    assert W1.shape[1] == 6   # "with $H = 6$ hidden units, the width trained in Section 4"
    assert f"W1 {W1.shape}\nlast row W1[-1]" in texts and f"W2 {W2.shape}\nlast row W2[-1]" in texts
    assert texts.count("+1") == 2
    assert [f"a{k}" for k in range(1, 7)] == [t for t in texts if re.fullmatch(r"a\d", t)]
    # the bias is the last row: the network's output does not change when the hidden layer's last
    # "unit" is replaced by a column of ones times W2[-1]
    X = ns_a["add_bias"](ns_a["X_small"])
    hidden, output = ns_a["feed_forward"](X, [W1, W2])
    np.testing.assert_allclose(output, ns_a["sigmoid"](hidden @ W2[:-1] + W2[-1]), rtol=1e-12)


def test_lecture_3b_pictures(ns_b):
    texts, ax = drawn(B, "cell-net-picture-code")
    assert ax.get_title()
    params = ns_b["init_params"](2, 32)
    tuned = ns_b["tuned"]
    assert [c.shape for c in tuned.coefs_] == [params["W1"].shape, params["W2"].shape]
    assert [b.size for b in tuned.intercepts_] == [params["b1"].size, params["b2"].size]
    assert f"W₁ {params['W1'].shape}\nb₁ {params['b1'].shape}" in texts
    assert f"W₂ {params['W2'].shape}\nb₂ {params['b2'].shape}" in texts
    assert texts.count("+1") == 2 and "32 units" in " ".join(texts)
    texts, ax = drawn(B, "cell-net-section3")
    assert ax.get_title()
    W1, W2 = ns_b["W1_mse"], ns_b["W2_mse"]
    assert f"W₁ {W1.shape}" in texts and f"W₂ {W2.shape}" in texts and W1.shape == (2, 32)
    assert "+1" not in texts and not any(t.startswith("b") for t in texts)


# ---- every number in the text is one of the checked claims ---------------------------------

# (notebook, cell id, a regular expression for the passage that states the numbers). Each passage
# is backed by one of the tests above (named in the comment). Exercise, section and lecture numbers
# and the digits 0, 1 and 2 (labels, shapes, formula constants) are structure, not claims.
CLAIMS = [
    (A, "cell-001", r"gradient descent on 200 points"),                               # data
    (A, "cell-001", r"numbered 1 to 12"),                                              # numbering
    (A, "cell-003", r"We take 50\s+points with noise 0\.1 \(random state 42\)"),        # data
    (A, "recap", r"shape \$\(50, 2\)\$ and `y_small` \$\(50, 1\)\$: 50\s+points"),      # data
    (A, "cell-010", r"below about \$-709\$"),                                           # overflow
    (A, "cell-013", r"\$\[10\^\{-12\}, 1 - 10\^\{-12\}\]\$"),                            # clip edges
    (A, "cell-016", r"shape \$\(N, 3\)\$\) and a weight column \$w\$ \(shape \$\(3, 1\)\$\)"),  # logreg
    (A, "cell-019", r"1000 steps of gradient descent\s+with learning rate 0\.01"),      # logreg
    (A, "cell-019", r"the 200 training points \(noise 0\.1, random\s+state 42\)"),       # data
    (A, "cell-021", r"after 10 000 steps instead of 1000"),                            # logreg
    (A, "why_logreg_fails", r"at 0\.5"),                                               # accuracy
    (A, "why_logreg_fails", r"\(27 of the 200 points here\)"),                          # logreg
    (A, "cell-023", r"\$W_1\$ of shape \$\(3, H\)\$"),                                  # shapes
    (A, "cell-023", r"\$X\$ is \$\(N, 3\)\$"),                                          # shapes
    (A, "cell-ll-derivative", r"\$\[10\^\{-12\}, 1 - 10\^\{-12\}\]\$"),                  # clip edges
    (A, "cell-delta2", r"\$z > \\ln 10\^\{12\} \\approx 27\.6\$"),                       # saturation
    (A, "cell-delta2", r"by \$10\^\{-12\}\$"),                                           # saturation
    (A, "cell-delta2", r"\$z \\approx 36\.7\$"),                                         # saturation
    (A, "cell-038", r"Training on 200 points"),                                         # data
    (A, "cell-038", r"with 6 hidden units, learning rate 0\.05 and 1000 steps on the 200 training\s+points"),
    (A, "cell-038", r"at least 97 % training accuracy"),                                # settings
    (A, "cell-038", r"above 0\.5"),                                                     # accuracy
    (A, "cell-038", r"With only 4 hidden units"),                                       # seed 18
    (A, "cell-038", r"from seed 18 it ends at 89\.5 %"),                                # seed 18
    (A, "cell-038", r"every seed from 0 to 29 reaches 100 %"),                          # thirty seeds
    (A, "cell-042", r"6 hidden units"),                                                 # part A MLP
    (A, "cell-042", r"\$N = 200\$"),                                                    # part A MLP
    (A, "cell-042", r"learning rate 0\.3 for 200 epochs, every one on the full\s+batch of 200 points"),
    (A, "cell-042", r"`n_iter_no_change=200`"),                                         # part A MLP
    (A, "cell-044", r"4 units against 6"),                                              # settings
    (A, "cell-044", r"with 8 units"),                                                   # settings (slider)
    (B, "cell-001", r"numbered 1 to 11"),                                               # numbering
    (B, "cell-003", r"100 points, noise 0\.25, random state 0"),                         # data
    (B, "cell-003", r"gets 99 % of them\s+right"),                                      # section 4
    (B, "cell-003", r"these particular 100 points"),                                    # data
    (B, "cell-003", r"gets 91 % of 1000 new points"),                                   # section 4
    (B, "cell-005", r"100 ReLU units, the Adam optimiser with learning rate\s+0\.001, an L2 penalty "
                    r"\$\\alpha = 10\^\{-4\}\$"),                                       # default MLP
    (B, "cell-005", r"at most 200\s+epochs, and batches of \$\\min\(200, N\)\$ points, which for our 100 points"),
    (B, "cell-005", r"32 ReLU units"),                                                  # tuned MLP
    (B, "cell-005", r"all 100 points in every step, learning rate 1\.0"),                # tuned MLP
    (B, "cell-005", r"carry 0\.9 times the previous one"),                              # default MLP
    (B, "cell-005", r"exactly 1000 steps"),                                             # tuned MLP
    (B, "cell-005", r"more than 10 epochs in a row without beating its best value so far by at least "
                    r"\$10\^\{-4\}\$"),                                            # early stop
    (B, "cell-005", r"`n_iter_no_change=1000`"),                                        # tuned MLP
    (B, "cell-025", r"standard normal times 0\.1\), learning rate 0\.1, 100 steps, 32 hidden units"),
    (B, "cell-025", r"above 0\.5"),                                                     # accuracy
    (B, "cell-027", r"output 1\.5 costs as much as one with output 0\.5"),               # section 4
    (B, "cell-035", r"\$\[10\^\{-12\}, 1 - 10\^\{-12\}\]\$"),                            # clip edges
    (B, "cell-040", r"the 32-unit `MLPClassifier`"),                                    # tuned MLP
    (B, "cell-040", r"learning rate 1\.0, 1000 steps"),                                 # section 4
    (B, "cell-040", r"the 100 training points and on 1000 new points drawn the same way \(noise 0\.25,\s+"
                    r"random state 1\)"),                                               # data
    (A, "cell-forward-ex", r"\$H = 6\$ hidden units"),                                 # picture
    (B, "cell-net-picture", r"The 32-unit model as a picture"),                         # picture
    (B, "cell-net-picture", r"32 ReLU hidden units"),                                   # picture
    (B, "cell-011", r"the 32 hidden units it is trained with"),                         # picture
    (B, "cell-count", r"the 32-unit model's parameters"),                             # parameter count
    (B, "cell-count", r"the 32-unit model, whose layer sizes are `\[2, 32, 1\]`"),   # parameter count
    (B, "cell-slowdown", r"\$b_2 = 5\$"),                                              # slowdown
    (B, "cell-slowdown", r"between 0\.9931 and 0\.9940"),                              # slowdown
    (B, "cell-slowdown", r"between\s+0\.0119 and 0\.0137"),                           # slowdown
    (B, "cell-slowdown", r"73 to 84 times smaller"),                                    # slowdown
    (B, "cell-slowdown", r"learning rate 1\.0, for 300 steps"),                        # slowdown
    (B, "cell-slowdown-after", r"halves its loss in 4 steps"),                          # slowdown
    (B, "cell-slowdown-after", r"right\s+after 5"),                                     # slowdown
    (B, "cell-slowdown-after", r"needs 102 steps for either"),                          # slowdown
    (B, "cell-slowdown-after", r"In its first\s+80 steps it loses less than 3 %"),       # slowdown
    (B, "cell-slowdown-after", r"until step 102 its accuracy stays at exactly\s+50 %"),  # slowdown
    (B, "cell-heldout", r"1000 fresh points"),                                          # section 4
    (B, "cell-heldout", r"30 of the 100 points"),                                       # held out
    (B, "cell-heldout", r"the other 70"),                                               # held out
    (B, "cell-heldout", r"32 ReLU units"),                                              # held out
    (B, "cell-heldout", r"learning rate 1\.0"),                                         # held out
    (B, "cell-heldout", r"\(10 000 steps\)"),                                           # held out
    (B, "cell-heldout", r"of 1 to 64 hidden units trained for 1000 steps each"),        # held out
    (B, "cell-heldout-read", r"reaches 100 % at step 3000"),                            # held out
    (B, "cell-heldout-read", r"reaches 29 of the 30 points \(96\.7 %\) at step 500, holds until step 2000"),
    (B, "cell-heldout-read", r"drops to 28 of 30 from step 3000 on"),                   # held out
    (B, "cell-heldout-read", r"with 1, 2 or 4 hidden units"),                           # held out
    (B, "cell-heldout-read", r"\(88\.6 % of the training points, 26 of the 30 held-out ones\)"),
    (B, "cell-heldout-read", r"from 8 units on it gets 97 % to 100 % of the training points and 29 of 30"),
    (B, "cell-heldout-read", r"lowest at step 700 and 2\.6 times as large at step 10 000"),
    (B, "cell-heldout-read", r"with 30 points, one point is 3\.3 percentage points"),   # held out
    (B, "cell-heldout-after", r"at step 700, where"),                                   # held out
    (B, "cell-heldout-after", r"at step 10 000, when"),                                 # held out
    (B, "cell-heldout-after", r"On the 1000 new points"),                               # section 4
    (B, "cell-heldout-after", r"the network of step 700 gets 91\.5 % right, the\s+one of step 10 000 only 89\.8 %"),
    (B, "cell-autograd-ex", r"`self\.grad = 1\.0`"),                                    # engine
    (B, "cell-engine-check", r"for 3 hidden units and the first 5 points"),             # engine
    (B, "cell-engine-after", r"holds 176 Values"),                                      # engine
    (B, "cell-engine-after", r"100 points\s+and 32 hidden units"),                      # engine
    (B, "cell-engine-after", r"about 29 000"),                                          # engine
]

# Further-reading cells hold citations: their digits are years, chapters, sections, volumes and
# addresses, not claims a test could compute (test_further_reading_is_citations reads them).
READING = {(A, "cell-reading"), (B, "cell-reading")}

LINE_STRUCTURE = [
    r"^#+ \d+\.",                                  # section headings "## 3."
    r"^\s*\d+\.\s",                                # numbered list items
]
STRUCTURE = [
    r"Exercises? \d+(?: (?:and|to) \d+)?",          # exercise headings and references
    r"Sections? \d+(?: (?:and|to) \d+)?",
    r"Lecture \d+[ab]?",
    r"[_^]\{[^}]*\}|[_^]\w",                        # sub- and superscripts: Z_1, x_1^2, W_{km}
    r"(?<![\w.])[0-2](?!\w|\.\d)",                 # labels, shapes, formula constants
]
# A number: digits not glued to letters (W2, delta1 and 3a are names, not numbers).
NUMBER = r"(?<![A-Za-z_\d.])\d+(?:[.,]\d+)?(?![A-Za-z_\d])"


def markdown_cells(name):
    return [c for c in notebook(name).cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("name", [A, B])
def test_further_reading_is_citations(name):
    """The last cell of each notebook lists further reading: every item names its authors or
    publisher and gives a year or an address, and the text points at it."""
    last = notebook(name).cells[-1]
    assert (name, last.id) in READING and last.source.startswith("## Further reading\n")
    items = [line for line in last.source.splitlines() if line.startswith("- ")]
    assert len(items) >= 4
    for item in re.split(r"\n(?=- )", last.source.split("\n", 2)[2].strip()):
        assert re.search(r"\b(19|20)\d\d\b|<https?://", item), item
    for author in ["Nielsen", "CS231n", "Karpathy"]:
        assert author in last.source


@pytest.mark.parametrize("name", [A, B])
def test_every_number_in_the_text_is_checked(name):
    claims = [(cid, pattern) for nb, cid, pattern in CLAIMS if nb == name]
    ids = {c.id for c in markdown_cells(name)}
    assert {cid for cid, _ in claims} <= ids, "a claim names a cell that is not a markdown cell"
    unchecked = {}
    for c in markdown_cells(name):
        if (name, c.id) in READING:
            continue
        text = c.source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
        for pattern in LINE_STRUCTURE:
            text = re.sub(pattern, " ", text, flags=re.M)
        text = re.sub(r"\s+", " ", text)
        for cid, pattern in claims:
            if cid == c.id:
                text, found = re.subn(re.sub(r"(\\s\+| )+", r"\\s+", pattern), " ", text)
                assert found, f"{name} {cid}: the text no longer says /{pattern}/"
        for pattern in STRUCTURE:
            text = re.sub(pattern, " ", text)
        left = re.findall(NUMBER, text)
        if left:
            unchecked[c.id] = left
    assert not unchecked, f"{name}: numbers without a check: {unchecked}"


# ---- exercise numbers, headings, cross-references ------------------------------------------

HEADING = re.compile(r"^### Exercise (\d+) — [^\n]+ \((graded|manually graded)\)$", re.M)


def exercises(name):
    """[(number, kind, [answer cells up to the next heading])] in notebook order."""
    found = []
    for c in notebook(name).cells:
        if c.cell_type == "markdown":
            for match in HEADING.finditer(c.source):
                found.append((int(match[1]), match[2], []))
        meta = nbgrader_meta(c)
        if meta.get("solution") and found:
            found[-1][2].append(c)
        elif meta.get("solution"):
            raise AssertionError(f"{name}: answer cell {c.id} comes before the first exercise heading")
    return found


@pytest.mark.parametrize("name", [A, B])
def test_exercises_are_numbered_in_order(name):
    count = int(re.search(r"The exercises are numbered 1 to (\d+)\.", notebook(name).cells[0].source)[1])
    found = exercises(name)
    assert [n for n, _, _ in found] == list(range(1, count + 1))
    for number, kind, answers in found:
        assert len(answers) == 1, f"{name} Exercise {number} has {len(answers)} answer cells"
        answer = answers[0]
        if kind == "manually graded":
            assert answer.cell_type == "markdown" and nbgrader_meta(answer).get("grade")
        else:
            assert answer.cell_type == "code" and not nbgrader_meta(answer).get("grade")
    # every graded test cell follows the answer of its exercise
    cells = notebook(name).cells
    for i, c in enumerate(cells):
        meta = nbgrader_meta(c)
        if meta.get("grade") and not meta.get("solution"):
            before = [d for d in cells[:i] if nbgrader_meta(d).get("solution")]
            assert before, f"{name}: test {c.id} before any answer"
    text = "\n".join(c.source for c in markdown_cells(name))
    for ref in re.findall(r"Exercises? (\d+)(?: and (\d+))?", text):
        for number in filter(None, ref):
            assert 1 <= int(number) <= count, f"{name}: reference to Exercise {number}"
    sections = {int(n) for n in re.findall(r"^## (\d+)\.", text, re.M)}
    for number in re.findall(r"Sections? (\d+)", text):
        assert int(number) in sections, f"{name}: reference to Section {number}"
    assert "Part II" not in text and "Part A" not in text and "Part B" not in text


def test_manual_questions_say_which_exercise_they_are():
    text = cell(A, "cell-001").source
    kinds = {n: kind for n, kind, _ in exercises(A)}
    assert "Exercises 1 and 6 ask for a few sentences" in text
    assert [n for n, kind in kinds.items() if kind == "manually graded"] == [1, 6]
    assert not [n for n, kind, _ in exercises(B) if kind == "manually graded"]


# ---- conventions -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [A, B])
def test_conventions_paragraph(name):
    top = notebook(name).cells[0].source
    assert "**Conventions.**" in top
    for words in ["One example per row", "Biases", "Prediction first", "The error signal", "δ (\"delta\")"]:
        assert words.lower() in top.lower(), f"{name}: the conventions do not mention {words!r}"
    assert ("summed" in top) and ("averaged" in top or "average" in top)


@pytest.mark.parametrize("name,names", [
    (A, ["delta2", "delta1"]),
    (B, ["delta2", "delta1"]),
])
def test_error_signal_is_called_delta(name, names):
    solutions = "\n".join(c.source for c in notebook(name).cells
                          if nbgrader_meta(c).get("solution") and c.cell_type == "code")
    for word in names:
        assert word in solutions
    for old in ["delta_out", "delta_hidden", "dz2", "dz1", "dz", "da", "dW1", "dW2", "da1", "Delta"]:
        assert not re.search(rf"(?<![/\w]){old}\b\s*[=,)]", solutions), f"{name}: old name {old} in a solution"
    text = "\n".join(c.source for c in markdown_cells(name))
    assert "\\Delta" not in text and "dZ" not in text


def test_losses_take_the_prediction_first(ns_a, ns_b):
    import inspect
    assert list(inspect.signature(ns_a["log_loss"]).parameters) == ["y_pred", "y"]
    assert list(inspect.signature(ns_a["log_loss_derivative"]).parameters) == ["y_pred", "y"]
    assert list(inspect.signature(ns_b["mse_backward"]).parameters) == ["y_hat", "y"]
    assert list(inspect.signature(ns_b["bce_loss"]).parameters) == ["y_hat", "y"]
