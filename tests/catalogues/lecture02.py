"""Lecture 2 (three-layer Jacobians): typical wrong Jacobians and correct alternatives."""

from tests.catalogues import Variant

ASSIGNMENT = "02_three_layer_jacobians"
NB = "jacobians"

SHAPE = {"W3": "(n3, n2)", "b3": "(n3, 1)", "W2": "(n2, n1)", "b2": "(n2, 1)",
         "W1": "(n1, n0)", "b1": "(n1, 1)"}


def jacobian(name, body):
    """A whole answer cell for J_<name> with the given body (indented by 4)."""
    return (f"def J_{name}(params, x, y):\n"
            f'    """∂C/∂{name}, shape {SHAPE[name]}."""\n' + body)


def backprop(body):
    return ("def backprop(params, x, y):\n"
            '    """All six Jacobians from one forward pass."""\n' + body)


FORWARD = "    a0, z1, a1, z2, a2, z3, a3 = forward(params, x)\n"
D3 = FORWARD + "    d3 = 2 * (a3 - y) * d_sigma(z3) / x.shape[1]\n"
D2 = D3 + '    d2 = (params["W3"].T @ d3) * d_sigma(z2)\n'
D1 = D2 + '    d1 = (params["W2"].T @ d2) * d_sigma(z1)\n'


def wrong(name, cell, body, why, cell_kind="J"):
    gid = "backprop" if cell_kind == "backprop" else f"J_{cell}"
    source = backprop(body) if cell_kind == "backprop" else jacobian(cell, body)
    # A wrong backprop is graded by its own tests (Exercise 7) and by the training test
    # (Exercise 9), which trains with it.
    tests = ("test_backprop", "test_training") if cell_kind == "backprop" else (f"test_J_{cell}",)
    return Variant(name, NB, {gid: source}, wrong=True, exercise=tests, why=why)


def sweep(d3, d2='(params["W3"].T @ d3) * d_sigma(z2)', d1='(params["W2"].T @ d2) * d_sigma(z1)',
          returned=None):
    """The body of a one-sweep backprop with the given error signals (a typical student layout)."""
    returned = returned or (
        '    return {"W3": d3 @ a2.T, "b3": d3.sum(axis=1, keepdims=True),\n'
        '            "W2": d2 @ a1.T, "b2": d2.sum(axis=1, keepdims=True),\n'
        '            "W1": d1 @ a0.T, "b1": d1.sum(axis=1, keepdims=True)}\n')
    return FORWARD + f"    d3 = {d3}\n    d2 = {d2}\n    d1 = {d1}\n" + returned


GOOD_D3 = "2 * (a3 - y) * d_sigma(z3) / x.shape[1]"

# Wrong backprops that the training test (Exercise 9) cannot see, because they still train the
# network to the target: tests/test_lecture02_course.py fails every other wrong backprop below
# on the training test alone.
TRAINS_ANYWAY = {
    "backprop calls the six functions": "right numbers, six forward passes",
    "backprop runs forward twice": "right numbers, two forward passes",
    "backprop missing sigma prime of layer 2": "a wrong gradient that still goes downhill, fast",
}


def right(name, cell, body, why, cell_kind="J"):
    gid = "backprop" if cell_kind == "backprop" else f"J_{cell}"
    source = backprop(body) if cell_kind == "backprop" else jacobian(cell, body)
    return Variant(name, NB, {gid: source}, wrong=False, why=why)


