"""Pictures of networks, drawn with matplotlib from numbers alone (no image files).

- ``draw_network(sizes, ...)``: a feed-forward network from its layer sizes: units, edges, bias
  units if asked, each layer labelled with its activation and the shapes of its parameters.
- ``draw_computational_graph(x, y, w1, b1, w2, b2)``: Lecture 1's one-neuron network
  ŷ = w₂σ(w₁x + b₁) + b₂ with the squared error (ŷ − y)² as a circuit of simple gates, with the
  forward value above each wire and the gradient of the loss with respect to it below.

Rule for both: they draw into ``ax`` if one is given, otherwise into a new figure, and return
that matplotlib Axes (its figure is ``ax.figure``). Every drawing has a title.
"""

import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Rectangle

from course.activations import sigmoid

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
VALUE_COLOUR, GRADIENT_COLOUR = "tab:green", "tab:red"


def parameter_labels(sizes, order="in-out", index="superscript"):
    """Default labels "W⁽ˡ⁾ (shape)" and "b⁽ˡ⁾ (shape)" for the layers after the input.

    order: "in-out" for W⁽ˡ⁾ of shape (n_in, n_out), bias (1, n_out) (one example per row);
           "out-in" for W⁽ˡ⁾ of shape (n_out, n_in), bias (n_out, 1) (one example per column).
    index: "superscript" writes the layer as W⁽¹⁾, "subscript" as W₁.
    Returns two lists of len(sizes) − 1 strings.
    """
    if order not in ("in-out", "out-in") or index not in ("superscript", "subscript"):
        raise ValueError("order is 'in-out' or 'out-in'; index is 'superscript' or 'subscript'")
    weights, biases = [], []
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        tag = (f"⁽{str(layer).translate(SUPERSCRIPTS)}⁾" if index == "superscript"
               else str(layer).translate(SUBSCRIPTS))
        w_shape, b_shape = ((n_in, n_out), (1, n_out)) if order == "in-out" else ((n_out, n_in), (n_out, 1))
        weights.append(f"W{tag} {w_shape}")
        biases.append(f"b{tag} {b_shape}")
    return weights, biases


def _shown_units(size, max_units):
    """Indices (0-based) of the units drawn for a layer of ``size``; None marks the ellipsis."""
    if size <= max_units:
        return list(range(size))
    return list(range(max_units - 2)) + [None, size - 1]


