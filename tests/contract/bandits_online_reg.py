"""Contract cases of theorylab.bandits.online_reg."""

import numpy as np

from tests.contract import ok

_r = np.random.default_rng(0)
_X = _r.standard_normal((2, 10, 3))
_y = _r.standard_normal((2, 10))
_A = np.einsum("rti,rtj->rij", _X, _X)
_b = np.einsum("rti,rt->ri", _X, _y)
_yy = np.einsum("rt,rt->r", _y, _y)


def _step(t):
    return 0.1 / np.sqrt(t)


CASES = {
    "ogd_least_squares": ok(_X, _y, step=_step, radius=2.0, checkpoints=np.array([5, 10])).invalid(
        radius=[0.0]),
    "best_fixed_loss": ok(_A, _b, _yy),
}
