"""Contract cases of theorylab.bandits.contextual."""

import numpy as np

from theorylab import bandits as B
from theorylab.bandits import ContextualBandit
from tests.contract import RNG, ok

_th = np.array([[0.3, 0.0], [0.0, 0.3], [-0.2, 0.2]])
_ENV = B.linear_contextual(_th, np.full(3, 0.5))


def _f(X):
    return np.full((X.shape[0], 2), 0.5)


def _step(n):
    return 0.5 / np.sqrt(n)


CASES = {
    "ContextualBandit": ok(2, 3, _f, name="flat").invalid(K=[0], dim=[0]).legal(name=["unknown choice"]),
    "ContextualBandit.contexts": ok(np.full((2, 3), 0.3)).on(ContextualBandit(2, 3, _f)).invalid(u=[np.full((2, 3), 1.5)]),
    "linear_contextual": ok(_th, np.full(3, 0.5), name="linear").invalid(theta=[np.full((3, 2), 0.6)]).legal(
        name=["unknown choice"], bias=[0.5, None]),
    "logistic_contextual": ok(_th, np.zeros(3), name="logistic").legal(name=["unknown choice"], bias=[0.3, None]),
    "RidgeOracle": ok(1.0, clip=True).invalid(lam=[0.0, -1.0]),
    "OGDOracle": ok(_step, link="logistic", radius=5.0).invalid(radius=[0.0], step=[-1.0]).legal(
        step=["not callable"]),
    "igw_probs": ok(np.array([[0.2, 0.5, 0.1], [0.3, 0.3, 0.9]]), 10.0).invalid(gamma=[-1.0]),
    "fastcb_probs": ok(np.array([[0.2, 0.5, 0.1], [0.3, 0.3, 0.9]]), 10.0, floor=0.01).invalid(
        gamma=[-1.0], floor=[0.0, 2.0]),
    "run_contextual": ok(_ENV, "squarecb", oracle=B.RidgeOracle(1.0), T=20, n_reps=2, rng=RNG, gamma=50.0,
                         epsilon=0.05, floor=1e-3, checkpoints=np.array([5, 20])).invalid(
        gamma=[-10.0], epsilon=[-0.1, 1.5], oracle=["ridge"]),
}
