"""Checks behind the notebooks' visible and hidden tests.

Every check raises ``CheckFailed`` (an ``AssertionError``) with a message for the student: what
is wrong (shape, sign, a constant factor, the largest relative error), never the expected numbers.

Two protections keep a test honest when it runs in the same kernel as the answers:
- the numpy and builtin functions used here are bound when this module is imported, before any
  answer cell runs, so reassigning ``np.allclose`` or ``np.sum`` later changes nothing here;
- every check first verifies that no watched function (numpy, ``math``, key builtins, the
  course's own checks) has been replaced, and fails if one has.
Student code is run through ``run``: on copies of its inputs, with warnings and stderr silenced,
because nbgrader gives zero to a test cell that writes to stderr.
"""

import builtins
import contextlib
import sys
import io
import math
import warnings

import numpy as _np
import numpy.linalg  # noqa: F401  (make sure it is loaded before the snapshot)
import numpy.testing  # noqa: F401

from course import activations, gradcheck

_array = _np.array
_asarray = _np.asarray
_float64 = _np.float64
_isfinite = _np.isfinite
_all = _np.all
_sum = _np.sum
_abs = _np.abs
_ndarray = _np.ndarray
_errstate = _np.errstate
_copy = _np.copy
_numerical_gradients = gradcheck.numerical_gradients
_relative_error = gradcheck.relative_error
_isinstance = isinstance
_float = float
_len = len
_tuple = tuple
_AssertionError = AssertionError

# Builtins worth watching: the ones a check or a hidden test leans on.
_BUILTINS = ("abs", "all", "any", "bool", "dict", "enumerate", "float", "getattr", "hasattr",
             "int", "isinstance", "iter", "len", "list", "map", "max", "min", "next", "range",
             "repr", "round", "sorted", "str", "sum", "tuple", "type", "zip", "print")


class CheckFailed(AssertionError):
    """A check did not pass; the message is written for the student, ``code`` for the
    instructor's report (a short diagnosis: shape, transpose, sign, factor:2, known, value, ...)."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code or getattr(message, "code", None) or "check"


class Diagnosis(str):
    """A diagnosis message that also carries its short code (see ``CheckFailed``)."""

    def __new__(cls, message, code):
        text = super().__new__(cls, message)
        text.code = code
        return text


def _public(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: getattr(module, name) for name in dir(module)
                if not name.startswith("_") and callable(getattr(module, name, None))}


def _watched_spaces():
    return {
        "numpy": _np, "numpy.testing": _np.testing, "numpy.linalg": _np.linalg, "math": math,
        "course.gradcheck": gradcheck, "course.activations": activations,
    }


_SNAPSHOT = {}


def _take_snapshot():
    for space, module in _watched_spaces().items():
        for name, obj in _public(module).items():
            _SNAPSHOT[(space, module, name)] = obj
    for name in _BUILTINS:
        _SNAPSHOT[("builtins", builtins, name)] = getattr(builtins, name)


def replaced_functions():
    """Names of watched functions that no longer are what they were at import time."""
    changed = []
    for (space, module, name), original in _SNAPSHOT.items():
        if module.__dict__.get(name, original) is not original:
            changed.append(f"{space}.{name}")
    return changed


def check_untampered():
    """Fail if an answer cell replaced a function the checks rely on."""
    changed = replaced_functions()
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {_len(changed) - 3} more" if _len(changed) > 3 else "")
        raise CheckFailed(
            f"This notebook replaced {shown}. The tests cannot trust a replaced library or check "
            "function, so this test fails. Remove that assignment and restart the kernel.", "tampered")


@contextlib.contextmanager
def quiet():
    """Silence numpy floating-point warnings, Python warnings and stderr inside the block."""
    with _errstate(all="ignore"), warnings.catch_warnings(), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _copied(value):
    if _isinstance(value, _ndarray):
        return _copy(value)
    if _isinstance(value, (list, _tuple)):
        return type(value)(_copied(v) for v in value)
    if _isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    return value


def run(fn, *args, **kwargs):
    """Call student code ``fn`` on copies of its arguments, quietly; return what it returns."""
    _verify()
    with quiet():
        return fn(*_copied(args), **_copied(kwargs))


def count_calls(name, fn, *args, **kwargs):
    """Call student code ``fn`` as ``run`` does, counting the calls it makes to the notebook
    function ``name`` (for example how many forward passes a backprop makes).

    Returns (count, what fn returned). The notebook's ``name`` is put back afterwards. When the
    grader runs the tests apart from the student's code, ``fn`` is a stand-in that asks the
    student's kernel to do the same there.
    """
    _verify()
    remote = getattr(type(fn), "__course_count_calls__", None)
    if remote is not None:
        return remote(fn, name, _copied(args), _copied(kwargs))
    space = getattr(getattr(fn, "__func__", fn), "__globals__", None)
    if space is None or name not in space:
        raise CheckFailed(f"{name} is not defined where {getattr(fn, '__name__', 'this function')} looks for it.")
    kept, calls = space[name], [0]

    def counted(*a, **k):
        calls[0] += 1
        return kept(*a, **k)

    space[name] = counted
    try:
        with quiet():
            result = fn(*_copied(args), **_copied(kwargs))
    finally:
        space[name] = kept
    return calls[0], result


def as_array(name, value):
    """``value`` as a float64 array, or a clear failure when it is not numeric."""
    _verify()
    if value is None:
        raise CheckFailed(f"{name} is None: did the function forget to return it?", "none")
    try:
        with quiet():
            out = _array(value, dtype=_float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} should be numeric, got a {type(value).__name__}.", "type") from None
    if not _all(_isfinite(out)):
        raise CheckFailed(f"{name} contains NaN or infinity.", "nan")
    return out


def check_shape(name, value, shape):
    """``value`` has exactly ``shape`` (the exercise states shapes, so saying them gives nothing away)."""
    got = as_array(name, value)
    shape = _tuple(shape)
    if got.shape != shape:
        hint = " (transposed?)" if got.shape == shape[::-1] and _len(shape) == 2 else ""
        raise CheckFailed(f"{name} has shape {got.shape}, expected {shape}{hint}.",
                          "transpose" if hint else "shape")


def as_number(name, value):
    """``value`` as a float, or a clear failure when it is not one finite real number."""
    got = as_array(name, value)
    if got.size != 1:
        raise CheckFailed(f"{name} should be a single number, got shape {got.shape}.", "shape")
    return _float(got.reshape(-1)[0])


# The check_* functions return None on purpose: nbgrader reads a number displayed by the last
# line of a test cell as partial credit, so a check must never display a value.

def check_scalar(name, value):
    """``value`` is one finite real number."""
    as_number(name, value)


def _is_simple_factor(factor):
    """True for ±n and ±1/n with n a whole number from 2 to 10 000."""
    for value in (abs(factor), 1.0 / abs(factor)):
        n = round(value)
        if 2 <= n <= 10_000 and abs(value - n) <= 1e-6 * n:
            return True
    return False


def diagnose(name, got, expected, tol=1e-6, suspects=None):
    """Return None when ``got`` matches ``expected`` within relative error ``tol``, else a message
    (a ``Diagnosis``: a string that also carries a short code).

    suspects: optional {message: array} of known wrong answers; a match returns that message.
    The message names the quantity and what is off, never the expected values.
    """
    try:
        got = as_array(name, got)
    except CheckFailed as failure:
        return Diagnosis(str(failure), failure.code)
    expected = _array(expected, dtype=_float64)
    if got.shape != expected.shape:
        if got.size == expected.size == 1:
            got = got.reshape(expected.shape)
        elif got.ndim == 2 and got.shape == expected.shape[::-1]:
            return Diagnosis(f"{name} has shape {got.shape}, expected {expected.shape}: transposed?", "transpose")
        else:
            return Diagnosis(f"{name} has shape {got.shape}, expected {expected.shape}.", "shape")
    error = _relative_error(got, expected)
    if error <= tol:
        return None
    for message, wrong in (suspects or {}).items():
        wrong = _array(wrong, dtype=_float64)
        if wrong.shape == got.shape and _relative_error(got, wrong) <= tol:
            return Diagnosis(f"{name}: {message}", "known")
    if not _all(got == 0) and _relative_error(-got, expected) <= tol:
        return Diagnosis(f"{name} has the wrong sign.", "sign")
    denom = _float(_sum(expected * expected))
    if denom > 0 and not _all(got == 0):
        factor = _float(_sum(got * expected)) / denom
        # One number is always "a factor" of another: only name a factor that explains a slip
        # (2, 1/2, N, 1/N, ...) there; for arrays any common factor is worth naming.
        if factor != 0 and _relative_error(got / factor, expected) <= tol and (
                got.size > 1 or _is_simple_factor(factor)):
            return Diagnosis(f"{name} is off by a constant factor: it is about {factor:.3g} times the "
                             "correct value.", f"factor:{factor:.3g}")
    if _all(got == 0):
        return Diagnosis(f"{name} is all zeros.", "zeros")
    return Diagnosis(f"{name} is wrong: largest relative error {error:.2g} (tolerance {tol:g}).", "value")


def check_close(name, got, expected, tol=1e-6, suspects=None):
    """Fail with ``diagnose``'s message unless ``got`` matches ``expected``."""
    message = diagnose(name, got, expected, tol, suspects)
    if message:
        raise CheckFailed(message)


