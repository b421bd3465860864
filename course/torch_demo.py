"""Optional: the Part B network in PyTorch, when PyTorch happens to be installed.

PyTorch is not a dependency of this course. Without it, ``torch_moons_demo`` says so and
returns None; nothing fails.
"""

import importlib.util

import numpy as np

MISSING_MESSAGE = ("PyTorch is not installed, so this optional demonstration is skipped. "
                   "Everything graded in this lecture uses numpy only. To try it at home: "
                   "pip install torch")


def torch_available():
    return importlib.util.find_spec("torch") is not None


def torch_moons_demo(X, y, neurons=32, lr=1.0, steps=1000, seed=0):
    """Train Linear(2, neurons) → ReLU → Linear(neurons, 1) → sigmoid with mean binary
    cross-entropy and plain gradient descent (autograd computes the gradients).

    X: (N, 2), y: (N,) or (N, 1) labels 0/1.
    Returns (predict, losses), predict mapping points (M, 2) to P(class 1) of shape (M,),
    or None (after printing why) when PyTorch is not installed.
    """
    if not torch_available():
        print(MISSING_MESSAGE)
        return None
    import torch
    from torch import nn

    torch.manual_seed(seed)
    inputs = torch.tensor(np.asarray(X), dtype=torch.float32)
    targets = torch.tensor(np.asarray(y).reshape(-1), dtype=torch.float32)
    model = nn.Sequential(nn.Linear(2, neurons), nn.ReLU(), nn.Linear(neurons, 1), nn.Sigmoid())
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()        # gradients accumulate in torch unless reset
        loss = nn.functional.binary_cross_entropy(model(inputs).squeeze(1), targets)
        loss.backward()              # one vector-Jacobian product per operation, back to front
        optimizer.step()
        losses.append(loss.item())

    def predict(points):
        with torch.no_grad():
            return model(torch.tensor(np.asarray(points), dtype=torch.float32)).squeeze(1).numpy()

    return predict, losses
