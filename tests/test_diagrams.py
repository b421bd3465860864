"""course.diagrams: every figure draws and has a title; the circuit's numbers are the forward values
and the gradients of the loss, checked against an independent computation (central differences)."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402

from course.diagrams import draw_computational_graph, draw_network, one_neuron_circuit  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def units(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def bias_units(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


@pytest.mark.parametrize("sizes", [(1, 1, 1), (1, 5, 1), (2, 1, 1), (2, 2, 1), (1, 6, 7, 2), (2, 3, 1),
                                   (784, 64, 10)])
def test_every_network_draws_with_a_title_and_its_parameter_shapes(sizes):
    ax = draw_network(sizes, activations=["σ"] * (len(sizes) - 1), bias=True)
    ax.figure.canvas.draw()
    assert ax.get_title() == f"A {'-'.join(map(str, sizes))} network"
    # A layer of more than max_units = 8 units shows 6 of them, an ellipsis and its last unit.
    assert len(units(ax)) == sum(s if s <= 8 else 7 for s in sizes)
    assert texts(ax).count("⋮") == sum(1 for s in sizes if s > 8)
    assert len(bias_units(ax)) == len(sizes) - 1           # one "+1" per layer but the output
    label = "\n".join(texts(ax))
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        sup = str(layer).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        assert f"W⁽{sup}⁾ ({n_in}, {n_out})" in label and f"b⁽{sup}⁾ (1, {n_out})" in label
    assert label.count("activation\nσ") == len(sizes) - 1


def test_large_layers_are_drawn_with_an_ellipsis():
    ax = draw_network((784, 64, 10), unit_labels=["x{}", None, "p{}"])
    # 784 and 64 units: 6 shown, an ellipsis, the last one; 10 units: the same with max_units = 8.
    assert texts(ax).count("⋮") == 3
    assert len(units(ax)) == 3 * 7
    assert "x784" in texts(ax) and "x1" in texts(ax) and "x7" not in texts(ax) and "p10" in texts(ax)
    assert "784 units" in "\n".join(texts(ax))
    small = draw_network((784, 64, 10), max_units=20)
    assert texts(small).count("⋮") == 2 and len(units(small)) == 19 + 19 + 10


def test_without_bias_units_and_with_labels_of_ones_own():
    ax = draw_network((1, 1, 1), activations=["σ", "identity"], weight_labels=["w⁽¹⁾", "w⁽²⁾"],
                      unit_labels=[["x"], ["a"], ["ŷ"]], title="One neuron")
    assert ax.get_title() == "One neuron" and not bias_units(ax)
    assert {"x", "a", "ŷ", "w⁽¹⁾", "w⁽²⁾"} <= set(texts(ax))
    assert not any(t.startswith("b⁽") for t in texts(ax))        # no bias, no bias label


def test_shapes_for_one_example_per_column_and_subscripts():
    ax = draw_network((1, 6, 7, 2), bias=True, order="out-in")
    label = "\n".join(texts(ax))
    assert "W⁽¹⁾ (6, 1)" in label and "b⁽²⁾ (7, 1)" in label and "W⁽³⁾ (2, 7)" in label
    label = "\n".join(texts(draw_network((2, 2, 1), bias=True, index="subscript")))
    assert "W₁ (2, 2)" in label and "b₁ (1, 2)" in label and "W₂ (2, 1)" in label and "b₂ (1, 1)" in label
    with pytest.raises(ValueError):
        draw_network((2, 2, 1), index="below")


def test_an_axes_given_is_the_axes_drawn_into():
    fig, axes = plt.subplots(1, 2)
    assert draw_network((2, 1, 1), ax=axes[0]) is axes[0]
    assert draw_computational_graph(0.5, 0.1, ax=axes[1]) is axes[1]
    assert axes[1].get_title()


def test_inconsistent_labels_are_refused():
    with pytest.raises(ValueError):
        draw_network((1, 2, 1), activations=["σ"])
    with pytest.raises(ValueError):
        draw_network((1, 2, 1), unit_labels=[None, None])
    with pytest.raises(ValueError):
        draw_network((3,))


# --- The computational graph --------------------------------------------------------------------

def loss(x, y, w1, b1, w2, b2):
    """The one-neuron loss on one example, written independently of course.diagrams."""
    return (w2 / (1.0 + math.exp(-(w1 * x + b1))) + b2 - y) ** 2


def central(f, args, k, h=1e-6):
    up, down = list(args), list(args)
    up[k] += h
    down[k] -= h
    return (f(*up) - f(*down)) / (2 * h)


def shown(ax, kind):
    """{wire: number} of the labels the circuit shows for kind "value" or "gradient"."""
    out = {}
    for t in ax.texts:
        gid = t.get_gid() or ""
        if gid.startswith(kind + ":"):
            out[gid.split(":", 1)[1]] = float(t.get_text())
    return out


def close_to_digits(shown_value, exact, digits=4):
    """A label with ``digits`` significant digits is within half a unit of its last digit."""
    if exact == 0:
        return shown_value == 0
    unit = 10.0 ** (math.floor(math.log10(abs(exact))) - digits + 1)
    return abs(shown_value - exact) <= 0.51 * unit


POINTS = [(-0.4894, -0.4068, 1.0, 1.0, 1.0, 1.0), (0.7, 1.3, -0.5, 0.2, 2.0, -1.0),
          (2.0, -1.0, 3.0, -4.0, 0.5, 0.25), (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)]


@pytest.mark.parametrize("point", POINTS)
def test_the_circuit_shows_the_gradients_of_the_loss(point):
    ax = draw_computational_graph(*point)
    ax.figure.canvas.draw()
    assert ax.get_title() and "w⁽¹⁾ = " in ax.get_title()
    grads, values = shown(ax, "gradient"), shown(ax, "value")
    names = ["x", "y", "w1", "b1", "w2", "b2"]
    for k, name in enumerate(names):
        assert close_to_digits(grads[name], central(loss, point, k)), name
        assert close_to_digits(values[name], point[k]), name
    x, y, w1, b1, w2, b2 = point
    a1 = 1.0 / (1.0 + math.exp(-(w1 * x + b1)))
    e = w2 * a1 + b2 - y
    exact = {"w1x": w1 * x, "z1": w1 * x + b1, "a1": a1, "w2a1": w2 * a1, "y_hat": w2 * a1 + b2, "e": e,
             "L": e * e}
    for wire, value in exact.items():
        assert close_to_digits(values[wire], value), wire
    # Inner wires: the gradient with respect to an intermediate value, by nudging that value alone.
    after_z1 = lambda z: (w2 / (1 + math.exp(-z)) + b2 - y) ** 2       # noqa: E731
    after_a1 = lambda a: (w2 * a + b2 - y) ** 2                          # noqa: E731
    after_y_hat = lambda v: (v - y) ** 2                                 # noqa: E731
    for wire, f, at in [("w1x", lambda v: after_z1(v + b1), w1 * x), ("z1", after_z1, w1 * x + b1),
                        ("a1", after_a1, a1), ("w2a1", lambda v: after_y_hat(v + b2), w2 * a1),
                        ("y_hat", after_y_hat, w2 * a1 + b2), ("e", lambda v: v * v, e), ("L", lambda v: v, e * e)]:
        assert close_to_digits(grads[wire], central(f, [at], 0)), wire
    assert set(grads) == set(values) == set(one_neuron_circuit(*point))


def test_the_circuit_draws_from_the_inputs_not_from_typed_numbers():
    one = shown(draw_computational_graph(0.3, 0.1, 1.0, 1.0, 1.0, 1.0), "gradient")
    other = shown(draw_computational_graph(0.3, 0.1, 1.0, 1.0, 2.0, 1.0), "gradient")
    assert one["w1"] != other["w1"] and one["b2"] != other["b2"]
