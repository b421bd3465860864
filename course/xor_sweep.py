"""Many small XOR networks trained at once, for Lecture 4's sweep over starting seeds.

Each network is the lecture's 2-H-1 network: a hidden layer of H ReLU neurons (or leaky ReLU),
one sigmoid output, the mean binary cross-entropy, full-batch gradient descent. Network number k
starts exactly as ``NN([Layer(2, H, RELU, default_rng(s)), Layer(H, 1, SIGMOID, default_rng(s + 1))])``
does with a ``glorot_uniform`` that draws ``rng.uniform(-r, r, size=(fan_in, fan_out))``, for the
k-th seed s; its hidden biases may start at another value than 0.

The arithmetic is the lecture's, one network per entry of a leading axis: ``X @ W1`` with W1 of
shape (S, 2, H) multiplies the same four inputs by S weight matrices at once. That is all that
differs from training the S networks one after the other with the lecture's ``train``, and it makes
a sweep over twenty starts take a fraction of a second.
"""

import numpy as np

from course.activations import sigmoid

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
EPS = 1e-12


def glorot_start(seeds, hidden, hidden_bias=0.0):
    """Starting weights of one 2-hidden-1 network per seed: W1 (S, 2, H), b1 (S, H), W2 (S, H, 1),
    b2 (S, 1). W1 from default_rng(s), W2 from default_rng(s + 1), each uniform on its layer's own
    Glorot bound; b1 all equal to hidden_bias, b2 zero."""
    r1, r2 = np.sqrt(6.0 / (2 + hidden)), np.sqrt(6.0 / (hidden + 1))
    W1 = np.stack([np.random.default_rng(s).uniform(-r1, r1, size=(2, hidden)) for s in seeds])
    W2 = np.stack([np.random.default_rng(s + 1).uniform(-r2, r2, size=(hidden, 1)) for s in seeds])
    return W1, np.full((len(W1), hidden), float(hidden_bias)), W2, np.zeros((len(W1), 1))


def train_xor_many(seeds, hidden=3, epochs=1000, lr=0.5, hidden_bias=0.0, leak=0.0):
    """Train one 2-hidden-1 network on XOR per seed, full batch.

    seeds: sequence of S ints (network k starts from seeds[k] and seeds[k] + 1, as above).
    leak:  slope of the hidden activation below 0 (0: ReLU, whose derivative at exactly 0 is 0).
    Returns (history, probabilities): history (S, epochs), the mean cross-entropy before each step
    (as the lecture's ``train`` records it with the full batch); probabilities (S, 4), the trained
    networks' outputs for the four rows of the XOR table.
    """
    W1, b1, W2, b2 = glorot_start(seeds, hidden, hidden_bias)
    X, Y = XOR_X, XOR_Y
    n = len(X)
    history = np.empty((len(W1), epochs))
    for epoch in range(epochs):
        Z1 = X @ W1 + b1[:, None, :]                            # (S, 4, H)
        slope = np.where(Z1 > 0, 1.0, leak)
        A1 = Z1 * slope
        P = sigmoid(A1 @ W2 + b2[:, None, :])                   # (S, 4, 1)
        Pc = np.clip(P, EPS, 1 - EPS)
        history[:, epoch] = -np.mean(Y * np.log(Pc) + (1 - Y) * np.log(1 - Pc), axis=(1, 2))
        delta2 = (P - Y) / n                                    # dJ/dZ2 of the mean loss
        delta1 = (delta2 @ W2.transpose(0, 2, 1)) * slope       # dJ/dZ1
        W2 = W2 - lr * (A1.transpose(0, 2, 1) @ delta2)
        b2 = b2 - lr * delta2.sum(axis=1)
        W1 = W1 - lr * (X.T @ delta1)
        b1 = b1 - lr * delta1.sum(axis=1)
    Z1 = X @ W1 + b1[:, None, :]
    P = sigmoid(np.where(Z1 > 0, Z1, leak * Z1) @ W2 + b2[:, None, :])
    return history, P[:, :, 0]


def learned(probabilities):
    """For each network (row), whether it classifies all four XOR inputs right (class 1 when the
    probability is at least 0.5, as the lecture's ``predict``)."""
    return np.all((np.asarray(probabilities) >= 0.5) == (XOR_Y[:, 0] == 1), axis=1)
