"""Contract cases of theorylab.optim."""

import numpy as np

from theorylab import optim
from tests.contract import ok, skip


def _fg(x):
    """A quadratic of an array of any shape: value and gradient."""
    return float(np.sum((x - 1.0) ** 2)), 2.0 * (x - 1.0)


def _fval(x):
    return float(np.sum((x - 1.0) ** 2))


_X = np.array([0.0, 0.5, 2.0])
_G = 2.0 * (_X - 1.0)
_STATE = optim.adam_init(np.zeros(3))

CASES = {
    "AdamState": skip("state container returned by adam_init/adam_step"),
    "DescentResult": skip("result container of armijo_descent/lbfgs"),
    "adam_init": ok(np.zeros(3)),
    "adam_step": ok(np.zeros(3), np.array([1.0, -1.0, 0.5]), _STATE, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    .invalid(beta1=[1.0], beta2=[1.0]),
    "armijo": ok(_fval, _X, _fval(_X), _G, -_G, t0=1.0, c1=1e-4, shrink=0.5, max_iter=30)
    .invalid(shrink=[1.0], c1=[1.0]),
    "armijo_descent": ok(_fg, _X, n_steps=5, t0=1.0, c1=1e-4, shrink=0.5, grow=2.0, batched=False,
                         max_backtracks=30, fun=_fval).invalid(shrink=[1.0], c1=[1.0]),
    "lbfgs": ok(_fg, _X, max_iter=20, gtol=1e-10, ftol=0.0),
    "orthogonal_gradient": ok(np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0.5, 1.0], [0.0, 1.0]]), 0.5,
                              eps=1e-10),
}
