"""The course package's core: the Credit loader, the quiet sigmoid, finite differences and the
checks that every notebook test relies on. Each check is shown to fail on what it must catch."""

import io
import warnings
from contextlib import redirect_stderr

import numpy as np
import pytest

from course import checks
from course.activations import sigmoid
from course.data import load_credit
from course.gradcheck import numerical_gradient, numerical_gradients, relative_error


def test_credit_frame_matches_the_syllabus():
    df = load_credit()
    assert df.shape == (400, 3)
    assert list(df.columns) == ["income", "limit", "balance"]
    np.testing.assert_allclose(df.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(df.std(ddof=1), 1, rtol=1e-12)   # sample standard deviation


def test_reference_loss_at_all_ones():
    df = load_credit()
    x, y = df["limit"].to_numpy(), df["balance"].to_numpy()
    loss = np.sum((sigmoid(x + 1) + 1 - y) ** 2)
    assert loss == pytest.approx(1444.3526409019069, rel=1e-13)


def test_sigmoid_is_quiet_and_accurate():
    z = np.array([-1000.0, -30.0, 0.0, 2.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.exp(30)), 0.5, 1 / (1 + np.exp(-2)), 1.0])


def test_numerical_gradient_of_a_known_function():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.0])
    g = numerical_gradient(lambda v: v @ A @ v, x)
    np.testing.assert_allclose(g, 2 * A @ x, rtol=1e-8)
    grads = numerical_gradients(lambda a, b: float(np.sum(a * b)), {"a": np.ones((2, 3)), "b": np.arange(6.0).reshape(2, 3)})
    np.testing.assert_allclose(grads["a"], np.arange(6.0).reshape(2, 3), atol=1e-8)
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([0.0], [0.0]) == 0.0
    assert relative_error([1.0], [-1.0]) == pytest.approx(1.0)


def _loss(w, b):
    return float(np.sum((w * 3.0 + b) ** 2))


GOOD = {"w": 6.0 * (0.5 * 3 + 0.25), "b": 2.0 * (0.5 * 3 + 0.25)}
AT = {"w": 0.5, "b": 0.25}


def test_check_gradients_passes_the_right_answer():
    checks.check_gradients(GOOD, _loss, AT)


@pytest.mark.parametrize("got,message", [
    ({"w": -GOOD["w"], "b": GOOD["b"]}, "the gradient for w has the wrong sign"),
    ({"w": GOOD["w"] / 2, "b": GOOD["b"]}, "about 0.5 times"),
    ({"w": GOOD["w"], "b": 0.0}, "the gradient for b is all zeros"),
    ({"w": GOOD["w"] + 1.0, "b": GOOD["b"]}, "largest relative error"),
    ({"w": GOOD["w"]}, "the gradient for b is missing"),
    ({"w": [GOOD["w"], 1.0], "b": GOOD["b"]}, "has shape (2,), expected ()"),
    ({"w": None, "b": GOOD["b"]}, "is None"),
    ({"w": "abc", "b": GOOD["b"]}, "should be numeric"),
    ({"w": float("nan"), "b": GOOD["b"]}, "NaN or infinity"),
])
def test_check_gradients_says_what_is_wrong(got, message):
    with pytest.raises(checks.CheckFailed, match=None) as failure:
        checks.check_gradients(got, _loss, AT, where="unit test")
    assert message in str(failure.value)
    assert "unit test" in str(failure.value)
    # the message never reveals the expected gradient
    assert f"{GOOD['w']:.3g}" not in str(failure.value)


def test_diagnose_transposed_and_suspects():
    expected = np.arange(6.0).reshape(2, 3) + 1
    assert "transposed" in checks.diagnose("dW", expected.T, expected)
    assert checks.diagnose("dW", expected, expected) is None
    wrong = expected * np.array([1.0, 2.0, 3.0])
    msg = checks.diagnose("dW", wrong, expected, suspects={"missing σ′ factor": wrong})
    assert msg == "dW: missing σ′ factor"


def test_bounds_and_shapes():
    checks.check_at_most("loss", 1.0, 2.0)
    checks.check_at_least("accuracy", 0.95, 0.9)
    with pytest.raises(checks.CheckFailed, match="above the target"):
        checks.check_at_most("loss", 3.0, 2.0)
    with pytest.raises(checks.CheckFailed, match="below the target"):
        checks.check_at_least("accuracy", 0.5, 0.9)
    with pytest.raises(checks.CheckFailed, match=r"shape \(3, 2\), expected \(2, 3\) \(transposed\?\)"):
        checks.check_shape("W", np.zeros((3, 2)), (2, 3))
    with pytest.raises(checks.CheckFailed, match="single number"):
        checks.check_scalar("L", [1.0, 2.0])
    with pytest.raises(checks.CheckFailed, match="custom"):
        checks.check(False, "custom")


def test_run_uses_copies_and_keeps_stderr_quiet():
    def noisy(a):
        a[0] = 99.0
        warnings.warn("loud")
        np.exp(np.array([1000.0]))
        import sys
        print("to stderr", file=sys.stderr)
        return a.sum()
    original = np.array([1.0, 2.0])
    err = io.StringIO()
    with redirect_stderr(err), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert checks.run(noisy, original) == 101.0
    assert original[0] == 1.0
    assert err.getvalue() == "" and not seen


@pytest.mark.parametrize("target", ["allclose", "isclose", "sum", "abs"])
def test_replaced_numpy_function_fails_every_check(target, monkeypatch):
    monkeypatch.setattr(np, target, lambda *a, **k: True)
    with pytest.raises(checks.CheckFailed, match=f"replaced numpy.{target}"):
        checks.check_gradients(GOOD, _loss, AT)


def test_replaced_testing_and_builtins_and_course_checks_are_noticed(monkeypatch):
    import builtins
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(builtins, "abs", lambda v: 0)
    monkeypatch.setattr(checks, "check_close", lambda *a, **k: None)
    changed = checks.replaced_functions()
    assert {"numpy.testing.assert_allclose", "builtins.abs", "course.checks.check_close"} <= set(changed)
    with pytest.raises(checks.CheckFailed, match="replaced"):
        checks.check_scalar("x", 1.0)


def test_untouched_environment_is_not_flagged():
    import matplotlib.pyplot  # noqa: F401  importing the usual libraries must not look like tampering
    import pandas  # noqa: F401
    import seaborn  # noqa: F401
    assert checks.replaced_functions() == []
