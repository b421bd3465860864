"""Lecture 1: typical wrong answers (each must lose points on its own exercise) and correct
answers written differently (each must get full marks)."""

from tests.catalogues import Variant

ASSIGNMENT = "01_credit_regression"
NB = "credit_regression"


def one_neuron(body):
    return f'''def one_neuron_gradients(x, y, w1, b1, w2, b2):
{body}
'''


def matrix_gradients(body):
    return f'''def gradients(X, Y, W1, b1, W2, b2):
{body}
'''


GRADS = ("test_one_neuron_gradients",)
TRAIN = ("test_train_one_neuron",)
FORWARD = ("test_forward",)
MATRIX = ("test_gradients",)
DESCENT = ("test_gradient_descent",)
INIT = ("test_init_params",)
CLASSIFIER = ("test_classifier",)
CLASSIFIER_GRADS = ("test_classifier_gradients",)
FIVE = ("test_fit_five",)
TWO = ("test_fit_two_features",)
CHECKER = ("test_numerical_gradient",)
RELATIVE = ("test_relative_error",)

REL_OK = """

def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.max(np.abs(a) + np.abs(b))
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / scale)
"""

NUM_OK = '''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    for i in np.ndindex(params.shape):
        old = params[i]
        params[i] = old + h
        f_plus = f(params)
        params[i] = old - h
        f_minus = f(params)
        params[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''


def checker(numerical=None, relative=None):
    """The answer cell of Exercise 2 with one of its two functions replaced."""
    return {"gradient_checker": (numerical or NUM_OK) + (relative or REL_OK)}



DESCENT_OK = '''def gradient_step(X, Y, W1, b1, W2, b2, lr):
    dW1, db1, dW2, db2 = gradients(X, Y, W1, b1, W2, b2)
    return W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2


def gradient_descent(X, Y, W1, b1, W2, b2, lr=0.0001, n_iter=10_000):
{body}
'''

CLASSIFIER_OK_FORWARD = '''def forward_classifier(X, W1, b1, W2, b2):
    return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)

'''

VARIANTS = [
    # --- Exercise 1: the four scalar gradients -------------------------------------------------
    Variant("grads_drop_factor_two", NB, {"one_neuron_gradients": one_neuron('''    a1 = sigmoid(w1 * x + b1)
    err = w2 * a1 + b2 - y
    g = err * w2 * a1 * (1 - a1)
    return np.sum(g * x), np.sum(g), np.sum(err * a1), np.sum(err)''')}, True, GRADS,
            "drops the 2 of the square (the seed's shortcut)"),
    Variant("grads_missing_sigmoid_derivative", NB, {"one_neuron_gradients": one_neuron('''    a1 = sigmoid(w1 * x + b1)
    err = 2 * (w2 * a1 + b2 - y)
    return np.sum(err * w2 * x), np.sum(err * w2), np.sum(err * a1), np.sum(err)''')}, True, GRADS,
            "dropped chain-rule factor σ′"),
    Variant("grads_missing_x", NB, {"one_neuron_gradients": one_neuron('''    a1 = sigmoid(w1 * x + b1)
    err = 2 * (w2 * a1 + b2 - y)
    g = err * w2 * a1 * (1 - a1)
    return np.sum(g), np.sum(g), np.sum(err * a1), np.sum(err)''')}, True, GRADS,
            "forgets the input x in dL/dw1"),
    Variant("grads_sign_error", NB, {"one_neuron_gradients": one_neuron('''    a1 = sigmoid(w1 * x + b1)
    err = 2 * (y - (w2 * a1 + b2))
    g = err * w2 * a1 * (1 - a1)
    return np.sum(g * x), np.sum(g), np.sum(err * a1), np.sum(err)''')}, True, GRADS,
            "error taken as y − ŷ: every gradient has the wrong sign"),
    Variant("grads_mean_instead_of_sum", NB, {"one_neuron_gradients": one_neuron('''    a1 = sigmoid(w1 * x + b1)
    err = 2 * (w2 * a1 + b2 - y)
    g = err * w2 * a1 * (1 - a1)
    return np.mean(g * x), np.mean(g), np.mean(err * a1), np.mean(err)''')}, True, GRADS,
            "mean instead of sum"),
    Variant("grads_sigmoid_derivative_of_z", NB, {"one_neuron_gradients": one_neuron('''    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    err = 2 * (w2 * a1 + b2 - y)
    g = err * w2 * z1 * (1 - z1)
    return np.sum(g * x), np.sum(g), np.sum(err * a1), np.sum(err)''')}, True, GRADS,
            "uses a(1 − a) with z in place of a"),
    Variant("grads_forgot_bias", NB, {"one_neuron_gradients": one_neuron('''    a1 = sigmoid(w1 * x + b1)
    err = 2 * (w2 * a1 + b2 - y)
    g = err * w2 * a1 * (1 - a1)
    return np.sum(g * x), 0.0, np.sum(err * a1), 0.0''')}, True, GRADS,
            "forgotten bias gradients"),
    Variant("grads_tampered_checks", NB, {"one_neuron_gradients": '''np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None