def draw_network(sizes, activations=None, weight_labels=None, bias=False, bias_labels=None,
                 unit_labels=None, layer_names=None, order="in-out", index="superscript", max_units=8,
                 title=None, ax=None):
    """Draw a feed-forward network from its layer sizes and return the Axes.

    sizes:         units per layer, input first, e.g. (1, 5, 1) or (784, 64, 10).
    activations:   one label per layer after the input, e.g. ("σ", "identity"), or None.
    weight_labels: one label per layer after the input (default "W⁽ˡ⁾ (shape)", see ``order``).
    bias:          True draws a bias unit "+1" in every layer but the last, wired to every unit of
                   the next layer; False draws none.
    bias_labels:   one label per layer after the input (default "b⁽ˡ⁾ (shape)"); shown if bias.
    unit_labels:   one entry per layer: None, a list of one label per unit, or a template such as
                   "x{}" filled with the unit's number (1, 2, ...).
    layer_names:   one name per layer (default "input", "hidden", "hidden 2", ..., "output").
    order:         shapes of the default labels: "in-out", W (n_in, n_out) and b (1, n_out), as
                   with one example per row; "out-in", W (n_out, n_in) and b (n_out, 1).
    index:         the layer number of the default labels: "superscript" (W⁽¹⁾) or "subscript" (W₁).
    max_units:     a layer with more units shows max_units − 2 of them, a "⋮" and its last unit.
    title:         the title (default "A 1-5-1 network", from the sizes).
    """
    sizes = list(map(int, sizes))
    n = len(sizes)
    if n < 2 or min(sizes) < 1 or max_units < 3:
        raise ValueError("at least two layers of at least one unit each, and max_units >= 3")
    default_w, default_b = parameter_labels(sizes, order, index)
    weight_labels = list(weight_labels or default_w)
    bias_labels = list(bias_labels or default_b)
    activations = list(activations) if activations is not None else [None] * (n - 1)
    unit_labels = list(unit_labels) if unit_labels is not None else [None] * n
    if layer_names is None:
        hidden = ["hidden"] if n == 3 else [f"hidden {k}" for k in range(1, n - 1)]
        layer_names = ["input", *hidden, "output"]
    for name, given in [("activations", activations), ("weight_labels", weight_labels),
                        ("bias_labels", bias_labels)]:
        if len(given) != n - 1:
            raise ValueError(f"{name} needs one entry per layer after the input ({n - 1})")
    if len(unit_labels) != n or len(layer_names) != n:
        raise ValueError(f"unit_labels and layer_names need one entry per layer ({n})")

    shown = [_shown_units(s, max_units) for s in sizes]
    rows = max(len(u) for u in shown) + (1 if bias else 0)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6 * n + 1.0, 0.55 * rows + 2.2))
    radius, dx = 0.22, 2.4
    positions = []   # per layer: [(unit index or None, x, y)]
    for layer, units in enumerate(shown):
        top = (len(units) - 1) / 2
        positions.append([(u, layer * dx, top - k) for k, u in enumerate(units)])
    bias_y = -(rows - 1) / 2 - 0.35

    # Edges first, so that the units are drawn over them.
    for layer in range(1, n):
        many = len(positions[layer - 1]) * len(positions[layer]) > 30
        for u, x0, y0 in positions[layer - 1]:
            for v, x1, y1 in positions[layer]:
                if u is not None and v is not None:
                    ax.plot([x0, x1], [y0, y1], color="0.55", lw=0.6 if many else 1.0, zorder=1)
        if bias:
            bx = (layer - 1) * dx
            for v, x1, y1 in positions[layer]:
                if v is not None:
                    ax.plot([bx, x1], [bias_y, y1], color="tab:orange", lw=0.8, ls="--", zorder=1)
    for layer, units in enumerate(positions):
        label = unit_labels[layer]
        for u, x0, y0 in units:
            if u is None:
                ax.text(x0, y0, "⋮", ha="center", va="center", fontsize=16)
                continue
            ax.add_patch(Circle((x0, y0), radius, facecolor="white" if 0 < layer < n - 1 else "0.9",
                                edgecolor="black", zorder=2))
            text = label[u] if isinstance(label, (list, tuple)) else label.format(u + 1) if label else ""
            if text:
                shown = len(re.sub(r"[$^_{}()]|\\hat ", "", text))     # characters a mathtext label shows
                ax.text(x0, y0, text, ha="center", va="center", fontsize=10 if shown <= 1 else 8 if shown <= 3 else 7,
                        zorder=3)
        if bias and layer < n - 1:
            ax.add_patch(Rectangle((layer * dx - radius, bias_y - radius), 2 * radius, 2 * radius,
                                   facecolor="moccasin", edgecolor="tab:orange", zorder=2))
            ax.text(layer * dx, bias_y, "+1", ha="center", va="center", fontsize=8, zorder=3)

    top = (rows - 1) / 2 + 0.9
    for layer in range(n):
        ax.text(layer * dx, top, f"{layer_names[layer]}\n{sizes[layer]} unit{'s' if sizes[layer] > 1 else ''}",
                ha="center", va="bottom", fontsize=9, fontweight="bold")
        if layer:
            lines = [weight_labels[layer - 1]] + ([bias_labels[layer - 1]] if bias else [])
            ax.text((layer - 0.5) * dx, top - 0.2, "\n".join(lines), ha="center", va="top", fontsize=9,
                    bbox=dict(boxstyle="round,pad=0.25", facecolor="white", edgecolor="0.8"), zorder=4)
            if activations[layer - 1]:
                ax.text(layer * dx, bias_y - 0.5, f"activation\n{activations[layer - 1]}", ha="center",
                        va="top", fontsize=9, style="italic")
    ax.set_xlim(-0.9, (n - 1) * dx + 0.9)
    ax.set_ylim(bias_y - 1.2, top + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"A {'-'.join(map(str, sizes))} network")
    return ax


def one_neuron_circuit(x, y, w1, b1, w2, b2):
    """Forward values and gradients of L = (w2·σ(w1·x + b1) + b2 − y)² on one example (numbers).

    Returns {wire: (value, ∂L/∂value)} for the wires x, w1, b1, w2, b2, y, "w1x" (w1·x),
    "z1" (w1·x + b1), "a1" (σ(z1)), "w2a1" (w2·a1), "y_hat", "e" (ŷ − y) and "L" (e²).
    """
    w1x = w1 * x
    z1 = w1x + b1
    a1 = float(sigmoid(z1))
    w2a1 = w2 * a1
    y_hat = w2a1 + b2
    e = y_hat - y
    # Backward, gate by gate: each gradient is the one after it times the gate's local derivative.
    g_e = 2 * e                      # L = e²
    g_y_hat, g_y = g_e, -g_e         # e = ŷ − y
    g_w2a1, g_b2 = g_y_hat, g_y_hat  # ŷ = w2a1 + b2
    g_w2, g_a1 = g_w2a1 * a1, g_w2a1 * w2
    g_z1 = g_a1 * a1 * (1 - a1)      # σ′(z1) = a1(1 − a1)
    g_w1x, g_b1 = g_z1, g_z1         # z1 = w1x + b1
    g_w1, g_x = g_w1x * x, g_w1x * w1
    names = ["x", "w1", "b1", "w2", "b2", "y", "w1x", "z1", "a1", "w2a1", "y_hat", "e", "L"]
    values = [x, w1, b1, w2, b2, y, w1x, z1, a1, w2a1, y_hat, e, e * e]
    grads = [g_x, g_w1, g_b1, g_w2, g_b2, g_y, g_w1x, g_z1, g_a1, g_w2a1, g_y_hat, g_e, 1.0]
    return {k: (float(v), float(g)) for k, v, g in zip(names, values, grads)}


