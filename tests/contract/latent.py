"""Contract cases of theorylab.latent."""

import numpy as np

from theorylab import latent as lt
from tests.contract import RNG, ok

_R = np.random.default_rng(0)
_B = _R.standard_normal((4, 2))
_X = _R.standard_normal((6, 4))
_XC = _R.standard_normal((5, 2))
_YC = _R.standard_normal(5)
_XB = _R.standard_normal((3, 5, 2))
_YB = _R.standard_normal((3, 5))
_XG = np.r_[_R.normal(-5, 1, (10, 2)), _R.normal(5, 1, (10, 2))]
_GMM = lt.gmm_pretrain(_XG, 2, rng=np.random.default_rng(1))

CASES = {
    "sample_factor_model": ok(5, _B, np.ones(2), rng=RNG, noise_var=1.0, label_noise=0.5).invalid(
        beta=[np.ones(3)], n_samples=[0]),
    "factor_posterior_mean": ok(_X, _B, noise_var=1.0).invalid(X=[np.ones((2, 3))], noise_var=[0.0]),
    "ppca_fit": ok(_X, 2, noise_var=0.5, center=True).invalid(rank=[0, 4]),
    "ols_fit": ok(_XC, _YC).invalid(y=[np.ones(4)], F=[np.zeros((5, 2))]),
    "excess_risk": ok(np.array([1.0, 0.0]), np.zeros(2), np.diag([2.0, 1.0])).invalid(
        w_star=[np.zeros(3)], Sigma=[np.eye(3)]),
    "ols_expected_excess_risk": ok(3, 50, residual_var=2.0).invalid(n_samples=[4], n_features=[0]),
    "blr_posterior": ok(_XC, _YC, prior_var=2.0, noise_var=0.5).invalid(prior_var=[0.0], noise_var=[0.0],
                                                                         y=[np.ones(4)]),
    "blr_predictive": ok(np.array([[1.0, 0.5], [0.0, 1.0]]), _XC, _YC, prior_var=2.0, noise_var=0.5).invalid(
        Xq=[np.ones((2, 3))], noise_var=[0.0]),
    "nig_posterior": ok(_XC, _YC, V0=np.eye(2), a0=2.0, b0=1.0).invalid(
        V0=[np.eye(3), np.zeros((2, 2)), np.array([[1.0, 2.0], [0.0, 1.0]])], a0=[0.0], b0=[0.0]),
    "nig_predictive": ok(np.array([[1.0, 0.5]]), _XC, _YC, V0=np.eye(2), a0=2.0, b0=1.0).invalid(
        Xq=[np.ones((1, 3))]),
    "gaussian_nll": ok(np.array([0.0, 1.0]), np.array([0.5, 0.5]), np.array([1.0, 2.0])).invalid(
        var=[np.array([0.0, 1.0])]),
    "gmm_pretrain": ok(_XG, 2, rng=RNG, covariance_type="spherical", n_init=1).invalid(n_components=[0, 21], n_init=[1001]),
    "gmm_label_map": ok(_GMM, np.array([[-5.0, -5.0], [5.0, 5.0]]), np.array([1, 0]), n_classes=2).invalid(
        y_labeled=[np.array([1, 2]), np.array([1.0, 0.0])], n_classes=[1], gmm=[object()], X_labeled=[np.ones((2, 3))]),
}
