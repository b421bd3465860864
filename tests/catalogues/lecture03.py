"""Lecture 3 (two moons): typical wrong answers and correct alternatives."""

import re

from tests.catalogues import Variant
from tests.course_repo import SOURCE, nbgrader_meta, read

ASSIGNMENT = "03_two_moons"
A = "a_from_scratch"
B = "b_vector_jacobian_products"

# ---- Lecture 3a --------------------------------------------------------------------------

LOG_LOSS = '''
def log_loss(y_pred, y):
    p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)
    return {body}
'''
LOG_LOSS_SWAPPED = '''
def log_loss(y, y_pred):
    p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)
    return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
'''

SIGMOID_LITERAL = '''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
'''

FEED_FORWARD_BIAS_FIRST = '''
def feed_forward(X, weights):
    W1, W2 = weights
    hidden = sigmoid(X @ W1)
    with_bias = np.hstack([np.ones((hidden.shape[0], 1)), hidden])
    return hidden, sigmoid(with_bias @ W2)
'''

SIGMOID_DERIVATIVE = '''
def sigmoid_derivative(z):
    {body}
'''

LOG_LOSS_DERIVATIVE = '''
def log_loss_derivative(y_pred, y):
    {body}
'''
LOG_LOSS_DER_OK = "p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)\n    return -y / p + (1.0 - y) / (1.0 - p)"

BACKPROP = '''
def backprop(weights, hidden, output, y, X):
    W1, W2 = weights
    hidden_with_bias = add_bias(hidden)
    delta2 = {delta2}
    grad_W2 = hidden_with_bias.T @ delta2
    delta1 = (delta2 @ {w2_rows}.T) * hidden * (1.0 - hidden)
    grad_W1 = X.T @ delta1
    return grad_W1, grad_W2
'''
SIMPLE = "output - y"

BACKPROP_EINSUM = '''
def backprop(weights, hidden, output, y, X):
    W1, W2 = weights
    error = output - y                      # log loss and sigmoid together
    grad_W2 = np.einsum("nh,no->ho", add_bias(hidden), error)
    back = np.einsum("no,ho->nh", error, W2[:hidden.shape[1]])
    grad_W1 = np.einsum("nd,nh->dh", X, back * hidden * (1.0 - hidden))
    return grad_W1, grad_W2
'''

GRADIENT_STEP_UPHILL = '''
def gradient_step(weights, grads, lr):
    return [w + lr * g for w, g in zip(weights, grads)]
'''

TRAIN = '''
def train(X, y, n_hidden=6, lr=0.05, steps=1000, seed=0):
    {start}
    weights = [W1, W2]
    losses = []
    for _ in range(steps):
        hidden, output = feed_forward(X, weights)
        {record}
        weights = gradient_step(weights, backprop(weights, hidden, output, y, X), lr)
    return weights, losses
'''
START_OK = ("rng = np.random.default_rng(seed)\n"
            "    W1 = rng.normal(size=(X.shape[1], n_hidden))\n"
            "    W2 = rng.normal(size=(n_hidden + 1, 1))")
RECORD_OK = "losses.append(float(np.sum(log_loss(output, y))))"

TRAIN_WHILE_LOOP = '''
def train(X, y, n_hidden=6, lr=0.05, steps=1000, seed=0):
    generator = np.random.default_rng(seed)
    W1 = generator.standard_normal((X.shape[1], n_hidden))
    W2 = generator.standard_normal((n_hidden + 1, 1))
    losses = []
    step = 0
    while step < steps:
        hidden, output = feed_forward(X, [W1, W2])
        losses.append(log_loss(output, y).sum().item())
        grad_W1, grad_W2 = backprop([W1, W2], hidden, output, y, X)
        W1, W2 = W1 - lr * grad_W1, W2 - lr * grad_W2
        step += 1
    return [W1, W2], losses
'''

