"""Contract cases of theorylab.nets.regressors."""

import numpy as np

from theorylab.nets.regressors import OnlineMLPOracle
from tests.contract import RNG, ok

_r = np.random.default_rng(0)
_W = _r.standard_normal((2, 4, 3))
_a = _r.standard_normal((2, 4))
_phi = _r.standard_normal((2, 3))


def _step(n):
    return 0.1 / np.sqrt(n)


CASES = {
    "mlp_forward": ok(_W, _a, _phi).invalid(a=[_a[:, :3]], phi=[_phi[:, :2]]),
    "mlp_grad": ok(_W, _a, _phi).invalid(a=[_a[:, :3]]),
    "OnlineMLPOracle": ok(4, _step, link="logistic", rho=0.01, rng=RNG).invalid(width=[0], rho=[-1.0]).legal(
        step=["not callable"]),
}
