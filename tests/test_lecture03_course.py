"""The course modules behind Lecture 3: moons data, boundary plots, the explorer and the quiet
MLPClassifier."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402

from course.data import moons  # noqa: E402
from course.plots_boundary import accuracy, grid_points, plot_decision_boundary, plot_loss_curve  # noqa: E402
from course.sklearn_moons import PART_A_NETWORK, PART_B_TUNED, fit_mlp, probability_of_one  # noqa: E402
from course.widgets_boundary import boundary_explorer, draw_training  # noqa: E402


@pytest.mark.parametrize("loader,n,noise,state", [
    (moons.load_moons_small, 50, 0.1, 42),
    (moons.load_moons_train, 200, 0.1, 42),
    (moons.load_moons_noisy, 100, 0.25, 0),
])
def test_loaders_match_make_moons(loader, n, noise, state):
    X, y = loader()
    X_ref, y_ref = make_moons(n_samples=n, noise=noise, random_state=state)
    assert X.shape == (n, 2) and y.shape == (n, 1)
    assert X.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y.ravel(), y_ref)


def test_grid_points_cover_the_box():
    xx, yy, points = grid_points((-1, 1), (0, 2), resolution=5)
    assert xx.shape == yy.shape == (5, 5) and points.shape == (25, 2)
    assert points[:, 0].min() == -1 and points[:, 1].max() == 2


def test_boundary_plot_accepts_column_or_flat_predictions():
    X, y = moons.load_moons_small()
    for predict in (lambda p: (p[:, :1] > 0).astype(float), lambda p: (p[:, 0] > 0).astype(float)):
        ax = plot_decision_boundary(predict, X, y, title="t", resolution=20)
        assert ax.get_title() == "t" and ax.get_xlabel()
        plt.close("all")
    ax = plot_loss_curve([3.0, 2.0, 1.0])
    assert len(ax.lines) == 1
    plt.close("all")


def test_accuracy():
    X = np.array([[0.0, 0.0], [1.0, 0.0]])
    y = np.array([[0.0], [1.0]])
    assert accuracy(lambda p: p[:, 0], X, y) == 1.0
    assert accuracy(lambda p: 1 - p[:, 0], X, y) == 0.0


def _toy_train(X, y, n_hidden, lr, steps):
    # a stand-in "network": a fixed linear score, with a fake loss curve
    return np.array([1.0, -1.0]), list(np.linspace(1.0, 0.1, max(steps, 1)))


def _toy_predict(model, points):
    return 1.0 / (1.0 + np.exp(-(points @ model)))


def test_explorer_builds_headless_and_draws_once(capsys):
    X, y = moons.load_moons_small()
    calls = []

    def train(*args):
        calls.append(args[2:])
        return _toy_train(*args)

    box = boundary_explorer(train, _toy_predict, X, y, width=3, lr=0.1, steps=200)
    assert calls == [(3, 0.1, 200)], "the explorer should train exactly once when created"
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["hidden units", "learning rate", "steps"]
    assert capsys.readouterr().err == ""
    plt.close("all")


def test_explorer_reports_unfinished_code(capsys):
    X, y = moons.load_moons_small()

    def unfinished(*args):
        raise NotImplementedError()

    draw_training(unfinished, _toy_predict, X, y, 2, 0.1, 10)
    captured = capsys.readouterr()
    assert "Finish the exercises above" in captured.out and captured.err == ""


def test_mlp_fits_quietly_and_well():
    X, y = moons.load_moons_train()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = fit_mlp(X, y, **PART_A_NETWORK)
    assert accuracy(probability_of_one(model), X, y) >= 0.97
    assert model.fit_seconds > 0 and len(model.loss_curve_) > 0
    X, y = moons.load_moons_noisy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = fit_mlp(X, y, **PART_B_TUNED)
    assert accuracy(probability_of_one(model), X, y) >= 0.9
