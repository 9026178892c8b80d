"""Contract cases of theorylab.symbolic."""

import numpy as np
import sympy as sp

from theorylab import symbolic as S
from tests.contract import RNG, ok, skip

_NET = S.SymbolicNet(2, (("id", "sin", "mul"),))
_P = np.random.default_rng(0).standard_normal(_NET.n_params)
_X = np.random.default_rng(1).uniform(-1, 1, (6, 2))
_Y = np.sin(_X[:, 0]) + _X[:, 0] * _X[:, 1]
_SMALL = S.SymbolicNet(1, (("sin",),))
_x = sp.Symbol("x")

CASES = {
    "SymbolicNet": ok(2, (("id", "sin"), ("mul",))).invalid(n_in=[0], layers=[(), (("tanh",),), ((),)]),
    "SymbolicNet.unpack": ok(_P).on(_NET).invalid(p=[np.ones(3)]),
    "SymbolicNet.init_params": ok(rng=RNG, scale=0.5).on(_NET).invalid(scale=[0.0]),
    "l05_smooth": ok(np.array([4.0, -1.0, 0.003, 0.0]), a=0.01).invalid(a=[0.0]),
    "mse_and_grad": ok(_NET, _P, _X, _Y).invalid(X=[np.ones((6, 3))], y=[np.ones(5)], p=[np.ones(3)]),
    "objective_and_grad": ok(_NET, _P, _X, _Y, reg_weight=1e-3, a=0.01).invalid(
        reg_weight=[-1.0], a=[0.0], y=[np.ones(5)]),
    "SymbolicFit": skip("result container returned by fit_symbolic, not an input boundary"),
    "fit_symbolic": ok(_SMALL, _X[:, :1], np.sin(_X[:, 0]), rng=RNG, n_restarts=1, reg_weight=1e-3, a=0.01,
                       threshold=0.05, maxiter=5, init_scale=0.5, refine=True).invalid(
        a=[0.0], init_scale=[0.0], threshold=[-1.0]),
    "to_sympy": ok(_SMALL, np.array([2.0, 0.0, 3.0, 1.0]), names=["t"]).invalid(names=[["a", "b"]]),
    "rationalize_constants": ok(2.50000000001 * sp.sin(1.2999999999 * _x), tol=1e-6, constants=(sp.pi,)).invalid(
        tol=[0.0]),
}
