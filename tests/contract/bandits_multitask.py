"""Contract cases of theorylab.bandits.multitask."""

import numpy as np

from theorylab.bandits.multitask import make_multitask
from tests.contract import RNG, ok

_ENV = make_multitask(D=4, k=2, M=3, K=3, n_reps=2, sigma=0.1, rng=np.random.default_rng(0))
_B = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 2)))[0]

CASES = {
    "MultiTaskLinearBandit": ok(_ENV.B, _ENV.thetas, 3, sigma=0.1).invalid(sigma=[-1.0]),
    "make_multitask": ok(D=4, k=2, M=3, K=3, n_reps=2, sigma=0.1, rng=RNG).invalid(k=[5]),
    "run_multitask": ok(_ENV, "shared", T=12, rng=RNG, lam=1.0, refit_every=3,
                        checkpoints=np.array([4, 12])).invalid(lam=[0.0]),
    "subspace_sin": ok(_B, np.eye(4)[:, :2]),
}
