"""Contract cases of theorylab.regression."""

import numpy as np

from tests.contract import ok, skip

_r = np.random.default_rng(0)
_F = _r.standard_normal((6, 3))
_y = _r.standard_normal(6)
_A = _r.standard_normal((5, 5))
_K = _A @ _A.T + np.eye(5)
_yk = _r.standard_normal(5)

CASES = {
    "ridge_path": ok(_F, _y, [0.0, 0.1]).invalid(ridges=[[-1.0], []]),
    "ridge_fit": ok(_F, _y, 0.1).invalid(ridge=[-1.0]),
    "kernel_ridge_path": ok(_K, _yk, [0.0, 0.1]).invalid(ridges=[[-1.0]], K=[_A]),
    "kernel_ridge_fit": ok(_K, _yk, 0.1).invalid(ridge=[-1.0], K=[-_K]),
    "select_ridge": ok(_F, _y, _F[:3], _y[:3], [0.01, 0.1], kernel=False).invalid(ridges=[[-1.0]]),
    "RidgeSelection": skip("result container returned by select_ridge, not an input boundary"),
    "mse": ok(_y, _y[::-1]),
}
