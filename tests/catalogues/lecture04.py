"""Lecture 4 (XOR, Layer/NN library, digits): typical wrong answers and correct alternatives.

Most wrong answers are the solved cell with one slip edited in (``_edit`` fails loudly if the
solution changes so that the slip can no longer be placed); correct alternatives are written out.
"""

from tests.catalogues import Variant
from tests.course_repo import SOURCE, nbgrader_meta, read

ASSIGNMENT = "04_digits"
NB = "xor_library_digits"
_CELLS = {nbgrader_meta(c).get("grade_id"): c.source
          for c in read(SOURCE / ASSIGNMENT / f"{NB}.ipynb").cells}


def _edit(grade_id, old, new):
    source = _CELLS[grade_id]
    assert source.count(old) == 1, f"{grade_id}: {old!r} should occur once"
    return {grade_id: source.replace(old, new)}


def wrong(name, edits, exercise, why):
    return Variant(name, NB, edits, wrong=True, exercise=exercise, why=why)


GLOROT = ("test_glorot",)
LAYER_BACKWARD = ("test_layer_backward",)
TRAIN = ("test_train", "test_xor_learned")

TAMPER = '''
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
''' + _CELLS["layer"].replace("self.dW = self.X.T @ delta", "self.dW = self.X.T @ delta / len(delta)")

# ---- correct alternatives -----------------------------------------------------------------

ALT_GLOROT = '''
def glorot_bound(fan_in, fan_out):
    return (6 / (fan_in + fan_out)) ** 0.5


def glorot_uniform(fan_in, fan_out, rng):
    r = glorot_bound(fan_in, fan_out)
    return (2.0 * rng.random((fan_in, fan_out)) - 1.0) * r
'''

ALT_FORWARD = '''
def forward_xor(X, W1, W2):
    Z1 = np.einsum("ni,ih->nh", X, W1)
    X2 = np.where(Z1 > 0, Z1, 0.0)
    Z2 = np.einsum("nh,ho->no", X2, W2)
    Y_hat = sigmoid(Z2)
    return Z1, X2, Z2, Y_hat
'''

ALT_ACTIVATIONS = '''
from scipy.special import softmax as _scipy_softmax


def relu(Z):
    return Z * (Z > 0)


def relu_backward(Z, grad):
    return np.where(Z > 0, grad, 0.0)


def sigmoid_backward(Z, grad):
    return grad * sigmoid(Z) * sigmoid(-Z)      # 1 - σ(z) = σ(-z)


def softmax(Z):
    return _scipy_softmax(Z, axis=1)


def softmax_backward(Z, grad):
    S = softmax(Z)
    # the full Jacobian per row: J[n, k, j] = s_k ([k = j] - s_j)
    J = np.einsum("nk,kj->nkj", S, np.eye(Z.shape[1])) - np.einsum("nk,nj->nkj", S, S)
    return np.einsum("nk,nkj->nj", grad, J)
'''

ALT_LAYER = '''
class Layer:
    def __init__(self, n_in, n_out, activation, rng):
        self.activation = activation
        self.W = glorot_uniform(n_in, n_out, rng)
        self.b = np.zeros((n_out,))

    def forward(self, X):
        self.X = np.asarray(X, dtype=float)
        self.Z = np.einsum("ni,io->no", self.X, self.W) + self.b[None, :]
        return self.activation.forward(self.Z)

    def backward_delta(self, delta):
        n_in, n_out = self.W.shape
        self.dW = np.zeros((n_in, n_out))
        for row in range(len(delta)):           # one outer product per example
            self.dW += np.outer(self.X[row], delta[row])
        self.db = delta.sum(axis=0)
        return np.einsum("no,io->ni", delta, self.W)

    def backward(self, grad_A):
        delta = self.activation.backward(self.Z, grad_A)
        return self.backward_delta(delta)
'''

