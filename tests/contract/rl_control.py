"""Contract cases of theorylab.rl.control."""

import numpy as np

from theorylab.rl import control
from tests.contract import ok

_A = np.array([[0.5, 0.1], [0.0, 0.4]])
_B = np.array([[1.0], [0.5]])
_K = np.array([[0.2, 0.1]])
_S0 = np.array([[1.0, -0.5], [0.3, 0.2]])
_X = np.random.default_rng(0).standard_normal((5, 2))


def _pol(s):
    return -s @ _K.T


def _rew(s, u):
    return -np.abs(s).sum(1) - np.abs(u).sum(1)


def _f(z):
    return np.abs(z).sum(1)


CASES = {
    "induced_l1_norm": ok(np.array([[1.0, -2.0], [3.0, 0.5]])),
    "linear_policy": ok(_K),
    "saturated_linear_policy": ok(_K, 0.5).invalid(u_max=[0.0]),
    "linear_rollout": ok(_A, _B, _pol, _S0, 3).invalid(B=[np.ones((3, 1))]),
    "discounted_value": ok(_A, _B, _pol, _rew, _S0, gamma=0.9, horizon=5).invalid(gamma=[1.0]),
    "scalar_linear_value": ok(np.array([1.0, -2.0]), a=0.5, b=1.0, k=0.25, c_u=1.0, gamma=0.9).invalid(
        gamma=[1.0], c_u=[-1.0]),
    "scalar_value_lipschitz": ok(a=0.5, b=1.0, k=0.25, c_u=1.0, gamma=0.9).invalid(gamma=[1.0], c_u=[-1.0]).nonfinite(
        "documented: inf where the contraction factor is >= 1 (no finite Lipschitz constant / vacuous bound)"),
    "value_lipschitz_bound": ok(1.0, 0.5, 0.1, 0.5).invalid(L_r=[-1.0]).nonfinite(
        "documented: inf where the contraction factor is >= 1 (no finite Lipschitz constant / vacuous bound)"),
    "q_lipschitz_bound": ok(1.0, 0.5, 0.1, 0.5).invalid(L_r=[-1.0], gamma=[1.0]).nonfinite(
        "documented: inf where the contraction factor is >= 1 (no finite Lipschitz constant / vacuous bound)"),
    "empirical_lipschitz": ok(_f, _X, -_X[::-1]),
    "horizon_for_tolerance": ok(0.9, growth=1.05, tol=1e-6).invalid(growth=[1.2]),
}