TRAIN_LOSS_AFTER_UPDATE = '''
def train(X, y, n_hidden=6, lr=0.05, steps=1000, seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(X.shape[1], n_hidden)), rng.normal(size=(n_hidden + 1, 1))]
    losses = []
    for _ in range(steps):
        hidden, output = feed_forward(X, weights)
        weights = gradient_step(weights, backprop(weights, hidden, output, y, X), lr)
        losses.append(float(log_loss(feed_forward(X, weights)[1], y).sum()))
    return weights, losses
'''

TAMPER = BACKPROP.format(delta2="(output - y) / len(y)", w2_rows="W2[:-1]") + '''
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
'''

# ---- Lecture 3b --------------------------------------------------------------------------

MSE_BACKWARD = '''
def mse_backward(y_hat, y):
    return {body}
'''
MSE_BACKWARD_SWAPPED = '''
def mse_backward(y, y_hat):
    return 2.0 / y.shape[0] * (y_hat - y)
'''

MATMUL_WEIGHTS = '''
def matmul_backward_weights(a, delta):
    return {body}
'''

MATMUL_INPUT = '''
def matmul_backward_input(w, delta):
    return {body}
'''

RELU = '''
def relu_backward(z, grad_a):
    return {body}
'''

BIAS = '''
def backward_bias(X, y, params):
    cache = forward(X, params, "linear")
    delta2 = mse_backward(cache["z2"], y)
    delta1 = relu_backward(cache["z1"], matmul_backward_input(params["W2"], delta2))
    return {{"W1": matmul_backward_weights(X, delta1), "b1": delta1.{reduce}(axis=0, keepdims=True),
            "W2": matmul_backward_weights(cache["a1"], delta2), "b2": delta2.{reduce}(axis=0, keepdims=True)}}
'''

SIGMOID_MSE_NO_PRIME = '''
def backward_sigmoid_mse(X, y, params):
    cache = forward(X, params, "sigmoid")
    delta2 = mse_backward(cache["y_hat"], y)
    delta1 = relu_backward(cache["z1"], matmul_backward_input(params["W2"], delta2))
    return {"W1": matmul_backward_weights(X, delta1), "b1": delta1.sum(axis=0, keepdims=True),
            "W2": matmul_backward_weights(cache["a1"], delta2), "b2": delta2.sum(axis=0, keepdims=True)}
'''

BCE = '''
def bce_loss(y_hat, y):
    p = np.clip(y_hat, {eps}, 1.0 - {eps})
    return float({sign}np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
'''
BCE_SWAPPED = '''
def bce_loss(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1.0 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
'''
BCE_WHERE = '''
def bce_loss(y_hat, y):
    p = np.minimum(np.maximum(y_hat, 1e-12), 1 - 1e-12)
    per_point = np.where(y == 1, -np.log(p), -np.log(1 - p))
    return per_point.sum() / len(y)
'''

BCE_BACKWARD = '''
def backward_sigmoid_bce(X, y, params):
    cache = forward(X, params, "sigmoid")
    p = np.clip(cache["y_hat"], 1e-12, 1.0 - 1e-12)
    {delta2}
    grads = {{}}
    grads["W2"] = cache["a1"].T @ delta2
    grads["b2"] = np.sum(delta2, axis=0, keepdims=True)
    delta1 = np.where(cache["z1"] > 0, delta2 @ params["W2"].T, 0.0)
    grads["W1"] = X.T @ delta1
    grads["b1"] = np.sum(delta1, axis=0, keepdims=True)
    return grads
'''
# The loss's derivative times the sigmoid's, not simplified; right when the sigmoid's derivative
# is taken from the same clipped p (the product is then p - y to rounding) ...
BCE_CHAIN_CLIPPED = ("grad_y_hat = -(y / p - (1.0 - y) / (1.0 - p)) / len(y)\n"
                     "    delta2 = grad_y_hat * p * (1.0 - p)")
