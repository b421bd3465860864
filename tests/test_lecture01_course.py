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