ALT_NN = '''
class NN:
    def __init__(self, layers):
        self.layers = list(layers)

    def __repr__(self):
        rows = []
        for number, layer in enumerate(self.layers, 1):
            rows.append("Layer %d: %s -> %s" % (number, str(layer.W.shape), layer.activation.name))
        count = 0
        for layer in self.layers:
            count += layer.W.size + layer.b.size
        return "\\n".join(rows + ["Total parameters: %d" % count])

    def forward(self, X):
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        self.Y_hat = out
        return out

    def predict(self, X):
        P = self.forward(X)
        return np.where(P[:, 0] >= 0.5, 1, 0) if P.shape[1] == 1 else P.argmax(axis=1)

    def backward(self, Y):
        n = len(Y)
        grad = self.layers[-1].backward_delta(self.Y_hat / n - Y / n)
        for k in range(len(self.layers) - 2, -1, -1):
            grad = self.layers[k].backward(grad)
        return grad
'''

ALT_TRAINING = '''
def cross_entropy(Y_hat, Y):
    eps = 1e-12
    P = np.minimum(np.maximum(Y_hat, eps), 1 - eps)
    if Y.shape[1] > 1:
        return float(np.mean(-np.sum(Y * np.log(P), axis=1)))
    return float(np.mean(-(Y * np.log(P) + (1 - Y) * np.log1p(-P))))


def train_step(model, X, Y, lr):
    Y_hat = model.forward(X)
    model.backward(Y)
    for layer in model.layers:
        layer.W = layer.W - lr * layer.dW
        layer.b = layer.b - lr * layer.db
    return cross_entropy(Y_hat, Y)


def train(model, X, Y, epochs, lr, batch_size=None, seed=0):
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    step = n if batch_size is None else batch_size
    history = []
    for epoch in range(epochs):
        shuffled = rng.permutation(n)
        losses, sizes = [], []
        start = 0
        while start < n:
            rows = shuffled[start:start + step]
            losses.append(train_step(model, X[rows], Y[rows], lr))
            sizes.append(len(rows))
            start += step
        history.append(float(np.average(losses, weights=sizes)))
    return history
'''

ALT_DIGITS = '''
def one_hot(y, n_classes):
    return (np.asarray(y)[:, None] == np.arange(n_classes)[None, :]).astype(float)


def fit_digits(X, y, seed=0):
    rng = np.random.default_rng(seed)
    model = NN([Layer(784, 100, RELU, rng), Layer(100, 10, SOFTMAX, rng)])
    history = train(model, X, one_hot(y, 10), epochs=8, lr=0.2, batch_size=64, seed=seed + 1)
    return model, history
'''

ALT_TABLE = '''
import itertools


def xor_truth_table():
    X = np.array(list(itertools.product([0.0, 1.0], repeat=2)))
    Y = np.logical_xor(X[:, 0], X[:, 1]).astype(float).reshape(-1, 1)
    return X, Y
'''

ALT_ACTIVATIONS_HEAVISIDE = '''
def relu(Z):
    return np.clip(Z, 0.0, None)


def relu_backward(Z, grad):
    return grad * np.heaviside(Z, 0.0)          # step function, 0 at exactly 0


def sigmoid_backward(Z, grad):
    S = sigmoid(Z)
    return grad * (S - S ** 2)


def softmax(Z):
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)


def softmax_backward(Z, grad):
    S = softmax(Z)
    inner = np.einsum("nk,nk->n", grad, S)[:, None]
    return S * grad - S * inner
'''

ALT_NN_BRACKETS = '''
class NN:
    def __init__(self, layers):
        self.layers = list(layers)

    def __repr__(self):
        out = ""
        for k, layer in enumerate(self.layers):
            out += f"[{k + 1}/{len(self.layers)}] {layer.activation.name:<8} W{layer.W.shape} b{layer.b.shape}\\n"
        out += f"total: {sum(l.W.size for l in self.layers) + sum(l.b.size for l in self.layers)} parameters"
        return out

    def forward(self, X):
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        self.Y_hat = A
        return self.Y_hat

    def predict(self, X):
        P = self.forward(X)
        if P.shape[1] > 1:
            return np.argmax(P, axis=1)
        return (P.ravel() >= 0.5).astype(int)

    def backward(self, Y):
        grad = self.layers[-1].backward_delta((self.Y_hat - Y) / len(Y))
        for layer in self.layers[-2::-1]:
            grad = layer.backward(grad)
        return grad
'''

