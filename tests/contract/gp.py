"""Contract cases of theorylab.gp."""

import numpy as np

from theorylab import gp
from tests.contract import RNG, ok, skip

_X = np.array([[0.0, 0.5], [1.0, -0.5], [0.3, 0.2]])
_K = np.kron(gp.rbf_kernel(np.array([0.0, 1.0]), lengthscale=1.0), gp.overlap_kernel(np.arange(3), rho=0.3))
_F = np.random.default_rng(0).standard_normal((2, 6))

CASES = {
    "rbf_kernel": ok(_X, _X[:2], lengthscale=np.array([1.0, 0.5])).invalid(
        lengthscale=[0.0, np.array([1.0, 2.0, 3.0])], X2=[np.ones((2, 3))]),
    "overlap_kernel": ok(np.array([0, 1, 0]), np.array([1, 2]), rho=0.3).invalid(rho=[1.0, -0.1]),
    "hamming_exp_kernel": ok(gp.binary_arms(2), gp.binary_arms(2)[:3], theta=1.0).invalid(
        A1=[np.array([[0.0, 2.0]])], theta=[0.0]),
    "binary_arms": ok(3).invalid(n_bits=[0, 17]),
    "sample_prior": ok(_K, 2, rng=RNG, jitter=1e-8).invalid(
        K=[np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[1.0, 2.0], [2.0, 1.0]])], n_samples=[0]),
    "posterior": ok(_K, np.array([0, 4, 2]), np.array([1.0, -0.5, 0.3]), noise=0.1).invalid(
        idx=[np.array([0, 6, 2])], y=[np.ones(2)], noise=[0.0]),
    "FinitePosterior": ok(_K, n_reps=2, noise=0.1).invalid(n_reps=[0], noise=[0.0]),
    "FinitePosterior.update": ok(np.array([0, 5]), np.array([1.0, -0.2])).on(
        gp.FinitePosterior(_K, n_reps=2, noise=0.1)).invalid(x=[np.array([0, 6])], y=[np.ones(3)]),
    "srinivas_beta": ok(np.array([1.0, 2.0, 5.0]), 6, 0.1).invalid(t=[np.array([0.5])], delta=[0.0, 1.0]),
    "GPBanditRun": skip("result container returned by run_gp_bandit, not an input boundary"),
    "run_gp_bandit": ok(_K, _F, n_contexts=2, n_arms=3, T=5, policy="ts", noise=0.1, rng=RNG,
                        contexts=np.array([[0, 1, 1, 0, 1], [1, 1, 0, 0, 0]]), beta=None, delta=0.1,
                        K_learner=np.eye(6)).invalid(
        n_arms=[2], contexts=[np.array([[0, 2, 1, 0, 1], [1, 1, 0, 0, 0]])], beta=[-1.0], delta=[0.0, 1.0]),
}