def draw_computational_graph(x, y, w1=1.0, b1=1.0, w2=1.0, b2=1.0, digits=4, title=None, ax=None):
    """Draw ŷ = w2·σ(w1·x + b1) + b2 and L = (ŷ − y)² on one example as a circuit; return the Axes.

    x, y: one example (numbers); w1, b1, w2, b2: the parameters (numbers).
    Above each wire: its forward value (green); below: ∂L/∂(that value) (red), both computed
    here by ``one_neuron_circuit`` and shown to ``digits`` significant digits. Each of these
    labels carries a gid "value:<wire>" or "gradient:<wire>" (wire names as in one_neuron_circuit).
    """
    wires = one_neuron_circuit(float(x), float(y), float(w1), float(b1), float(w2), float(b2))
    if ax is None:
        _, ax = plt.subplots(figsize=(14, 4.6))
    gates = {"mul1": (0.0, 0, "×"), "add1": (2.0, 0, "+"), "sig": (4.0, 0, "σ"), "mul2": (6.0, 0, "×"),
             "add2": (8.0, 0, "+"), "sub": (10.0, 0, "−"), "sq": (12.0, 0, "( )²")}
    leaves = {"x": (-2.0, -1.3, "$x$"), "w1": (-2.0, 1.3, "$w^{(1)}$"), "b1": (0.8, 2.1, "$b^{(1)}$"),
              "w2": (4.8, 2.1, "$w^{(2)}$"), "b2": (6.8, 2.1, "$b^{(2)}$"), "y": (8.8, 2.1, "$y$")}
    # (wire, from, to): a leaf or a gate at each end; "out" is the loss on the right.
    edges = [("x", "x", "mul1"), ("w1", "w1", "mul1"), ("w1x", "mul1", "add1"), ("b1", "b1", "add1"),
             ("z1", "add1", "sig"), ("a1", "sig", "mul2"), ("w2", "w2", "mul2"), ("w2a1", "mul2", "add2"),
             ("b2", "b2", "add2"), ("y_hat", "add2", "sub"), ("y", "y", "sub"), ("e", "sub", "sq"),
             ("L", "sq", "out")]
    where = {**{k: v[:2] for k, v in gates.items()}, **{k: v[:2] for k, v in leaves.items()}, "out": (13.6, 0)}
    names = {"w1x": "$w^{(1)}x$", "z1": "$z^{(1)}$", "a1": "$a^{(1)}$", "w2a1": "$w^{(2)}a^{(1)}$",
             "y_hat": r"$\hat y$", "e": r"$\hat y - y$", "L": r"$\mathcal{L}$"}
    fmt = f"{{:.{int(digits)}g}}"
    for wire, start, end in edges:
        (x0, y0), (x1, y1) = where[start], where[end]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color="0.3", lw=1.2, shrinkA=14, shrinkB=14))
        dx, dy = x1 - x0, y1 - y0
        normal = np.array([-dy, dx]) / np.hypot(dx, dy)
        if normal[1] < 0:
            normal = -normal
        # On a wire from a leaf the labels sit near the leaf, clear of the chain's own labels.
        mid = np.array([x0, y0]) + (0.4 if start in leaves else 0.5) * np.array([dx, dy])
        value, gradient = wires[wire]
        for sign, text, colour, kind in [(1, fmt.format(value), VALUE_COLOUR, "value"),
                                         (-1, fmt.format(gradient), GRADIENT_COLOUR, "gradient")]:
            ax.text(*(mid + sign * 0.27 * normal), text, color=colour, ha="center", va="center", fontsize=10,
                    fontweight="bold", gid=f"{kind}:{wire}", zorder=3)
        if wire in names:
            ax.text(*(mid + 0.62 * normal), names[wire], ha="center", va="center", fontsize=10, color="0.35")
    for key, (gx, gy, symbol) in gates.items():
        ax.add_patch(Circle((gx, gy), 0.32, facecolor="lightsteelblue", edgecolor="black", zorder=2))
        ax.text(gx, gy, symbol, ha="center", va="center", fontsize=11, zorder=3)
    for key, (lx, ly, label) in leaves.items():
        ax.text(lx, ly, label, ha="center", va="center", fontsize=12, zorder=3,
                bbox=dict(boxstyle="round,pad=0.3", facecolor="0.92", edgecolor="0.5"))
    ax.text(13.75, 0, r"$\mathcal{L}$", ha="left", va="center", fontsize=13)
    ax.text(-2.3, -2.3, "above each wire: its value (forward pass)", color=VALUE_COLOUR, fontsize=10)
    ax.text(5.0, -2.3, "below each wire: the gradient of the loss with respect to it (backward pass)",
            color=GRADIENT_COLOUR, fontsize=10)
    ax.set_xlim(-2.6, 14.4)
    ax.set_ylim(-2.6, 2.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or (f"One neuron on one example (x = {fmt.format(float(x))}, y = {fmt.format(float(y))}) "
                           f"at w⁽¹⁾ = {float(w1):g}, b⁽¹⁾ = {float(b1):g}, w⁽²⁾ = {float(w2):g}, b⁽²⁾ = {float(b2):g}"))
    return ax