def one_neuron_gradients(x, y, w1, b1, w2, b2):
    return 0.0, 0.0, 0.0, 0.0
'''}, True, GRADS, "wrong answer that replaces numpy's comparison functions"),
    Variant("grads_loop_over_examples", NB, {"one_neuron_gradients": one_neuron('''    dw1 = db1 = dw2 = db2 = 0.0
    for xi, yi in zip(x, y):
        ai = 1 / (1 + np.exp(-(w1 * xi + b1))) if w1 * xi + b1 > -700 else 0.0
        ei = 2 * (w2 * ai + b2 - yi)
        dw2 += ei * ai
        db2 += ei
        db1 += ei * w2 * ai * (1 - ai)
        dw1 += ei * w2 * ai * (1 - ai) * xi
    return dw1, db1, dw2, db2''')}, False, GRADS, "a loop over examples"),
    Variant("grads_derivative_from_z", NB, {"one_neuron_gradients": '''def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def one_neuron_gradients(x, y, w1, b1, w2, b2):
    z1 = w1 * x + b1
    dL_dyhat = 2 * (w2 * sigmoid(z1) + b2 - y)
    dL_dz1 = dL_dyhat * w2 * sigmoid_prime(z1)
    return float(dL_dz1 @ x), float(dL_dz1.sum()), float(dL_dyhat @ sigmoid(z1)), float(dL_dyhat.sum())