ALT_TRAINING_SLICES = '''
def cross_entropy(Y_hat, Y):
    P = np.where(Y_hat < 1e-9, 1e-9, np.where(Y_hat > 1 - 1e-9, 1 - 1e-9, Y_hat))
    N = len(Y)
    if Y.shape[1] == 1:
        return -float(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))) / N
    return -float(np.einsum("nk,nk->", Y, np.log(P))) / N


def train_step(model, X, Y, lr):
    loss = cross_entropy(model.forward(X), Y)
    model.backward(Y)
    for layer in model.layers:
        layer.W = layer.W - lr * layer.dW
        layer.b = layer.b - lr * layer.db
    return loss


def train(model, X, Y, epochs, lr, batch_size=None, seed=0):
    rng = np.random.default_rng(seed)
    if batch_size is None:
        batch_size = len(X)
    history = []
    for _ in range(epochs):
        index = np.arange(len(X))
        rng.shuffle(index)
        Xs, Ys = X[index], Y[index]
        losses, sizes = [], []
        for start in range(0, len(X), batch_size):
            xb, yb = Xs[start:start + batch_size], Ys[start:start + batch_size]
            losses.append(train_step(model, xb, yb, lr))
            sizes.append(len(xb))
        history.append(float(np.dot(losses, sizes) / sum(sizes)))
    return history
'''

ALT_DIGITS_SMALL = '''
def one_hot(y, n_classes):
    return np.eye(n_classes)[y]


def fit_digits(X, y, seed=0):
    hidden = 32
    layers = [Layer(784, hidden, RELU, np.random.default_rng([seed, 1])),
              Layer(hidden, 10, SOFTMAX, np.random.default_rng([seed, 2]))]
    model = NN(layers)
    return model, train(model, X, one_hot(y, 10), 12, 0.2, 20, seed)
'''

# ---- the catalogue -------------------------------------------------------------------------

