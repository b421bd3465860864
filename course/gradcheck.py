"""Central finite differences, the yardstick every hidden gradient test uses.

All arithmetic is float64. Numpy functions are bound at import time so that an answer cell
that reassigns ``np.sum`` or friends cannot change what the yardstick measures.
"""

import numpy as _np

_array = _np.array
_float64 = _np.float64
_zeros_like = _np.zeros_like
_ndindex = _np.ndindex
_abs = _np.abs
_max = _np.max
_maximum = _np.maximum


def numerical_gradient(f, x, h=1e-5):
    """Gradient of the scalar function ``f`` at ``x`` by central differences.

    f: callable taking an array shaped like x (float64) and returning a scalar.
    x: array of any shape (a Python float is treated as shape ()).
    Returns an array of x's shape: (f(x + h e_i) - f(x - h e_i)) / 2h for every entry i.
    """
    x = _array(x, dtype=_float64)
    grad = _zeros_like(x)
    for i in _ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x.copy()))
        x[i] = old - h
        f_minus = float(f(x.copy()))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def numerical_gradients(loss, params, h=1e-5):
    """Finite-difference gradients of ``loss(**params)`` for every entry of the dict ``params``.

    Returns a dict with the same keys; each value has the shape of its parameter.
    """
    params = {k: _array(v, dtype=_float64) for k, v in params.items()}
    grads = {}
    for name in params:
        def f(value, name=name):
            return loss(**{**params, name: value})
        grads[name] = numerical_gradient(f, params[name], h)
    return grads


def relative_error(a, b):
    """max |a − b| / max(|a| + |b|) over all entries, 0 when both are zero."""
    a = _array(a, dtype=_float64)
    b = _array(b, dtype=_float64)
    scale = float(_max(_abs(a) + _abs(b))) if a.size else 0.0
    if scale == 0.0:
        return 0.0
    return float(_max(_abs(a - b))) / scale