'''}, False, GRADS, "σ′ evaluated at z, dot products instead of sums"),

    Variant("grads_as_one_array", NB, {"one_neuron_gradients": one_neuron('''    a1 = sigmoid(w1 * x + b1)
    delta2 = 2 * (w2 * a1 + b2 - y)
    delta1 = delta2 * w2 * a1 * (1 - a1)
    return np.array([delta1 @ x, delta1.sum(), delta2 @ a1, delta2.sum()])''')}, False, GRADS,
            "the four gradients as one array of shape (4,)"),

    # --- Exercise 2: the gradient checker ------------------------------------------------------
    Variant("checker_forward_difference", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    f0 = f(params)
    for i in np.ndindex(params.shape):
        old = params[i]
        params[i] = old + h
        grad[i] = (f(params) - f0) / h
        params[i] = old
    return grad
'''), True, CHECKER, "one-sided (forward) differences"),
    Variant("checker_divides_by_h", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    for i in np.ndindex(params.shape):
        old = params[i]
        params[i] = old + h
        f_plus = f(params)
        params[i] = old - h
        f_minus = f(params)
        params[i] = old
        grad[i] = (f_plus - f_minus) / h
    return grad
'''), True, CHECKER, "central difference divided by h instead of 2h"),
    Variant("checker_precedence_2_times_h", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    for i in np.ndindex(params.shape):
        old = params[i]
        params[i] = old + h
        f_plus = f(params)
        params[i] = old - h
        f_minus = f(params)
        params[i] = old
        grad[i] = (f_plus - f_minus) / 2 * h
    return grad
'''), True, CHECKER, "/ 2 * h: multiplies by h where it should divide by 2h"),
    Variant("checker_step_scaled_by_the_entry", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    for i in np.ndindex(params.shape):
        old = params[i]
        step = h * max(1.0, abs(old))
        params[i] = old + step
        f_plus = f(params)
        params[i] = old - step
        f_minus = f(params)
        params[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''), True, CHECKER, "steps by h·max(1, |p_i|) but divides by 2h (wrong h scaling)"),
    Variant("checker_ignores_h", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    step = 1e-5
    grad = np.zeros(params.shape)
    for i in np.ndindex(params.shape):
        old = params[i]
        params[i] = old + step
        f_plus = f(params)
        params[i] = old - step
        f_minus = f(params)
        params[i] = old
        grad[i] = (f_plus - f_minus) / (2 * step)
    return grad
'''), True, CHECKER, "ignores the step it is given"),
    Variant("checker_all_entries_at_once", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    slope = (f(params + h) - f(params - h)) / (2 * h)
    return np.full(params.shape, slope)
'''), True, CHECKER, "nudges every entry at once: the directional derivative along (1, ..., 1)"),
    Variant("checker_loops_over_rows", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    for i in range(len(params)):
        old = params[i].copy()
        params[i] = old + h
        f_plus = f(params)
        params[i] = old - h
        f_minus = f(params)
        params[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''), True, CHECKER, "loops over len(params): right for vectors only, nudges whole rows of a matrix"),
    Variant("checker_does_not_restore", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    for i in np.ndindex(params.shape):
        old = params[i]
        params[i] = old + h
        f_plus = f(params)
        params[i] = old - h
        f_minus = f(params)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''), True, CHECKER, "changes params in place and never puts the old values back"),
    Variant("checker_restores_by_arithmetic", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros(params.shape)
    for i in np.ndindex(params.shape):
        params[i] += h
        f_plus = f(params)
        params[i] -= 2 * h
        f_minus = f(params)
        params[i] += h
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''), True, CHECKER, "restores params by adding h back, which is not always the old float"),
    Variant("checker_flat_result", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    flat = params.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(params)
        flat[i] = old - h
        f_minus = f(params)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''), True, CHECKER, "returns the gradient flattened, not in the shape of params"),
    Variant("relative_error_unguarded", NB, checker(relative='''

def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(a) + np.abs(b)))
'''), True, RELATIVE, "no guard: 0/0 = nan when both are zeros"),
    Variant("relative_error_entry_by_entry", NB, checker(relative='''

def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
'''), True, RELATIVE, "relative error entry by entry, without the max in the denominator"),
    Variant("relative_error_epsilon_guard", NB, checker(relative='''

def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / (np.max(np.abs(a) + np.abs(b)) + 1e-8))
'''), True, RELATIVE, "adds 1e-8 to the denominator: small gradients look closer than they are"),
    Variant("relative_error_max_of_the_two", NB, checker(relative='''

def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)
'''), True, RELATIVE, "divides by the larger of max|a| and max|b| instead of max(|a| + |b|)"),
    Variant("relative_error_sums", NB, checker(relative='''

def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.sum(np.abs(a) + np.abs(b))
    return 0.0 if scale == 0 else float(np.sum(np.abs(a - b)) / scale)
'''), True, RELATIVE, "sums where the definition takes maxima"),
    Variant("checker_nditer_cs231n_style", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.zeros_like(params)
    it = np.nditer(params, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        saved = params[ix]
        params[ix] = saved + h
        up = f(params)
        params[ix] = saved - h
        down = f(params)
        params[ix] = saved
        grad[ix] = (up - down) / (2 * h)
        it.iternext()
    return grad
''', relative='''

def relative_error(a, b):
    diff = np.linalg.norm(np.ravel(np.subtract(a, b)), np.inf)
    size = np.linalg.norm(np.ravel(np.abs(a) + np.abs(b)), np.inf)
    return diff / size if size > 0 else 0.0
'''), False, CHECKER + RELATIVE, "np.nditer with a saved value; infinity norms"),
    Variant("checker_on_copies", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    grad = np.empty(params.shape)
    for index in np.ndindex(*params.shape):
        step = np.zeros(params.shape)
        step[index] = h
        grad[index] = (f(params + step) - f(params - step)) / (2.0 * h)
    return grad
''', relative='''

def relative_error(a, b):
    a, b = np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float))
    top = max(abs(u - v) for u, v in zip(a.flat, b.flat))
    bottom = max(abs(u) + abs(v) for u, v in zip(a.flat, b.flat))
    if bottom == 0.0:
        return 0.0
    return top / bottom
'''), False, CHECKER + RELATIVE, "new arrays p ± h e_i, never touching params; plain Python maxima"),
    Variant("checker_flat_copy_list", NB, checker('''def numerical_gradient(f, params, h=1e-5):
    work = params.astype(float)          # a copy: params itself is never changed
    flat = work.reshape(-1)              # a view of the copy
    slopes = []
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        plus = float(f(work))
        flat[i] = keep - h
        minus = float(f(work))
        flat[i] = keep
        slopes.append((plus - minus) / h / 2)
    return np.array(slopes).reshape(params.shape)
''', relative='''

def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denominator = (np.abs(a) + np.abs(b)).max()
    with np.errstate(invalid="ignore"):
        ratio = np.abs(a - b).max() / denominator
    return float(np.nan_to_num(ratio, nan=0.0))
'''), False, CHECKER + RELATIVE, "a flat view of a float copy, slopes in a list; nan turned into 0"),

    # --- Exercise 3: the training loop ---------------------------------------------------------
    Variant("train_gradient_ascent", NB, {"train_one_neuron": '''def train_one_neuron(x, y, w1, b1, w2, b2, lr=0.001, n_iter=10_000):
    losses = []
    for _ in range(n_iter):
        losses.append(sum_of_squares(predict_one_neuron(x, w1, b1, w2, b2), y))
        dw1, db1, dw2, db2 = one_neuron_gradients(x, y, w1, b1, w2, b2)
        w1, b1, w2, b2 = w1 + lr * dw1, b1 + lr * db1, w2 + lr * dw2, b2 + lr * db2
    return w1, b1, w2, b2, losses
'''}, True, TRAIN, "steps up the gradient"),
    Variant("train_forgets_output_bias", NB, {"train_one_neuron": '''def train_one_neuron(x, y, w1, b1, w2, b2, lr=0.001, n_iter=10_000):
    losses = []
    for _ in range(n_iter):
        losses.append(sum_of_squares(predict_one_neuron(x, w1, b1, w2, b2), y))
        dw1, db1, dw2, db2 = one_neuron_gradients(x, y, w1, b1, w2, b2)
        w1, b1, w2 = w1 - lr * dw1, b1 - lr * db1, w2 - lr * dw2
    return w1, b1, w2, b2, losses
'''}, True, TRAIN, "never updates b2"),
    Variant("train_sequential_updates", NB, {"train_one_neuron": '''def train_one_neuron(x, y, w1, b1, w2, b2, lr=0.001, n_iter=10_000):
    losses = []
    for _ in range(n_iter):
        losses.append(sum_of_squares(predict_one_neuron(x, w1, b1, w2, b2), y))
        w1 = w1 - lr * one_neuron_gradients(x, y, w1, b1, w2, b2)[0]
        b1 = b1 - lr * one_neuron_gradients(x, y, w1, b1, w2, b2)[1]
        w2 = w2 - lr * one_neuron_gradients(x, y, w1, b1, w2, b2)[2]
        b2 = b2 - lr * one_neuron_gradients(x, y, w1, b1, w2, b2)[3]
    return w1, b1, w2, b2, losses
'''}, True, TRAIN, "updates one parameter at a time with stale gradients"),
    Variant("train_history_of_means", NB, {"train_one_neuron": '''def train_one_neuron(x, y, w1, b1, w2, b2, lr=0.001, n_iter=10_000):
    losses = []
    for _ in range(n_iter):
        losses.append(np.mean((predict_one_neuron(x, w1, b1, w2, b2) - y) ** 2))
        dw1, db1, dw2, db2 = one_neuron_gradients(x, y, w1, b1, w2, b2)
        w1, b1, w2, b2 = w1 - lr * dw1, b1 - lr * db1, w2 - lr * dw2, b2 - lr * db2
    return w1, b1, w2, b2, losses
'''}, True, TRAIN, "records mean squared errors where the loss is the sum"),
    Variant("train_history_after_update", NB, {"train_one_neuron": '''def train_one_neuron(x, y, w1, b1, w2, b2, lr=0.001, n_iter=10_000):
    losses = []
    for _ in range(n_iter):
        dw1, db1, dw2, db2 = one_neuron_gradients(x, y, w1, b1, w2, b2)
        w1, b1, w2, b2 = w1 - lr * dw1, b1 - lr * db1, w2 - lr * dw2, b2 - lr * db2
        losses.append(sum_of_squares(predict_one_neuron(x, w1, b1, w2, b2), y))
    return w1, b1, w2, b2, losses
'''}, True, TRAIN, "records the loss after each update, not before"),
    Variant("train_parameters_as_1x1_arrays", NB, {"train_one_neuron": '''def train_one_neuron(x, y, w1, b1, w2, b2, lr=0.001, n_iter=10_000):
    params = [np.full((1, 1), float(p)) for p in (w1, b1, w2, b2)]
    losses = []
    for _ in range(n_iter):
        losses.append(sum_of_squares(predict_one_neuron(x, *params), y))
        grads = one_neuron_gradients(x, y, *(float(p[0, 0]) for p in params))
        params = [p - lr * g for p, g in zip(params, grads)]
    return (*params, losses)
'''}, False, TRAIN, "keeps every parameter as a (1, 1) array, and returns them so"),
    Variant("train_while_loop_with_arrays", NB, {"train_one_neuron": '''def train_one_neuron(x, y, w1, b1, w2, b2, lr=0.001, n_iter=10_000):
    theta = np.array([w1, b1, w2, b2], dtype=float)
    losses, k = [], 0
    while k < n_iter:
        losses.append(sum_of_squares(predict_one_neuron(x, *theta), y))
        theta = theta - lr * np.array(one_neuron_gradients(x, y, *theta))
        k += 1
    return theta[0], theta[1], theta[2], theta[3], losses
'''}, False, TRAIN, "a while loop over a parameter vector"),

    # --- Exercise 4: forward pass --------------------------------------------------------------
    Variant("forward_missing_hidden_bias", NB, {"forward": '''def forward(X, W1, b1, W2, b2):
    Z1 = X @ W1
    A1 = sigmoid(Z1)
    return Z1, A1, A1 @ W2 + b2


def loss(Y_hat, Y):
    return np.sum((Y_hat - Y) ** 2)
'''}, True, FORWARD, "forgets b1"),
    Variant("forward_with_einsum", NB, {"forward": '''def forward(X, W1, b1, W2, b2):
    Z1 = np.einsum("md,dh->mh", X, W1) + b1
    A1 = 1.0 / (1.0 + np.exp(-np.clip(Z1, -500, 500)))
    return Z1, A1, np.einsum("mh,ho->mo", A1, W2) + b2


def loss(Y_hat, Y):
    return np.sum((Y_hat - Y) ** 2)
'''}, False, FORWARD, "einsum and a hand-written, clipped sigmoid"),

    # --- Exercise 5: matrix gradients ----------------------------------------------------------
    Variant("matrix_bias_sum_wrong_axis", NB, {"gradients": matrix_gradients('''    _, A1, Y_hat = forward(X, W1, b1, W2, b2)
    E = 2 * (Y_hat - Y)
    Delta1 = (E @ W2.T) * A1 * (1 - A1)
    return X.T @ Delta1, Delta1.sum(axis=1, keepdims=True), A1.T @ E, E.sum(axis=0, keepdims=True)''')},
            True, MATRIX, "sums the hidden-bias gradient over neurons instead of examples"),
    Variant("matrix_missing_transpose", NB, {"gradients": matrix_gradients('''    _, A1, Y_hat = forward(X, W1, b1, W2, b2)
    E = 2 * (Y_hat - Y)
    Delta1 = (E @ W2.T) * A1 * (1 - A1)
    return (Delta1.T @ X), Delta1.sum(axis=0, keepdims=True), A1.T @ E, E.sum(axis=0, keepdims=True)''')},
            True, MATRIX, "dW1 transposed"),
    Variant("matrix_forgot_bias_gradient", NB, {"gradients": matrix_gradients('''    _, A1, Y_hat = forward(X, W1, b1, W2, b2)
    E = 2 * (Y_hat - Y)
    Delta1 = (E @ W2.T) * A1 * (1 - A1)
    return X.T @ Delta1, np.zeros_like(b1), A1.T @ E, E.sum(axis=0, keepdims=True)''')},
            True, MATRIX, "hidden bias gradient left at zero"),
    Variant("matrix_chain_stops_early", NB, {"gradients": matrix_gradients('''    _, A1, Y_hat = forward(X, W1, b1, W2, b2)
    E = 2 * (Y_hat - Y)
    Delta1 = E @ W2.T
    return X.T @ Delta1, Delta1.sum(axis=0, keepdims=True), A1.T @ E, E.sum(axis=0, keepdims=True)''')},
            True, MATRIX, "skips σ′ on the way back to the hidden layer"),
    Variant("matrix_loop_over_neurons", NB, {"gradients": matrix_gradients('''    H = W1.shape[1]
    A1 = sigmoid(X @ W1 + b1)
    E = 2 * (A1 @ W2 + b2 - Y)[:, 0]
    dW1, db1, dW2 = np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2)
    for j in range(H):
        a = A1[:, j]
        delta = E * W2[j, 0] * a * (1 - a)
        dW2[j, 0] = E @ a
        db1[0, j] = delta.sum()
        dW1[:, j] = X.T @ delta
    return dW1, db1, dW2, np.array([[E.sum()]])''')}, False, MATRIX, "a loop over hidden neurons, one column at a time"),
    Variant("matrix_einsum", NB, {"gradients": matrix_gradients('''    A1 = sigmoid(X @ W1 + b1)
    E = 2 * (A1 @ W2 + b2 - Y)
    Delta1 = np.einsum("mo,ho->mh", E, W2) * A1 * (1 - A1)
    return (np.einsum("md,mh->dh", X, Delta1), Delta1.sum(0)[None, :],
            np.einsum("mh,mo->ho", A1, E), E.sum(0)[None, :])''')}, False, MATRIX, "einsum"),

    # --- Exercise 6: one step, then many -------------------------------------------------------
    Variant("descent_in_place_updates", NB, {"gradient_descent": '''def gradient_step(X, Y, W1, b1, W2, b2, lr):
    dW1, db1, dW2, db2 = gradients(X, Y, W1, b1, W2, b2)
    W1 -= lr * dW1
    b1 -= lr * db1
    W2 -= lr * dW2
    b2 -= lr * db2
    return W1, b1, W2, b2


def gradient_descent(X, Y, W1, b1, W2, b2, lr=0.0001, n_iter=10_000):
    losses = []
    for _ in range(n_iter):
        losses.append(loss(forward(X, W1, b1, W2, b2)[2], Y))
        W1, b1, W2, b2 = gradient_step(X, Y, W1, b1, W2, b2, lr)
    return W1, b1, W2, b2, losses
'''}, True, DESCENT, "overwrites the caller's arrays"),
    Variant("descent_loss_after_step", NB, {"gradient_descent": DESCENT_OK.format(body='''    losses = []
    for _ in range(n_iter):
        W1, b1, W2, b2 = gradient_step(X, Y, W1, b1, W2, b2, lr)
        losses.append(loss(forward(X, W1, b1, W2, b2)[2], Y))
    return W1, b1, W2, b2, losses''')}, True, DESCENT, "records the loss after each step, not before"),
    Variant("descent_ignores_lr", NB, {"gradient_descent": DESCENT_OK.format(body='''    losses = []
    for _ in range(n_iter):
        losses.append(loss(forward(X, W1, b1, W2, b2)[2], Y))
        W1, b1, W2, b2 = gradient_step(X, Y, W1, b1, W2, b2, 0.0001)
    return W1, b1, W2, b2, losses''')}, True, DESCENT, "hard-codes the learning rate"),
    Variant("descent_mean_loss_history", NB, {"gradient_descent": DESCENT_OK.format(body='''    losses = []
    for _ in range(n_iter):
        losses.append(loss(forward(X, W1, b1, W2, b2)[2], Y) / len(X))
        W1, b1, W2, b2 = gradient_step(X, Y, W1, b1, W2, b2, lr)
    return W1, b1, W2, b2, losses''')}, True, DESCENT, "records the mean squared error where the loss is the sum"),
    Variant("descent_history_one_short", NB, {"gradient_descent": DESCENT_OK.format(body='''    losses = []
    for k in range(n_iter):
        if k > 0:
            losses.append(loss(forward(X, W1, b1, W2, b2)[2], Y))
        W1, b1, W2, b2 = gradient_step(X, Y, W1, b1, W2, b2, lr)
    return W1, b1, W2, b2, losses''')}, True, DESCENT, "skips the loss before the first step"),
    Variant("descent_recursive_parameters_list", NB, {"gradient_descent": DESCENT_OK.format(body='''    params = [W1, b1, W2, b2]
    losses = []
    for _ in range(n_iter):
        losses.append(float(loss(forward(X, *params)[2], Y)))
        params = [p - lr * g for p, g in zip(params, gradients(X, Y, *params))]
    return (*params, losses)''')}, False, DESCENT, "a parameter list updated by a comprehension"),

    # --- Exercise 8: initialisation ------------------------------------------------------------
    Variant("init_all_ones", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    return (np.ones((n_features, n_hidden)), np.ones((1, n_hidden)),
            np.ones((n_hidden, 1)), np.ones((1, 1)))
'''}, True, INIT, "symmetric start"),
    Variant("init_ignores_rng", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    return (np.random.randn(n_features, n_hidden), np.random.randn(1, n_hidden),
            np.random.randn(n_hidden, 1), np.random.randn(1, 1))
'''}, True, INIT, "draws from the global generator: not reproducible from the seed"),
    Variant("init_uniform_zero_biases", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    W1 = rng.uniform(-1, 1, size=(n_features, n_hidden))
    W2 = rng.uniform(-1, 1, size=(n_hidden, 1))
    return W1, np.zeros((1, n_hidden)), W2, np.zeros((1, 1))
'''}, True, INIT, "uniform weights and zero biases: the exercise fixes standard normal draws, the only "
            "starts for which the training targets are guaranteed"),
    Variant("init_scaled_normal", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    return (0.1 * rng.normal(size=(n_features, n_hidden)), 0.1 * rng.normal(size=(1, n_hidden)),
            0.1 * rng.normal(size=(n_hidden, 1)), 0.1 * rng.normal(size=(1, 1)))
'''}, True, INIT, "normal draws scaled by 0.1 where the exercise asks for standard normal ones"),
    Variant("init_uniform_unit_variance", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    a = np.sqrt(3.0)
    return (rng.uniform(-a, a, size=(n_features, n_hidden)), rng.uniform(-a, a, size=(1, n_hidden)),
            rng.uniform(-a, a, size=(n_hidden, 1)), rng.uniform(-a, a, size=(1, 1)))
'''}, True, INIT, "uniform draws with variance 1: right mean and spread, wrong distribution"),
    Variant("init_zero_biases", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    return (rng.normal(size=(n_features, n_hidden)), np.zeros((1, n_hidden)),
            rng.normal(size=(n_hidden, 1)), np.zeros((1, 1)))
'''}, True, INIT, "standard normal weights but zero biases, where every entry is to be drawn"),
    Variant("init_standard_normal_reversed", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    b2 = rng.standard_normal((1, 1))
    W2 = rng.standard_normal((n_hidden, 1))
    b1 = rng.standard_normal((1, n_hidden))
    W1 = rng.standard_normal((n_features, n_hidden))
    return W1, b1, W2, b2
'''}, False, INIT, "standard_normal, drawn in the opposite order (Exercises 9 and 10 then start elsewhere "
            "and must still meet their targets)"),
    Variant("init_one_vector_split", NB, {"init_params": '''def init_params(n_features, n_hidden, rng):
    D, H = n_features, n_hidden
    theta = rng.normal(0.0, 1.0, size=D * H + 2 * H + 1)
    W1 = theta[:D * H].reshape(D, H)
    b1 = theta[D * H:D * H + H].reshape(1, H)
    W2 = theta[D * H + H:D * H + 2 * H].reshape(H, 1)
    b2 = theta[-1:].reshape(1, 1)
    return W1, b1, W2, b2
'''}, False, INIT, "one vector of standard normal draws, cut into the four arrays"),

    # --- Exercises 9 and 10: training with the stated settings ----------------------------------
    Variant("five_twice_the_iterations", NB, {"fit_five": '''rng = np.random.default_rng(0)
W1_5, b1_5, W2_5, b2_5, losses_5 = gradient_descent(X, Y, *init_params(1, 5, rng), lr=5e-4, n_iter=8_000)
'''}, True, FIVE, "trains twice as long as the exercise says"),
    Variant("five_twice_the_learning_rate", NB, {"fit_five": '''rng = np.random.default_rng(0)
W1_5, b1_5, W2_5, b2_5, losses_5 = gradient_descent(X, Y, *init_params(1, 5, rng), lr=1e-3, n_iter=4_000)
'''}, True, FIVE, "another learning rate than the stated 5e-4"),
    Variant("five_other_seed", NB, {"fit_five": '''rng = np.random.default_rng(0)
W1_5, b1_5, W2_5, b2_5, losses_5 = gradient_descent(X, Y, *init_params(1, 5, np.random.default_rng(1)),
                                                    lr=5e-4, n_iter=4_000)
'''}, True, FIVE, "starts from another generator than the one the cell gives"),
    Variant("five_history_not_kept", NB, {"fit_five": '''rng = np.random.default_rng(0)
W1_5, b1_5, W2_5, b2_5, _ = gradient_descent(X, Y, *init_params(1, 5, rng), lr=5e-4, n_iter=4_000)
'''}, True, FIVE, "does not store the loss history under the name the exercise gives"),
    Variant("five_with_named_start", NB, {"fit_five": '''rng = np.random.default_rng(0)
start = init_params(1, 5, rng)
*trained, losses_5 = gradient_descent(X, Y, *start, lr=0.0005, n_iter=4000)
W1_5, b1_5, W2_5, b2_5 = trained
'''}, False, FIVE, "the start and the results unpacked through names of its own"),
    Variant("two_features_twice_the_iterations", NB, {"fit_two_features": '''X2 = df[["income", "limit"]].to_numpy()   # (400, 2)
rng = np.random.default_rng(0)
W1_21, b1_21, W2_21, b2_21, losses_21 = gradient_descent(X2, Y, *init_params(2, 1, rng), lr=5e-4, n_iter=4_000)
W1_22, b1_22, W2_22, b2_22, losses_22 = gradient_descent(X2, Y, *init_params(2, 2, rng), lr=5e-4, n_iter=4_000)
'''}, True, TWO, "trains both networks twice as long as the exercise says"),
    Variant("two_features_in_the_other_order", NB, {"fit_two_features": '''X2 = df[["income", "limit"]].to_numpy()   # (400, 2)
rng = np.random.default_rng(0)
W1_22, b1_22, W2_22, b2_22, losses_22 = gradient_descent(X2, Y, *init_params(2, 2, rng), lr=5e-4, n_iter=2_000)
W1_21, b1_21, W2_21, b2_21, losses_21 = gradient_descent(X2, Y, *init_params(2, 1, rng), lr=5e-4, n_iter=2_000)
'''}, True, TWO, "draws the two-neuron start first, against the stated order"),
    Variant("two_features_limit_only", NB, {"fit_two_features": '''X2 = df[["income", "limit"]].to_numpy()   # (400, 2)
rng = np.random.default_rng(0)
X2 = np.hstack([np.zeros((400, 1)), X])
W1_21, b1_21, W2_21, b2_21, losses_21 = gradient_descent(X2, Y, *init_params(2, 1, rng), lr=5e-4, n_iter=2_000)
W1_22, b1_22, W2_22, b2_22, losses_22 = gradient_descent(X2, Y, *init_params(2, 2, rng), lr=5e-4, n_iter=2_000)
'''}, True, TWO, "feeds a blank column in place of the income"),
    Variant("two_features_in_a_loop", NB, {"fit_two_features": '''X2 = df[["income", "limit"]].to_numpy()   # (400, 2)
rng = np.random.default_rng(0)
trained = {}
for h in (1, 2):
    trained[h] = gradient_descent(X2, Y, *init_params(2, h, rng), lr=0.0005, n_iter=2000)
W1_21, b1_21, W2_21, b2_21, losses_21 = trained[1]
W1_22, b1_22, W2_22, b2_22, losses_22 = trained[2]
'''}, False, TWO, "both networks trained in one loop over the number of hidden neurons"),

    # --- Exercises 11 and 12: classification -----------------------------------------------------
    Variant("cross_entropy_missing_minus", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    P = np.clip(P, 1e-12, 1 - 1e-12)
    return np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
'''}, True, CLASSIFIER, "drops the leading minus sign"),
    Variant("cross_entropy_unclipped", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    return -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
'''}, True, CLASSIFIER, "log(0) for confident predictions"),
    Variant("classifier_without_output_sigmoid", NB, {"classifier": '''def forward_classifier(X, W1, b1, W2, b2):
    return sigmoid(X @ W1 + b1) @ W2 + b2


def cross_entropy(P, Y):
    P = np.clip(P, 1e-12, 1 - 1e-12)
    return -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
'''}, True, CLASSIFIER, "forgets the output sigmoid"),
    Variant("cross_entropy_other_epsilon", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    P = np.clip(P, 1e-15, 1 - 1e-15)
    return -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
'''}, True, CLASSIFIER, "clips with ε = 1e-15 where the exercise fixes 1e-12"),
    Variant("cross_entropy_loose_epsilon", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    P = np.clip(P, 1e-7, 1 - 1e-7)
    return -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
'''}, True, CLASSIFIER, "clips with ε = 1e-7 where the exercise fixes 1e-12"),
    Variant("cross_entropy_clips_only_below", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    P = np.maximum(P, 1e-12)
    return -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))
'''}, True, CLASSIFIER, "no upper clip: P = 1 with label 0 gives an infinite loss"),
    Variant("cross_entropy_keepdims", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    P = np.clip(P, 1e-12, 1 - 1e-12)
    return -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=0, keepdims=True)