VARIANTS = [
    # Glorot
    wrong("glorot_network_fans",
          _edit("glorot", "np.sqrt(6.0 / (fan_in + fan_out))", "np.sqrt(6.0 / (2 + 1))"),
          GLOROT, "one network-wide bound from the network's inputs and outputs (2 + 1) for every layer"),
    wrong("glorot_fan_in_only",
          _edit("glorot", "np.sqrt(6.0 / (fan_in + fan_out))", "np.sqrt(6.0 / fan_in)"),
          GLOROT, "bound from the fan-in alone"),
    wrong("glorot_normal_draw",
          _edit("glorot", "rng.uniform(-bound, bound, size=(fan_in, fan_out))",
                "rng.normal(0.0, bound, size=(fan_in, fan_out))"),
          GLOROT, "normal draw with the bound as standard deviation"),
    wrong("glorot_global_random_state",
          _edit("glorot", "rng.uniform(-bound, bound, size=(fan_in, fan_out))",
                "np.random.uniform(-bound, bound, size=(fan_in, fan_out))"),
          GLOROT, "ignores the rng it is given (np.random global state)"),
    # Forward by hand
    wrong("forward_without_relu",
          _edit("forward_xor", "X2 = np.maximum(Z1, 0.0)", "X2 = Z1"),
          ("test_forward_xor",), "forgets the ReLU"),
    # Activations
    wrong("relu_derivative_from_grad",
          _edit("activations", "return grad * (Z > 0)", "return grad * (grad > 0)"),
          ("test_relu",), "ReLU mask taken from the incoming gradient instead of Z"),
    wrong("sigmoid_derivative_at_output",
          _edit("activations", "S = sigmoid(Z)\n    return grad * S * (1.0 - S)",
                "return grad * Z * (1.0 - Z)"),
          ("test_sigmoid_backward",), "σ′ written as a(1 − a) but fed Z"),
    wrong("softmax_without_max",
          _edit("activations", "E = np.exp(Z - np.max(Z, axis=1, keepdims=True))", "E = np.exp(Z)"),
          ("test_softmax",), "softmax without subtracting the row maximum (overflows)"),
    wrong("softmax_backward_diagonal",
          _edit("activations", "return S * (grad - np.sum(grad * S, axis=1, keepdims=True))",
                "return grad * S * (1.0 - S)"),
          ("test_softmax",), "softmax treated as an entrywise function"),
    # Layer
    wrong("layer_forward_without_bias",
          _edit("layer", "self.Z = X @ self.W + self.b", "self.Z = X @ self.W"),
          ("test_layer_forward",), "bias left out of the forward pass"),
    wrong("layer_input_gradient_not_passed_back",
          _edit("layer", "return delta @ self.W.T", "return delta"),
          LAYER_BACKWARD, "returns dL/dZ instead of the gradient for its input"),
    wrong("layer_averages_the_batch_again",
          _edit("layer", "self.dW = self.X.T @ delta\n        self.db = np.sum(delta, axis=0)",
                "self.dW = self.X.T @ delta / len(delta)\n        self.db = np.mean(delta, axis=0)"),
          LAYER_BACKWARD, "averaging over the batch twice (the loss already does)"),
    wrong("layer_derivative_at_its_output",
          _edit("layer", "return self.backward_delta(self.activation.backward(self.Z, grad_A))",
                "return self.backward_delta(self.activation.backward(self.activation.forward(self.Z), grad_A))"),
          LAYER_BACKWARD, "activation derivative evaluated at the output A instead of Z"),
    # NN
    wrong("nn_relu_mask_from_next_layer",
          _edit("nn", "for layer in reversed(self.layers[:-1]):\n            grad = layer.backward(grad)",
                "for k in range(len(self.layers) - 2, -1, -1):\n"
                "            above = self.layers[k + 1]\n"
                "            grad = self.layers[k].backward_delta(grad * (above.activation.forward(above.Z) > 0))"),
          ("test_nn_backward",), "ReLU derivative taken from the output of the next layer"),
    wrong("nn_delta_not_averaged",
          _edit("nn", "delta = (self.Y_hat - Y) / Y.shape[0]", "delta = self.Y_hat - Y"),
          ("test_nn_backward",), "δ of the summed loss, not of the mean loss"),
    wrong("nn_summary_without_total",
          _edit("nn", 'lines.append(f"parameters: {sum(layer.W.size + layer.b.size for layer in self.layers)}")', "pass"),
          ("test_nn_summary",), "summary without the number of parameters"),
    # Training
    wrong("cross_entropy_summed",
          _edit("training", "return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))",
                "return float(-np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P)))"),
          ("test_cross_entropy",), "binary loss summed over the batch"),
    wrong("train_step_ascent",
          _edit("training", "layer.W -= lr * layer.dW\n        layer.b -= lr * layer.db",
                "layer.W += lr * layer.dW\n        layer.b += lr * layer.db"),
          ("test_train_step",), "steps along the gradient"),
    wrong("digits_underfit",
          _edit("digits", "epochs=10, lr=0.1, batch_size=32", "epochs=1, lr=0.002, batch_size=500"),
          ("test_digits_accuracy",), "far too little training: accuracy below the target"),
    wrong("tamper_with_numpy",
          {"layer": TAMPER}, LAYER_BACKWARD,
          "averages twice and replaces np.allclose / assert_allclose to hide it"),
    # Exact answers the tests did not check before
    wrong("xor_table_or",
          _edit("xor_truth_table", "Y = np.array([[0], [1], [1], [0]], dtype=float)",
                "Y = np.array([[0], [1], [1], [1]], dtype=float)"),
          ("test_xor_truth_table",), "the OR table instead of XOR"),
    wrong("relu_derivative_one_at_zero",
          _edit("activations", "return grad * (Z > 0)", "return grad * (Z >= 0)"),
          ("test_relu",), "ReLU derivative 1 at exactly 0, where the docstring says 0"),
    wrong("cross_entropy_without_upper_clip",
          _edit("training", "P = np.clip(Y_hat, 1e-12, 1 - 1e-12)", "P = np.clip(Y_hat, 1e-12, None)"),
          ("test_cross_entropy",), "clips only at 0: ŷ = 1 gives inf or nan"),
    wrong("summary_numbered_from_0",
          _edit("nn", "enumerate(self.layers, start=1)", "enumerate(self.layers)"),
          ("test_nn_summary",), "layers numbered from 0"),
    wrong("summary_numbered_from_2",
          _edit("nn", "enumerate(self.layers, start=1)", "enumerate(self.layers, start=2)"),
          ("test_nn_summary",), "layers numbered from 2"),
    wrong("train_unweighted_mean_of_batches",
          {"training": _CELLS["training"].replace("train_step(model, X[rows], Y[rows], lr) * len(rows)",
                                                  "train_step(model, X[rows], Y[rows], lr)")
                                         .replace("history.append(total / n)", "history.append(total / -(-n // size))")},
          TRAIN, "history: plain mean of the batch losses, a short last batch weighs as much as a full one"),
    wrong("train_batch_loss_divided_by_batch_size",
          _edit("training", "train_step(model, X[rows], Y[rows], lr) * len(rows)",
                "train_step(model, X[rows], Y[rows], lr) / len(rows)"),
          TRAIN, "batch losses divided by the batch size instead of weighted by it"),
    wrong("train_total_starts_at_1",
          _edit("training", "total = 0.0", "total = 1.0"),
          TRAIN, "the epoch's total starts at 1"),
    wrong("train_batches_start_at_row_1",
          _edit("training", "for start in range(0, n, size):", "for start in range(1, n, size):"),
          TRAIN, "batches start at row 1: one row is skipped every epoch"),
    wrong("train_drops_the_short_batch",
          _edit("training", "for start in range(0, n, size):", "for start in range(0, n - size + 1, size):"),
          TRAIN, "the last, shorter batch is never used"),
    wrong("train_never_shuffles",
          _edit("training", "order = rng.permutation(n)", "order = np.arange(n)"),
          TRAIN, "rows in the same order every epoch (the seed does nothing)"),
    wrong("train_ignores_its_seed",
          _edit("training", "rng = np.random.default_rng(seed)", "rng = np.random.default_rng()"),
          TRAIN, "an unseeded generator: two runs with one seed differ"),
    wrong("train_history_after_the_epoch",
          _edit("training", "history.append(total / n)", "history.append(cross_entropy(model.forward(X), Y))"),
          TRAIN, "records the loss after the epoch, not the batch losses before each step"),
    # Correct alternatives
    Variant("alternative_glorot_forward_activations", NB,
            {"glorot": ALT_GLOROT, "forward_xor": ALT_FORWARD, "activations": ALT_ACTIVATIONS},
            wrong=False, why="rng.random scaled, einsum, np.where, scipy softmax, full Jacobian"),
    Variant("alternative_layer_and_network", NB, {"layer": ALT_LAYER, "nn": ALT_NN},
            wrong=False, why="per-example outer products, einsum, index loop, other summary format"),
    Variant("alternative_training_and_digits", NB, {"training": ALT_TRAINING, "digits": ALT_DIGITS},
            wrong=False, why="log1p loss, while-loop batching, 100 hidden units, one shared rng"),
    Variant("alternative_table_heaviside_brackets_slices", NB,
            {"xor_truth_table": ALT_TABLE, "activations": ALT_ACTIVATIONS_HEAVISIDE, "nn": ALT_NN_BRACKETS,
             "training": ALT_TRAINING_SLICES, "digits": ALT_DIGITS_SMALL},
            wrong=False, why="itertools table, heaviside ReLU mask, '[1/2] relu W(2, 3)' summary, eps 1e-9, "
                             "shuffled copies and np.dot weighting, 32 hidden units for 12 epochs"),
]
