"""Steepest descent for a network whose gradients come from a function you pass in.

The trainer knows nothing about the network: ``gradients(params, x, y)`` returns one array per
parameter (the Jacobians ∂C/∂W, ∂C/∂b), and the trainer steps every parameter against it.
"""

import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class TrainingRun:
    """What ``train`` returns.

    params:     the parameters after the last iteration ({name: array}, fresh copies)
    iterations: iteration numbers at which snapshots were taken (0 is the start)
    snapshots:  copies of the parameters at those iterations
    costs:      cost(params, x, y) at those iterations (empty when no cost function was given)
    seconds:    wall time of the iterations (snapshots and costs included)
    """
    params: dict
    iterations: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    costs: list = field(default_factory=list)
    seconds: float = 0.0


def _copy(params):
    return {name: np.array(value, dtype=float) for name, value in params.items()}


def _check_gradients(params, grads):
    """Fail early, in plain words, when ``gradients`` returns the wrong kind of thing."""
    if not isinstance(grads, dict):
        raise TypeError(f"gradients(params, x, y) should return a dict, got {type(grads).__name__}")
    for name, value in params.items():
        if name not in grads:
            raise KeyError(f"gradients(params, x, y) returned no entry for {name!r}")
        shape = np.shape(grads[name])
        if shape != value.shape:
            raise ValueError(f"the gradient for {name} has shape {shape}, "
                             f"but {name} has shape {value.shape}")


def train(gradients, params, x, y, step=5.0, iterations=10_000, noise=0.0, seed=0,
          snapshot_every=None, cost=None):
    """Steepest descent: ``params[name] -= step * factor * gradients(params, x, y)[name]``.

    gradients:      function (params, x, y) -> {name: ∂C/∂name}, each shaped like params[name]
    params:         {name: array}; not modified (the run works on copies)
    x, y:           training inputs (n_in, N) and targets (n_out, N), one example per column
    step:           step size (the "aggression" of steepest descent)
    iterations:     number of steps
    noise:          jitter of the step: at every iteration each parameter's gradient is scaled by
                    its own factor 1 + noise * ξ with ξ ~ Normal(0, 1). Some steps are longer,
                    some shorter (with noise > 1 some even go uphill); this can shake the
                    descent out of a plateau. 0 gives plain steepest descent.
    seed:           seed of the noise; the same arguments give the same run
    snapshot_every: take a snapshot every this many iterations (None: only at start and end)
    cost:           optional function (params, x, y) -> float, evaluated at every snapshot
    Returns a TrainingRun.
    """
    params = _copy(params)
    names = list(params)
    every = snapshot_every or max(iterations, 1)
    run = TrainingRun(params=params)

    def snapshot(i):
        run.iterations.append(i)
        run.snapshots.append(_copy(params))
        if cost is not None:
            run.costs.append(float(cost(params, x, y)))

    # Drawn in one go (cheaper than one draw per step); a step size per parameter per iteration.
    if noise:
        rates = step * (1.0 + noise * np.random.default_rng(seed).standard_normal((iterations, len(names))))
    start = time.perf_counter()
    snapshot(0)
    for i in range(iterations):
        grads = gradients(params, x, y)
        if i == 0:
            _check_gradients(params, grads)
        if noise:
            for j, name in enumerate(names):
                params[name] -= rates[i, j] * grads[name]
        else:
            for name in names:
                params[name] -= step * grads[name]
        if (i + 1) % every == 0 or i + 1 == iterations:
            snapshot(i + 1)
    run.seconds = time.perf_counter() - start
    return run