'''}, False, CLASSIFIER, "returns the sum as a (1, 1) array, as the visible test accepts"),
    Variant("cross_entropy_matrix_products_clip_each_log", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    eps = 1e-12
    return float(-(Y.T @ np.log(np.clip(P, eps, None)) + (1 - Y).T @ np.log(np.clip(1 - P, eps, None)))[0, 0])
'''}, False, CLASSIFIER, "clips P and 1 − P separately, sums by matrix products"),
    Variant("cross_entropy_with_where", NB, {"classifier": CLASSIFIER_OK_FORWARD + '''
def cross_entropy(P, Y):
    P = np.minimum(np.maximum(P, 1e-12), 1 - 1e-12)
    return -float(np.sum(np.where(Y == 1, np.log(P), np.log(1 - P))))
'''}, False, CLASSIFIER, "np.where picks the log term"),
    Variant("classifier_grads_squared_error_signal", NB, {"classifier_gradients": '''def classifier_gradients(X, Y, W1, b1, W2, b2):
    A1 = sigmoid(X @ W1 + b1)
    P = sigmoid(A1 @ W2 + b2)
    dZ2 = 2 * (P - Y) * P * (1 - P)
    Delta1 = (dZ2 @ W2.T) * A1 * (1 - A1)
    return X.T @ Delta1, Delta1.sum(axis=0, keepdims=True), A1.T @ dZ2, dZ2.sum(axis=0, keepdims=True)
'''}, True, CLASSIFIER_GRADS, "keeps the squared-error output signal"),
    Variant("classifier_grads_half_signal", NB, {"classifier_gradients": '''def classifier_gradients(X, Y, W1, b1, W2, b2):
    A1 = sigmoid(X @ W1 + b1)
    P = sigmoid(A1 @ W2 + b2)
    delta2 = (P - Y) / 2
    delta1 = (delta2 @ W2.T) * A1 * (1 - A1)
    return X.T @ delta1, delta1.sum(axis=0, keepdims=True), A1.T @ delta2, delta2.sum(axis=0, keepdims=True)
'''}, True, CLASSIFIER_GRADS, "halves the output error signal (passed the old shape-only visible test)"),
    Variant("classifier_grads_from_log_derivative", NB, {"classifier_gradients": '''def classifier_gradients(X, Y, W1, b1, W2, b2):
    A1 = sigmoid(X @ W1 + b1)
    P = sigmoid(A1 @ W2 + b2)
    dP = -(Y / P - (1 - Y) / (1 - P))
    dZ2 = dP * P * (1 - P)
    Delta1 = (dZ2 @ W2.T) * A1 * (1 - A1)
    return X.T @ Delta1, Delta1.sum(axis=0, keepdims=True), A1.T @ dZ2, dZ2.sum(axis=0, keepdims=True)
'''}, False, CLASSIFIER_GRADS, "chain rule through dL/dP and σ′ without the shortcut"),
]