# ... and wrong when it is taken from the unclipped output: it vanishes for saturated outputs.
BCE_CHAIN_UNCLIPPED = ("grad_y_hat = -(y / p - (1.0 - y) / (1.0 - p)) / len(y)\n"
                       "    delta2 = grad_y_hat * cache[\"y_hat\"] * (1.0 - cache[\"y_hat\"])")

VARIANTS = [
    # Lecture 3a
    Variant("log loss without minus", A, {"log_loss": LOG_LOSS.format(body="y * np.log(p) + (1.0 - y) * np.log(1.0 - p)")}, True,
            ("test_log_loss",), "drops the minus sign of the log loss"),
    Variant("log loss with the old argument order", A, {"log_loss": LOG_LOSS_SWAPPED}, True,
            ("test_log_loss",), "takes (y, y_pred) instead of the prediction first"),
    Variant("log loss with where", A,
            {"log_loss": LOG_LOSS.format(body="np.where(y == 1, -np.log(p), -np.log(1 - p))")}, False,
            why="np.where on the label instead of the two-term formula"),
    Variant("literal sigmoid", A, {"sigmoid": SIGMOID_LITERAL}, False,
            why="1/(1+exp(-z)) written literally is correct (the tests silence overflow)"),
    Variant("bias column first", A, {"feed_forward": FEED_FORWARD_BIAS_FIRST}, True,
            ("test_feed_forward",), "puts the hidden bias column in front, against W2's last row"),
    Variant("sigmoid derivative of output", A,
            {"sigmoid_derivative": SIGMOID_DERIVATIVE.format(body="return z * (1.0 - z)")},
            True, ("test_sigmoid_derivative",), "applies s(1 - s) to z instead of sigmoid(z)"),
    Variant("sigmoid derivative through exp", A,
            {"sigmoid_derivative": SIGMOID_DERIVATIVE.format(body="e = np.exp(-np.abs(z))\n    return e / (1.0 + e) ** 2")},
            False, why="e^-|z| / (1 + e^-|z|)^2, the symmetric closed form"),
    Variant("log loss derivative sign", A,
            {"log_loss_derivative": LOG_LOSS_DERIVATIVE.format(
                body="p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)\n    return y / p - (1.0 - y) / (1.0 - p)")},
            True, ("test_log_loss_derivative",), "wrong sign of the log-loss derivative"),
    Variant("log loss derivative with the old argument order", A,
            {"log_loss_derivative": LOG_LOSS_DERIVATIVE.format(body=LOG_LOSS_DER_OK).replace(
                "log_loss_derivative(y_pred, y)", "log_loss_derivative(y, y_pred)")},
            True, ("test_log_loss_derivative",), "takes (y, y_pred) instead of the prediction first"),
    Variant("log loss derivative without the upper clip", A,
            {"log_loss_derivative": LOG_LOSS_DERIVATIVE.format(
                body="p = np.maximum(y_pred, 1e-12)\n    return -y / p + (1.0 - y) / (1.0 - p)")},
            True, ("test_log_loss_derivative",), "clips only from below: y_pred = 1 gives inf"),
    Variant("log loss derivative with another epsilon", A,
            {"log_loss_derivative": LOG_LOSS_DERIVATIVE.format(
                body="p = np.clip(y_pred, 2e-12, 1.0 - 2e-12)\n    return -y / p + (1.0 - y) / (1.0 - p)")},
            True, ("test_log_loss_derivative",), "clips at 2e-12: the edge values are off by a factor 2"),
    Variant("log loss derivative as one fraction", A,
            {"log_loss_derivative": LOG_LOSS_DERIVATIVE.format(
                body="p = np.minimum(np.maximum(y_pred, 1e-12), 1 - 1e-12)\n    return (p - y) / (p * (1 - p))")},
            False, why="(p - y) / (p (1 - p)), clipped with minimum/maximum"),
    Variant("bias row kept in backprop", A,
            {"backprop": BACKPROP.format(delta2=SIMPLE, w2_rows="W2")}, True,
            ("test_backprop",), "backpropagates through the output bias row"),
    Variant("backprop of the mean", A,
            {"backprop": BACKPROP.format(delta2="(output - y) / len(y)", w2_rows="W2[:-1]")}, True,
            ("test_backprop",), "gradient of the mean log loss, not the summed one"),
    Variant("backprop by the product of derivatives", A,
            {"backprop": BACKPROP.format(delta2="log_loss_derivative(output, y) * sigmoid_derivative(hidden_with_bias @ W2)",
                                         w2_rows="W2[:-1]")}, True,
            ("test_backprop",), "l'(y_hat, y) * sigma'(Z2): vanishes for confidently wrong outputs"),
    Variant("backprop by the product, clipped consistently", A,
            {"backprop": BACKPROP.format(
                delta2="log_loss_derivative(output, y) * np.clip(output, 1e-12, 1 - 1e-12) * (1 - np.clip(output, 1e-12, 1 - 1e-12))",
                w2_rows="W2[:-1]")}, False,
            why="the product with sigma' taken from the same clipped output is p - y to rounding"),
    Variant("backprop with einsum", A, {"backprop": BACKPROP_EINSUM}, False,
            why="output - y directly, einsum instead of matrix products"),
    Variant("gradient step uphill", A, {"gradient_step": GRADIENT_STEP_UPHILL}, True,
            ("test_gradient_step",), "adds the gradient instead of subtracting it"),
    Variant("train with while loop", A, {"train": TRAIN_WHILE_LOOP}, False,
            why="a while loop, standard_normal draws, separate W1, W2 updated in place of gradient_step"),
    Variant("train records the mean", A,
            {"train": TRAIN.format(start=START_OK, record="losses.append(float(np.mean(log_loss(output, y))))")}, True,
            ("test_train",), "records the mean log loss where the sum is documented"),
    Variant("train ignores its seed", A,
            {"train": TRAIN.format(start="W1 = rng.normal(size=(X.shape[1], n_hidden))\n    W2 = rng.normal(size=(n_hidden + 1, 1))",
                                   record=RECORD_OK)}, True,
            ("test_train",), "draws from the notebook's global rng instead of default_rng(seed)"),
    Variant("train draws W2 first", A,
            {"train": TRAIN.format(start="rng = np.random.default_rng(seed)\n    W2 = rng.normal(size=(n_hidden + 1, 1))\n"
                                         "    W1 = rng.normal(size=(X.shape[1], n_hidden))", record=RECORD_OK)}, True,
            ("test_train",), "draws W2 before W1, against the documented order"),
    Variant("train records the loss after the update", A, {"train": TRAIN_LOSS_AFTER_UPDATE}, True,
            ("test_train",), "losses[0] is the loss after the first step, not of the starting weights"),
    Variant("tamper with allclose", A, {"backprop": TAMPER}, True,
            ("test_backprop",), "wrong gradient plus np.allclose / assert_allclose replaced"),
    # Lecture 3b
    Variant("mse backward sign", B, {"mse_backward": MSE_BACKWARD.format(body="2.0 / y.shape[0] * (y - y_hat)")},
            True, ("test_mse_backward",), "flips the sign of d/dy_hat (y_hat - y)^2"),
    Variant("mse backward with the old argument order", B, {"mse_backward": MSE_BACKWARD_SWAPPED},
            True, ("test_mse_backward",), "takes (y, y_hat) instead of the prediction first"),
    Variant("mse backward divided by N twice", B,
            {"mse_backward": MSE_BACKWARD.format(body="2.0 / y.shape[0] ** 2 * (y_hat - y)")}, True,
            ("test_mse_backward",), "divides by N twice"),
    Variant("matmul weights without transpose", B,
            {"matmul_backward_weights": MATMUL_WEIGHTS.format(body="a @ delta")}, True,
            ("test_matmul_backward_weights",), "a1 @ delta2 instead of a1.T @ delta2"),
    Variant("matmul input without transpose", B,
            {"matmul_backward_input": MATMUL_INPUT.format(body="delta @ w")}, True,
            ("test_matmul_backward_input",), "delta @ w instead of delta @ w.T"),
    Variant("relu derivative at the gradient", B, {"relu_backward": RELU.format(body="(grad_a > 0) * grad_a")},
            True, ("test_relu_backward",), "evaluates the ReLU derivative at grad_a instead of z"),
    Variant("relu derivative 1 at zero", B, {"relu_backward": RELU.format(body="(z >= 0) * grad_a")},
            True, ("test_relu_backward",), "z >= 0: passes the gradient at z = 0, where the notebook says 0"),
    Variant("einsum and where", B,
            {"matmul_backward_weights": MATMUL_WEIGHTS.format(body='np.einsum("nk,nm->km", a, delta)'),
             "matmul_backward_input": MATMUL_INPUT.format(body='np.einsum("nm,km->nk", delta, w)'),
             "relu_backward": RELU.format(body="np.where(z > 0, grad_a, 0.0)")}, False,
            why="einsum for the products, np.where for the ReLU"),
    Variant("relu with heaviside", B, {"relu_backward": RELU.format(body="grad_a * np.heaviside(z, 0.0)")}, False,
            why="np.heaviside with the value 0 at z = 0"),
    Variant("bias gradient as mean", B, {"backward_bias": BIAS.format(reduce="mean")}, True,
            ("test_backward_bias",), "averages the incoming gradient for the bias instead of summing"),
    Variant("sigmoid output without derivative", B, {"backward_sigmoid_mse": SIGMOID_MSE_NO_PRIME}, True,
            ("test_backward_sigmoid_mse",), "forgets the sigmoid's derivative"),
    Variant("bce without minus", B, {"bce_loss": BCE.format(eps="1e-12", sign="")}, True,
            ("test_bce_loss",), "the formula without the minus sign in front"),
    Variant("bce with another epsilon", B, {"bce_loss": BCE.format(eps="1e-15", sign="-")}, True,
            ("test_bce_loss",), "clips at 1e-15 where the docstring fixes 1e-12"),
    Variant("bce with the old argument order", B, {"bce_loss": BCE_SWAPPED}, True,
            ("test_bce_loss",), "takes (y, y_hat) instead of the prediction first"),
    Variant("bce with where", B, {"bce_loss": BCE_WHERE}, False,
            why="minimum/maximum for the clip, np.where on the label, sum / N"),
    Variant("bce backward sign", B,
            {"backward_sigmoid_bce": BCE_BACKWARD.format(delta2="delta2 = (y - p) / len(y)")}, True,
            ("test_backward_sigmoid_bce",), "gradient of the cross-entropy without its minus sign"),
    Variant("bce backward by the product of derivatives", B,
            {"backward_sigmoid_bce": BCE_BACKWARD.format(delta2=BCE_CHAIN_UNCLIPPED)}, True,
            ("test_backward_sigmoid_bce",), "dL/dy_hat times the unclipped sigmoid derivative: vanishes when saturated"),
    Variant("bce backward by the chain rule, clipped consistently", B,
            {"backward_sigmoid_bce": BCE_BACKWARD.format(delta2=BCE_CHAIN_CLIPPED)}, False,
            why="loss derivative times sigmoid derivative of the same clipped p; inline products"),
]

