"""Contract cases of theorylab.curvature."""

import numpy as np

from theorylab import curvature
from tests.contract import RNG, ok, skip

_r = np.random.default_rng(0)
_ABAR = _r.standard_normal((6, 3))          # one layer: n = 6 examples, k = 3 inputs
_GRADS = _r.standard_normal((6, 2, 2))      # m = 2 outputs, o = 2 units
_J = _r.standard_normal((6, 2, 5))          # per-example Jacobians, P = 5
_G = np.einsum("nmp,nmq->pq", _J, _J) / 6
_KF = curvature.kfac_factors([_ABAR], [_GRADS])
_EKF = curvature.ekfac_factors([_ABAR], [_GRADS])
_JD = _J.reshape(12, 5)


def _cvp(idx, X):
    """Minibatch Gauss-Newton-vector product of the stacked Jacobian rows (indices
    taken modulo the 12 rows, so any n_samples is a consistent data set)."""
    Jb = _JD[np.asarray(idx) % 12]
    return X @ (Jb.T @ Jb) / len(idx)


CASES = {
    "EKFACBlock": skip("factor container returned by ekfac_factors"),
    "InteractionBasis": skip("result container of interaction_basis"),
    "KFACBlock": skip("factor container returned by kfac_factors"),
    "LissaResult": skip("result container of lissa"),
    "NullSpace": skip("result container of null_space"),
    "block_diagonal": ok(_G, [(1, 2), (1, 3)]).invalid(shapes=[[(1, 2), (1, 2)]]),
    "damped_solve": ok(_G, np.ones(5), 0.1),
    "ekfac_factors": ok([_ABAR], [_GRADS], out_hess=np.eye(2)),
    "ekfac_ihvp": ok(_EKF, np.ones(6), 0.1),
    "ekfac_matrix": ok(_EKF),
    "gauss_newton": ok(_J, np.eye(2), mean=True),
    "hessian_rank": ok(_G, rtol=1e-9),
    "interaction_basis": ok(_ABAR, _GRADS.transpose(0, 2, 1)[:, :, :2] @ np.ones((2, 3)), rtol=1e-9),
    "kfac_factors": ok([_ABAR], [_GRADS], out_hess=np.eye(2)),
    "kfac_ihvp": ok(_KF, np.ones(6), 0.1),
    "kfac_matrix": ok(_KF),
    "lissa": ok(_cvp, np.ones(5), n_samples=12, damping=0.1, scale=20.0, n_iter=10, batch_size=4, rng=RNG,
                record=(5,)),
    "null_space": ok(_J, rtol=1e-9).nonfinite("documented: gap is inf when no direction is dropped"),
}
