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
