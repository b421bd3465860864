"""Lecture 3 (two moons): typical wrong answers and correct alternatives."""

from tests.catalogues import Variant

ASSIGNMENT = "03_two_moons"
A = "a_from_scratch"
B = "b_vector_jacobian_products"

# ---- Part A ------------------------------------------------------------------------------

LOG_LOSS_NO_MINUS = '''
def log_loss(y, y_pred):
    p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)
    return y * np.log(p) + (1.0 - y) * np.log(1.0 - p)
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

DERIVATIVES = '''
def sigmoid_derivative(z):
    {sigmoid_body}


def log_loss_derivative(y, y_pred):
    p = np.clip(y_pred, 1e-12, 1.0 - 1e-12)
    {log_loss_body}
'''
SIGMOID_DER_OK = "s = sigmoid(z)\n    return s * (1.0 - s)"
LOG_LOSS_DER_OK = "return -y / p + (1.0 - y) / (1.0 - p)"

BACKPROP = '''
def backprop(weights, hidden, output, y, X):
    W1, W2 = weights
    hidden_with_bias = add_bias(hidden)
    delta_out = {delta_out}
    grad_W2 = hidden_with_bias.T @ delta_out
    delta_hidden = (delta_out @ {w2_rows}.T) * hidden * (1.0 - hidden)
    grad_W1 = X.T @ delta_hidden
    return grad_W1, grad_W2
'''
CHAIN = "log_loss_derivative(y, output) * output * (1.0 - output)"

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

TRAIN_WHILE_LOOP = '''
def train(X, y, n_hidden=4, lr=0.05, steps=1000, seed=0):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], n_hidden))
    W2 = rng.normal(size=(n_hidden + 1, 1))
    losses = []
    step = 0
    while step < steps:
        hidden, output = feed_forward(X, [W1, W2])
        losses.append(np.sum(log_loss(y, output)))
        grad_W1, grad_W2 = backprop([W1, W2], hidden, output, y, X)
        W1, W2 = gradient_step([W1, W2], [grad_W1, grad_W2], lr)
        step += 1
    return [W1, W2], losses
'''

TAMPER = BACKPROP.format(delta_out=f"({CHAIN}) / len(y)", w2_rows="W2[:-1]") + '''
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
'''

# ---- Part B ------------------------------------------------------------------------------

MSE_BACKWARD = '''
def mse_backward(y, z2):
    return {body}
'''

MATMUL_WEIGHTS = '''
def matmul_backward_weights(a, dz):
    return {body}
'''

MATMUL_INPUT = '''
def matmul_backward_input(w, dz):
    return {body}
'''

RELU = '''
def relu_backward(z, da):
    return {body}
'''

BIAS = '''
def backward_bias(X, y, params):
    cache = forward(X, params, "linear")
    dz2 = mse_backward(y, cache["z2"])
    dz1 = relu_backward(cache["z1"], matmul_backward_input(params["W2"], dz2))
    return {{"W1": matmul_backward_weights(X, dz1), "b1": dz1.{reduce}(axis=0, keepdims=True),
            "W2": matmul_backward_weights(cache["a1"], dz2), "b2": dz2.{reduce}(axis=0, keepdims=True)}}
'''

SIGMOID_MSE_NO_PRIME = '''
def backward_sigmoid_mse(X, y, params):
    cache = forward(X, params, "sigmoid")
    dz2 = mse_backward(y, cache["y_hat"])
    dz1 = relu_backward(cache["z1"], matmul_backward_input(params["W2"], dz2))
    return {"W1": matmul_backward_weights(X, dz1), "b1": dz1.sum(axis=0, keepdims=True),
            "W2": matmul_backward_weights(cache["a1"], dz2), "b2": dz2.sum(axis=0, keepdims=True)}
