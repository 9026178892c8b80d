"""Contract cases of theorylab.nets.vrnn."""

import numpy as np

from theorylab.nets import vrnn
from tests.contract import RNG, ok

_NET = vrnn.PVRNN(x_dim=2, d_dim=3, z_dim=1, tau=2.0)
_TH = _NET.init(n_runs=2, rng=np.random.default_rng(0))
_X = np.random.default_rng(1).normal(size=(2, 5, 2)) * 0.5
_A = np.zeros((2, 2, 5, 2))
_E = np.zeros((2, 2, 5, 1))

CASES = {
    "PVRNN": ok(2, 3, 1, 2.0).invalid(tau=[0.5]),
    "PVRNN.loss_and_grad": ok(_TH, _A, _X, eps=_E, w=np.array([0.1, 1.0])).on(_NET),
    "PVRNN.generate": ok(_TH, 4, n_samples=2, rng=RNG).on(_NET),
    "PVRNN.train": ok(_TH, _X, w=np.array([0.1, 1.0]), n_iters=2, lr=0.01, rng=RNG).on(_NET),
    "gaussian_kl": ok(np.array([0.1, 0.2]), np.array([0.0, -0.5]), np.array([0.0, 0.3]), np.array([0.2, 0.1])),
    "switching_sinusoids": ok(2, 20, periods=(4, 6), p_switch=0.3, amplitude=0.8, noise=0.02, rng=RNG).invalid(
        p_switch=[1.5]),
}
