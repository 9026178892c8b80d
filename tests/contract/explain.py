"""Contract cases of theorylab.explain."""

import numpy as np

from theorylab import explain as ex
from tests.contract import RNG, ok

_F = ex.random_tanh_mlp((3, 4), rng=np.random.default_rng(0))
_X = np.random.default_rng(1).standard_normal((4, 3))
_M = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
_Z = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, -1.0], [3.0, 0.0], [-1.0, 2.0]])
_Y = np.array([1.0, 3.0, 5.0, 6.0, -2.0])
_W = np.array([1.0, 2.0, 0.5, 1.0, 3.0])


def _value(M):
    return M[:, 0] * M[:, 1] + M[:, 2]


def _grad(X):
    return 2 * X


CASES = {
    "TanhMLP": ok(_F.weights, _F.biases, _F.readout, 0.1).invalid(
        offset=[np.nan], readout=[np.ones(5)], weights=[(np.ones((5, 3)),), (np.ones((4, 3)), np.ones((2, 3))), []], biases=[(np.ones(3),), ()]),
    "TanhMLP.value": ok(_X).on(_F).invalid(X=[np.ones((2, 4))]),
    "TanhMLP.grad": ok(_X).on(_F).invalid(X=[np.ones((2, 4))]),
    "random_tanh_mlp": ok((3, 4, 2), rng=RNG, scale=1.0).invalid(widths=[(3,), (3, 0)], scale=[0.0]),
    "gaussian_perturbations": ok(5, 3, sigma=0.1, rng=RNG).invalid(n_samples=[0], dim=[0]),
    "bernoulli_masks": ok(5, 3, rng=RNG, p=0.5).invalid(p=[1.5, -0.1], n_samples=[0]),
    "all_masks": ok(3).invalid(dim=[0, 21]),
    "one_hot_masks": ok(5, 3, rng=RNG).invalid(dim=[0]),
    "uniform_path": ok(5, low=0.2, rng=RNG).invalid(low=[1.0, -0.1]),
    "exponential_kernel": ok(_M, np.array([1.0, 2.0, -1.0]), width=1.0).invalid(
        x0=[np.ones(2)], width=[0.0]),
    "shapley_kernel": ok(_M).invalid(masks=[np.ones((3, 1)), np.full((2, 3), 0.5)]).nonfinite(
        "documented: inf for the empty and the full coalition (constraints for weighted_least_squares)"),
    "weighted_least_squares": ok(_Z, _Y, _W, intercept=True).allow_inf("weights").invalid(
        y=[np.ones(4)], weights=[np.ones(4), -_W]),
    "gradient_matching": ok(np.array([[1.0, 0.0], [3.0, 2.0]])),
    "shapley_values": ok(_value, 3).invalid(dim=[0, 21]),
    "integrated_gradients": ok(_grad, np.array([1.0, 3.0]), low=0.0, n_points=20,
                               baseline=np.array([0.5, 0.0])).invalid(low=[1.0], n_points=[0, 1001],
                                                                      baseline=[np.ones(3)]),
    "chebyshev_affine_fit": ok(np.linspace(-1, 1, 11), np.linspace(-1, 1, 11) ** 2).invalid(
        fx=[np.ones(10)]),
}
