"""Contract cases of theorylab.numdiff."""

import numpy as np

from tests.contract import ok, skip

_X = np.array([0.3, -1.2])
_V = np.array([1.0, 0.5])


def _f(x):
    """A complex-safe scalar function of an array of any shape."""
    return np.sum(np.sin(x) * x)


def _g(x):
    """Its gradient, any shape."""
    return np.cos(x) * x + np.sin(x)


def _jac(x):
    """Its Jacobian, shape x.shape + x.shape."""
    return np.diag(_g(x).ravel()).reshape(np.shape(x) + np.shape(x))


def _vec(x):
    """A complex-safe vector function (the elementwise map), any shape."""
    return np.sin(x) * x


CASES = {
    "GradientCheck": skip("result container of compare/check_gradient"),
    "check_gradient": ok(_f, _g, _X, method="central", rtol=1e-6, atol=1e-9),
    "check_jacobian": ok(_vec, _jac, _X, method="complex", vectorized=False),
    # a non-finite derivative is a legal input of compare: it is a failed check (documented,
    # tests/test_numdiff.py), whose errors are then nan/inf
    "compare": ok(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), rtol=1e-6, atol=1e-9)
    .legal(analytic=["nan entry", "inf entry"], numeric=["nan entry", "inf entry"])
    .nonfinite("documented: non-finite derivatives give a failed check with nan/inf errors"),
    "grad_cs": ok(_f, _X, h=1e-20),
    "grad_fd": ok(_f, _X, h=1e-5, order=2),
    "hessian_fd": ok(_f, _X, h=1e-4),
    "hvp_fd": ok(_g, _X, _V, h=1e-5, order=4),
    "jacobian_cs": ok(_vec, _X, h=1e-20),
    "jacobian_fd": ok(_vec, _X, h=1e-5, order=2, batch_dims=1),
    "jvp_cs": ok(_vec, _X, _V, h=1e-20),
    "jvp_fd": ok(_vec, _X, _V, h=1e-5, order=2),
}