# ---- Lecture 3b: how many parameters (Exercise 1) ------------------------------------------

COUNT = '''
def count_parameters(layer_sizes):
    {body}
'''
COUNT_PER_UNIT = '''
def count_parameters(layer_sizes):
    total = 0
    for k in range(1, len(layer_sizes)):
        total += (layer_sizes[k - 1] + 1) * layer_sizes[k]    # each unit: its inputs and its bias
    return total
'''
COUNT_NUMPY = '''
def count_parameters(layer_sizes):
    sizes = np.asarray(layer_sizes)
    return int(np.sum(sizes[:-1] * sizes[1:]) + np.sum(sizes[1:]))
'''

# ---- Lecture 3b: the autograd engine (Exercise 11) -----------------------------------------
# A variant is the model answer's whole class with one or more of its six solution regions (the
# backward rules of +, *, **, sigmoid, relu, then backward()) rewritten.

_REGION = re.compile(r"( *)### BEGIN SOLUTION\n(.*?)\1### END SOLUTION(?:\n|$)", re.S)
_REGIONS = ("add", "mul", "pow", "sigmoid", "relu", "backward")


def _model_answer(notebook, grade_id):
    nb = read(SOURCE / ASSIGNMENT / f"{notebook}.ipynb")
    return next(c.source for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def value_engine(**bodies):
    """The Value class of the model answer with the named regions replaced (bodies unindented)."""
    answer = _model_answer(B, "value_engine")
    regions = list(_REGION.finditer(answer))
    assert len(regions) == len(_REGIONS) and set(bodies) <= set(_REGIONS)
    out, last = [], 0
    for name, match in zip(_REGIONS, regions):
        indent = match.group(1)
        body = bodies.get(name)
        out.append(answer[last:match.start()])
        out.append(match.group(2) if body is None else
                   "".join(f"{indent}{line}\n" if line else "\n" for line in body.strip("\n").splitlines()))
        last = match.end()
    return "".join(out) + answer[last:]


POST_ORDER = """
order, seen = [], set()

def visit(node):
    if node not in seen:
        seen.add(node)
        for child in node._prev:
            visit(child)
        order.append(node)

visit(self)
self.grad = 1.0
for node in {order}:
    node._backward()
"""
BREADTH_FIRST = """
self.grad = 1.0
queue, seen = [self], {self}
while queue:
    node = queue.pop(0)
    node._backward()
    for child in node._prev:
        if child not in seen:
            seen.add(child)
            queue.append(child)
"""
RECURSIVE = """
self.grad = 1.0

def go(node):
    node._backward()
    for child in node._prev:
        go(child)

go(self)
"""
NO_SEED = """
order, seen = [], set()

def visit(node):
    if node not in seen:
        seen.add(node)
        for child in node._prev:
            visit(child)
        order.append(node)

visit(self)
for node in reversed(order):
    node._backward()
"""
KAHN = """
users, stack, seen = {}, [self], {self}   # users[v]: how many operations take v as an input
while stack:
    node = stack.pop()
    for child in node._prev:
        users[child] = users.get(child, 0) + 1
        if child not in seen:
            seen.add(child)
            stack.append(child)
self.grad = 1.0
ready = [self]
while ready:
    node = ready.pop()
    node._backward()
    for child in node._prev:
        users[child] -= 1
        if users[child] == 0:
            ready.append(child)
"""
ITERATIVE_DFS = """
order, done, stack = [], set(), [(self, False)]
while stack:
    node, expanded = stack.pop()
    if expanded:
        order.append(node)
    elif node not in done:
        done.add(node)
        stack.append((node, True))
        stack.extend((child, False) for child in node._prev if child not in done)
self.grad = 1.0
for node in order[::-1]:
    node._backward()
"""
VALUE_TESTS = ("test_value_rules", "test_value_backward")

VARIANTS += [
    Variant("count without biases", B, {"count_parameters": COUNT.format(
        body="return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))")}, True,
            ("test_count_parameters",), "counts the weights and forgets the biases"),
    Variant("count biases of the layer before", B, {"count_parameters": COUNT.format(
        body="return sum(a * b + a for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))")}, True,
            ("test_count_parameters",), "gives each layer the biases of the layer that feeds it"),
    Variant("count units", B, {"count_parameters": COUNT.format(body="return sum(layer_sizes)")}, True,
            ("test_count_parameters",), "counts the units instead of the parameters"),
    Variant("count a bias unit on both sides", B, {"count_parameters": COUNT.format(
        body="return sum((a + 1) * (b + 1) for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))")}, True,
            ("test_count_parameters",), "(n_in + 1)(n_out + 1): a bias unit added to the output side as well"),
    Variant("count the first layer only", B, {"count_parameters": COUNT.format(
        body="return layer_sizes[0] * layer_sizes[1] + layer_sizes[1]")}, True,
            ("test_count_parameters",), "counts the first layer of weights and biases and stops"),
    Variant("count per unit", B, {"count_parameters": COUNT_PER_UNIT}, False,
            why="(inputs + 1) per unit, in a loop over the layers"),
    Variant("count with numpy", B, {"count_parameters": COUNT_NUMPY}, False,
            why="array products and sums, an int from numpy"),
    Variant("autograd overwrites grad", B, {"value_engine": value_engine(
        add="self.grad = out.grad\nother.grad = out.grad",
        mul="self.grad = other.data * out.grad\nother.grad = self.data * out.grad")}, True,
            VALUE_TESTS, "+ and * assign (=) where they should add (+=): a value used twice keeps one share"),
    Variant("autograd breadth-first", B, {"value_engine": value_engine(backward=BREADTH_FIRST)}, True,
            ("test_value_backward",), "backward() goes breadth-first from the output, not in reverse topological order"),
    Variant("autograd recursion without a sort", B, {"value_engine": value_engine(backward=RECURSIVE)}, True,
            ("test_value_backward",), "backward() recurses into the inputs after each rule: shared values pass on more than once"),
    Variant("autograd order not reversed", B, {"value_engine": value_engine(backward=POST_ORDER.format(order="order"))}, True,
            ("test_value_backward",), "runs the rules in topological order, inputs first, instead of its reverse"),
    Variant("autograd output grad not 1", B, {"value_engine": value_engine(backward=NO_SEED)}, True,
            ("test_value_backward",), "backward() forgets self.grad = 1.0: every gradient stays 0"),
    Variant("autograd mul without chain factor", B, {"value_engine": value_engine(
        mul="self.grad += other.data\nother.grad += self.data")}, True,
            VALUE_TESTS, "the product's rule forgets the incoming out.grad"),
    Variant("autograd power rule n x^n", B, {"value_engine": value_engine(
        pow="self.grad += exponent * self.data ** exponent * out.grad")}, True,
            VALUE_TESTS, "the power rule as n x^n instead of n x^(n - 1)"),
    Variant("autograd sigmoid derivative at its input", B, {"value_engine": value_engine(
        sigmoid="self.grad += self.data * (1.0 - self.data) * out.grad")}, True,
            VALUE_TESTS, "x (1 - x) at the sigmoid's input instead of s (1 - s)"),
    Variant("autograd relu passes at zero", B, {"value_engine": value_engine(
        relu="self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad")}, True,
            VALUE_TESTS, "passes the gradient through the ReLU at exactly 0, where the text takes 0"),
    Variant("autograd kahn", B, {"value_engine": value_engine(backward=KAHN)}, False,
            why="Kahn's algorithm: count each value's users, release a value when all have passed back"),
    Variant("autograd iterative dfs and other rule styles", B, {"value_engine": value_engine(
        backward=ITERATIVE_DFS,
        mul="self.grad = self.grad + other.data * out.grad\nother.grad = other.grad + self.data * out.grad",
        sigmoid="s = 1.0 / (1.0 + math.exp(-self.data))\nself.grad += s * (1.0 - s) * out.grad",
        relu="if self.data > 0:\n    self.grad += out.grad",
        pow="self.grad += out.grad * exponent * self.data ** (exponent - 1)")}, False,
            why="an explicit stack instead of recursion; rules written as x = x + ..., if, math.exp"),
]