'''

BCE_NO_MINUS = '''
def bce_loss(y, y_hat):
    p = np.clip(y_hat, 1e-12, 1.0 - 1e-12)
    return float(np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
'''

BCE_BACKWARD = '''
def backward_sigmoid_bce(X, y, params):
    cache = forward(X, params, "sigmoid")
    p = np.clip(cache["y_hat"], 1e-12, 1.0 - 1e-12)
    {dz2}
    grads = {{}}
    grads["W2"] = cache["a1"].T @ dz2
    grads["b2"] = np.sum(dz2, axis=0, keepdims=True)
    dz1 = np.where(cache["z1"] > 0, dz2 @ params["W2"].T, 0.0)
    grads["W1"] = X.T @ dz1
    grads["b1"] = np.sum(dz1, axis=0, keepdims=True)
    return grads
'''
BCE_CHAIN = ("dy_hat = -(y / p - (1.0 - y) / (1.0 - p)) / len(y)\n"
             "    dz2 = dy_hat * p * (1.0 - p)")

VARIANTS = [
    # Part A
    Variant("log loss without minus", A, {"log_loss": LOG_LOSS_NO_MINUS}, True,
            ("test_log_loss",), "drops the minus sign of the log loss"),
    Variant("literal sigmoid", A, {"sigmoid": SIGMOID_LITERAL}, False,
            why="1/(1+exp(-z)) written literally is correct (the tests silence overflow)"),
    Variant("bias column first", A, {"feed_forward": FEED_FORWARD_BIAS_FIRST}, True,
            ("test_feed_forward",), "puts the hidden bias column in front, against W2's last row"),
    Variant("sigmoid derivative of output", A,
            {"derivatives": DERIVATIVES.format(sigmoid_body="return z * (1.0 - z)", log_loss_body=LOG_LOSS_DER_OK)},
            True, ("test_sigmoid_derivative",), "applies s(1 - s) to z instead of sigmoid(z)"),
    Variant("log loss derivative sign", A,
            {"derivatives": DERIVATIVES.format(sigmoid_body=SIGMOID_DER_OK, log_loss_body="return y / p - (1.0 - y) / (1.0 - p)")},
            True, ("test_log_loss_derivative",), "wrong sign of the log-loss derivative"),
    Variant("bias row kept in backprop", A,
            {"backprop": BACKPROP.format(delta_out=CHAIN, w2_rows="W2")}, True,
            ("test_backprop",), "backpropagates through the output bias row"),
    Variant("backprop of the mean", A,
            {"backprop": BACKPROP.format(delta_out=f"({CHAIN}) / len(y)", w2_rows="W2[:-1]")}, True,
            ("test_backprop",), "gradient of the mean log loss, not the summed one"),
    Variant("backprop with einsum", A, {"backprop": BACKPROP_EINSUM}, False,
            why="output - y directly, einsum instead of matrix products"),
    Variant("gradient step uphill", A, {"gradient_step": GRADIENT_STEP_UPHILL}, True,
            ("test_gradient_step",), "adds the gradient instead of subtracting it"),
    Variant("train with while loop", A, {"train": TRAIN_WHILE_LOOP}, False,
            why="a while loop and separate W1, W2 variables"),
    Variant("tamper with allclose", A, {"backprop": TAMPER}, True,
            ("test_backprop",), "wrong gradient plus np.allclose / assert_allclose replaced"),
    # Part B
    Variant("mse backward sign", B, {"mse_backward": MSE_BACKWARD.format(body="2.0 / y.shape[0] * (y - z2)")},
            True, ("test_mse_backward",), "drops the minus sign of d/dz (y - z)^2"),
    Variant("mse backward divided by N twice", B,
            {"mse_backward": MSE_BACKWARD.format(body="-2.0 / y.shape[0] ** 2 * (y - z2)")}, True,
            ("test_mse_backward",), "divides by N twice"),
    Variant("matmul weights without transpose", B,
            {"matmul_backward_weights": MATMUL_WEIGHTS.format(body="a @ dz")}, True,
            ("test_matmul_backward_weights",), "a1 @ dz2 instead of a1.T @ dz2"),
    Variant("matmul input without transpose", B,
            {"matmul_backward_input": MATMUL_INPUT.format(body="dz @ w")}, True,
            ("test_matmul_backward_input",), "dz @ w instead of dz @ w.T"),
    Variant("relu derivative at the gradient", B, {"relu_backward": RELU.format(body="(da > 0) * da")},
            True, ("test_relu_backward",), "evaluates the ReLU derivative at da instead of z"),
    Variant("einsum and where", B,
            {"matmul_backward_weights": MATMUL_WEIGHTS.format(body='np.einsum("nk,nm->km", a, dz)'),
             "matmul_backward_input": MATMUL_INPUT.format(body='np.einsum("nm,km->nk", dz, w)'),
             "relu_backward": RELU.format(body="np.where(z > 0, da, 0.0)")}, False,
            why="einsum for the products, np.where for the ReLU"),
    Variant("bias gradient as mean", B, {"backward_bias": BIAS.format(reduce="mean")}, True,
            ("test_backward_bias",), "averages the incoming gradient for the bias instead of summing"),
    Variant("sigmoid output without derivative", B, {"backward_sigmoid_mse": SIGMOID_MSE_NO_PRIME}, True,
            ("test_backward_sigmoid_mse",), "forgets the sigmoid's derivative"),
    Variant("bce without minus", B, {"bce_loss": BCE_NO_MINUS}, True,
            ("test_bce_loss",), "the seed's reminder formula, without the minus sign"),
    Variant("bce backward sign", B,
            {"backward_sigmoid_bce": BCE_BACKWARD.format(dz2="dz2 = (y - p) / len(y)")}, True,
            ("test_backward_sigmoid_bce",), "gradient of the cross-entropy without its minus sign"),
    Variant("bce backward by the chain rule", B,
            {"backward_sigmoid_bce": BCE_BACKWARD.format(dz2=BCE_CHAIN)}, False,
            why="loss derivative times sigmoid derivative, not simplified; inline products"),
]