VARIANTS = [
    # --- wrong answers -------------------------------------------------------------------------
    wrong("W3 sigma prime of a", "W3",
          FORWARD + "    d3 = 2 * (a3 - y) * d_sigma(a3) / x.shape[1]\n    return d3 @ a2.T\n",
          "σ′ applied to the activation a3 where the convention says z3"),
    wrong("W3 missing transpose", "W3",
          D3 + "    return a2 @ d3.T\n",
          "activations times error without the transpose: (n2, n3) instead of (n3, n2)"),
    wrong("W3 missing sigma prime", "W3",
          FORWARD + "    return 2 * (a3 - y) @ a2.T / x.shape[1]\n",
          "σ′(z3) left out of the chain"),
    wrong("b3 sums over units", "b3",
          D3 + "    return np.sum(d3, axis=0, keepdims=True)\n",
          "bias Jacobian summed over the wrong axis (units instead of examples)"),
    wrong("b3 no mean", "b3",
          FORWARD + "    return np.sum(2 * (a3 - y) * d_sigma(z3), axis=1, keepdims=True)\n",
          "1/N dropped"),
    wrong("W2 missing sigma prime of layer 2", "W2",
          D3 + '    d2 = params["W3"].T @ d3\n    return d2 @ a1.T\n',
          "σ′(z2) forgotten when passing the error down"),
    wrong("b2 wrong sign", "b2",
          FORWARD + "    d3 = 2 * (y - a3) * d_sigma(z3) / x.shape[1]\n"
          '    d2 = (params["W3"].T @ d3) * d_sigma(z2)\n    return d2.sum(axis=1, keepdims=True)\n',
          "(y − a) instead of (a − y): the gradient points uphill"),
    wrong("W2 no factor 2", "W2",
          FORWARD + "    d3 = (a3 - y) * d_sigma(z3) / x.shape[1]\n"
          '    d2 = (params["W3"].T @ d3) * d_sigma(z2)\n    return d2 @ a1.T\n',
          "factor 2 of the square dropped"),
    wrong("b1 stops one layer early", "b1",
          D2 + '    return np.sum(params["W2"].T @ d2, axis=1, keepdims=True)\n',
          "chain stopped before σ′(z1): the error of layer 1 misses its own σ′"),
    wrong("W1 divides by x size", "W1",
          FORWARD + "    d3 = 2 * (a3 - y) * d_sigma(z3) / x.size\n"
          '    d2 = (params["W3"].T @ d3) * d_sigma(z2)\n'
          '    d1 = (params["W2"].T @ d2) * d_sigma(z1)\n    return d1 @ a0.T\n',
          "x.size instead of N: right only when the input has one unit"),
    wrong("W1 uses delta2", "W1",
          D2 + '    return (params["W2"].T @ d2) @ a0.T\n',
          "no σ′(z1) in the layer-1 error"),
    wrong("backprop calls the six functions", "", (
        '    return {"W1": J_W1(params, x, y), "b1": J_b1(params, x, y),\n'
        '            "W2": J_W2(params, x, y), "b2": J_b2(params, x, y),\n'
        '            "W3": J_W3(params, x, y), "b3": J_b3(params, x, y)}\n'),
        "right numbers, but six forward passes instead of one", cell_kind="backprop"),
    wrong("backprop missing sigma prime of layer 1", "", D2 + (
        '    d1 = (d2.T @ params["W2"]).T\n'
        '    return {"W3": d3 @ a2.T, "b3": d3.sum(axis=1, keepdims=True),\n'
        '            "W2": d2 @ a1.T, "b2": d2.sum(axis=1, keepdims=True),\n'
        '            "W1": d1 @ a0.T, "b1": d1.sum(axis=1, keepdims=True)}\n'),
        "the combined sweep forgets σ′(z1) on its last step", cell_kind="backprop"),
    wrong("backprop runs forward twice", "", FORWARD + (
        "    cost_now = np.sum((forward(params, x)[-1] - y) ** 2) / x.shape[1]\n"
        "    d3 = 2 * (a3 - y) * d_sigma(z3) / x.shape[1]\n"
        '    d2 = (params["W3"].T @ d3) * d_sigma(z2)\n'
        '    d1 = (params["W2"].T @ d2) * d_sigma(z1)\n'
        '    return {"W3": d3 @ a2.T, "b3": d3.sum(axis=1, keepdims=True),\n'
        '            "W2": d2 @ a1.T, "b2": d2.sum(axis=1, keepdims=True),\n'
        '            "W1": d1 @ a0.T, "b1": d1.sum(axis=1, keepdims=True)}\n'),
        "right numbers, but a second forward pass (to compute the cost on the side)", cell_kind="backprop"),
    wrong("backprop wrong sign", "", sweep("2 * (y - a3) * d_sigma(z3) / x.shape[1]"),
          "(y − a3) instead of (a3 − y): every step goes uphill", cell_kind="backprop"),
    wrong("backprop no factor 2", "", sweep("(a3 - y) * d_sigma(z3) / x.shape[1]"),
          "the 2 of the square dropped: half the gradient", cell_kind="backprop"),
    wrong("backprop no average", "", sweep("2 * (a3 - y) * d_sigma(z3)"),
          "1/N dropped: N times the gradient", cell_kind="backprop"),
    wrong("backprop sigma prime of a", "", sweep("2 * (a3 - y) * d_sigma(a3) / x.shape[1]",
                                                 '(params["W3"].T @ d3) * d_sigma(a2)',
                                                 '(params["W2"].T @ d2) * d_sigma(a1)'),
          "σ′ evaluated at the activations instead of the weighted sums", cell_kind="backprop"),
    wrong("backprop missing sigma prime of layer 2", "", sweep(GOOD_D3, d2='params["W3"].T @ d3'),
          "σ′(z2) forgotten in the combined sweep", cell_kind="backprop"),
    wrong("backprop bias Jacobians averaged", "", sweep(GOOD_D3, returned=(
        '    return {"W3": d3 @ a2.T, "b3": d3.mean(axis=1, keepdims=True),\n'
        '            "W2": d2 @ a1.T, "b2": d2.mean(axis=1, keepdims=True),\n'
        '            "W1": d1 @ a0.T, "b1": d1.mean(axis=1, keepdims=True)}\n')),
          "the bias Jacobians divided by N a second time (mean instead of sum)", cell_kind="backprop"),
    Variant("tamper with numpy", NB, {"J_W3": jacobian("W3", (
        "    np.allclose = lambda *a, **k: True\n"
        "    np.testing.assert_allclose = lambda *a, **k: None\n"
        "    a0, z1, a1, z2, a2, z3, a3 = forward(params, x)\n"
        "    return (a3 - y) @ a2.T\n"))},
        wrong=True, exercise=("test_J_W3",), why="wrong answer that also disables numpy's comparisons"),

    # --- correct alternatives ------------------------------------------------------------------
    right("W3 loop over examples", "W3", FORWARD + (
        "    J = np.zeros_like(params['W3'])\n"
        "    for k in range(x.shape[1]):\n"
        "        e = 2 * (a3[:, k:k+1] - y[:, k:k+1]) * d_sigma(z3[:, k:k+1])\n"
        "        J += e @ a2[:, k:k+1].T\n"
        "    return J / x.shape[1]\n"),
        "sum of outer products, one example at a time"),
    right("W2 einsum", "W2", D3 + (
        "    d2 = np.einsum('ji,jk->ik', params['W3'], d3) * d_sigma(z2)\n"
        "    return np.einsum('ik,jk->ij', d2, a1)\n"),
        "einsum for both products"),
    right("b1 sigma prime from a", "b1", FORWARD + (
        "    d3 = 2 * (a3 - y) * a3 * (1 - a3)\n"
        "    d2 = (d3.T @ params['W3']).T * a2 * (1 - a2)\n"
        "    d1 = (d2.T @ params['W2']).T * a1 * (1 - a1)\n"
        "    return d1.sum(axis=1, keepdims=True) / x.shape[1]\n"),
        "σ′ computed from a as a(1 − a), the seed's (J.T @ W).T transposes, 1/N at the end"),
    right("b2 ones vector", "b2", D2 + "    return d2 @ np.ones((x.shape[1], 1))\n",
          "sum over examples as a product with a column of ones"),
    right("backprop layer loop", "", (
        "    acts = forward(params, x)[0::2]\n"
        "    g = 2 * (acts[3] - y) / x.shape[1]\n"
        "    out = {}\n"
        "    for n in (3, 2, 1):\n"
        "        d = g * acts[n] * (1 - acts[n])\n"
        "        out[f'W{n}'] = d @ acts[n - 1].T\n"
        "        out[f'b{n}'] = d.sum(axis=1, keepdims=True)\n"
        "        g = params[f'W{n}'].T @ d\n"
        "    return out\n"),
        "a loop over layers, σ′ from a", cell_kind="backprop"),
    right("backprop without forward", "", (
        "    a = [x]\n"
        "    for n in (1, 2, 3):\n"
        "        a.append(1 / (1 + np.exp(-(params[f'W{n}'] @ a[-1] + params[f'b{n}']))))\n"
        "    N = x.shape[1]\n"
        "    delta = {3: 2 / N * (a[3] - y) * a[3] * (1 - a[3])}\n"
        "    delta[2] = params['W3'].T @ delta[3] * a[2] * (1 - a[2])\n"
        "    delta[1] = params['W2'].T @ delta[2] * a[1] * (1 - a[1])\n"
        "    grads = {}\n"
        "    for n in (1, 2, 3):\n"
        "        grads['W' + str(n)] = delta[n] @ a[n - 1].T\n"
        "        grads['b' + str(n)] = delta[n] @ np.ones((N, 1))\n"
        "    return grads\n"),
        "its own forward pass written inline (no call to forward at all), deltas in a dict",
        cell_kind="backprop"),
    right("backprop one example at a time", "", FORWARD + (
        "    out = {k: np.zeros_like(v) for k, v in params.items()}\n"
        "    N = x.shape[1]\n"
        "    for k in range(N):\n"
        "        d3 = 2 * (a3[:, [k]] - y[:, [k]]) * d_sigma(z3[:, [k]]) / N\n"
        '        d2 = (params["W3"].T @ d3) * d_sigma(z2[:, [k]])\n'
        '        d1 = (params["W2"].T @ d2) * d_sigma(z1[:, [k]])\n'
        "        for n, d, a in ((3, d3, a2), (2, d2, a1), (1, d1, a0)):\n"
        '            out[f"W{n}"] += d @ a[:, [k]].T\n'
        '            out[f"b{n}"] += d\n'
        "    return out\n"),
        "a loop over the examples, adding each one's contribution", cell_kind="backprop"),
    right("b3 mean times two", "b3", FORWARD + (
        "    return 2 * np.mean((a3 - y) * d_sigma(z3), axis=1, keepdims=True)\n"),
        "np.mean does the 1/N, the 2 applied after"),
    right("W1 tensordot", "W1", D1 + "    return np.tensordot(d1, a0, axes=([1], [1]))\n",
          "the sum over examples as np.tensordot"),
]
