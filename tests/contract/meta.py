"""Contract cases of theorylab.meta."""

import numpy as np

from theorylab import meta
from tests.contract import RNG, ok

_MU = np.array([[0.2, 0.8], [0.6, 0.3]])
_EPS = np.random.default_rng(0).standard_normal((3, 2))


def _obj(Phi, *, rng):
    return -((Phi - 1.0) ** 2).sum(1) + 0.01 * rng.standard_normal(Phi.shape[0])


def _quad(Phi, *, rng=None):
    return -((Phi - 1.0) ** 2).sum(1)


CASES = {
    "Adam": ok(0.1, beta1=0.9, beta2=0.999, eps=1e-8).invalid(beta1=[1.0], beta2=[1.5], lr=[0.0]),
    "Adam.step": ok(np.array([1.0, -2.0]), np.array([0.5, 0.1]), maximize=False).on(meta.Adam(0.1)).invalid(
        grad=[np.ones(3)]),
    "softmax": ok(np.array([[0.0, 1.0, -1.0], [2.0, 0.5, 0.0]]), axis=-1).invalid(axis=[2]),
    "categorical_entropy": ok(np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]), axis=-1).invalid(
        p=[np.array([0.5, -0.1, 0.6])], axis=[2]),
    "progress_schedule": ok(np.array([0.0, 1.0, -0.5]), 5).invalid(n_steps=[0]),
    "reinforce_bandit_lifetime": ok(np.full((2, 4), 0.5), _MU, batch=3, rng=RNG, z0=np.zeros((2, 2)),
                                    return_entropy=True).invalid(
        mu=[np.array([[0.2, 1.5]])], batch=[0], z0=[np.zeros((3, 2))]),
    "antithetic_es_gradient": ok(np.array([1.0, 0.5, -0.2]), np.array([-1.0, 0.1, 0.3]), _EPS, 0.5).invalid(
        sigma=[0.0], f_minus=[np.ones(2)]),
    "centered_ranks": ok(np.array([10.0, -3.0, 4.0, 0.5])),
    "es_ascent": ok(_obj, np.zeros(2), sigma=0.1, n_pairs=3, lr=0.1, n_generations=4, rng=RNG,
                    use_ranks=True, callback=None).invalid(sigma=[0.0], lr=[0.0], n_pairs=[0]),
    # rng=None is documented: a deterministic objective needs no random numbers
    "central_difference_gradient": ok(_quad, np.array([0.3, 2.0]), h=1e-4, rng=RNG).invalid(h=[0.0]).legal(
        rng=["None for rng"]),
    "truncated_metagradient": ok(np.array([0.0, 0.5]), _MU, n_steps=6, n0=2, unroll=2, batch=3, h=1e-3,
                                 rng=RNG).invalid(unroll=[5], h=[0.0], mu=[np.array([[0.2, 1.5]])]),
    "risk_seeking_pg_grad": ok(np.array([0.1, -0.2, 0.3]), np.array([0, 2, 1, 2]), np.array([1.0, 0.2, 0.5, 0.9]),
                               epsilon=0.5, entropy_weight=0.1).invalid(
        epsilon=[0.0, 1.5], actions=[np.array([0, 3, 1, 2])], entropy_weight=[-1.0]),
}