def check_gradients(got, loss, params, tol=1e-6, where="", suspects=None):
    """Compare analytic gradients with central finite differences of ``loss``.

    got:    {name: the student's gradient for that parameter}
    loss:   a trusted function, loss(**params) -> float
    params: {name: value} at which to compare (float64 is used throughout)
    where:  a short description of the test case, added to the message
    suspects: optional {name: {message: known wrong array}}
    All wrong parameters are reported together, one line each.
    """
    _verify()
    with quiet():
        numeric = _numerical_gradients(loss, params)
    problems = []
    for pname, expected in numeric.items():
        label = f"the gradient for {pname}"
        if pname not in got:
            problems.append(Diagnosis(f"{label} is missing.", "missing"))
            continue
        message = diagnose(label, got[pname], expected, tol, (suspects or {}).get(pname))
        if message:
            problems.append(message)
    if problems:
        context = f" ({where})" if where else ""
        raise CheckFailed(f"Gradient check failed{context}:\n- " + "\n- ".join(problems), problems[0].code)


def check_at_most(name, value, bound, advice=""):
    """``value`` (a number) is at most ``bound``; bounds are stated in the notebook."""
    value = as_number(name, value)
    if not value <= bound:
        raise CheckFailed(f"{name} is {value:.6g}, which is above the target {bound:g}. {advice}".strip(), "target")


def check_at_least(name, value, bound, advice=""):
    """``value`` (a number) is at least ``bound``; bounds are stated in the notebook."""
    value = as_number(name, value)
    if not value >= bound:
        raise CheckFailed(f"{name} is {value:.6g}, which is below the target {bound:g}. {advice}".strip(), "target")


def check(condition, message):
    """A plain assertion that survives ``python -O`` and reads as a test line."""
    _verify()
    if not condition:
        raise CheckFailed(message)


# Bound once: a later reassignment of course.checks.check_untampered does not reach these.
_verify = check_untampered
_take_snapshot()
for _name, _obj in _public(sys.modules[__name__]).items():
    _SNAPSHOT[("course.checks", sys.modules[__name__], _name)] = _obj
