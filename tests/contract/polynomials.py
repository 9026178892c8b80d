"""Contract cases of theorylab.polynomials."""

import numpy as np

from theorylab import polynomials as poly
from tests.contract import RNG, ok, skip

_LINK = poly.hermite_link([0.0, 1.0, 0.5])
_LINK3 = poly.hermite_link([0.0, 1.0, 0.5, 0.2])
_F = poly.orthogonal_decomposable_feature(4, 2, n_terms=4, rng=np.random.default_rng(0))
_PF = poly.sparse_parity_feature(6, 2, rng=np.random.default_rng(1))
_X = np.random.default_rng(2).standard_normal((5, 4))

CASES = {
    "HermiteLink": skip("built and validated by hermite_link"),
    "HermiteLink.__call__": ok(np.array([-1.0, 0.0, 2.0])).on(_LINK),
    "HermiteLink.derivative": ok(np.array([-1.0, 0.0, 2.0])).on(_LINK),
    "HierarchicalTarget": ok(_F, _LINK).invalid(feature=["x"], link=[np.ones(3)]),
    "HierarchicalTarget.sample": ok(6, rng=RNG, noise=0.1).on(poly.HierarchicalTarget(_F, _LINK)).invalid(
        noise=[-1.0]),
    "MCEstimate": skip("result container (mean, se) returned by the Monte-Carlo estimators"),
    "OrthoFeature": skip("built and validated by orthogonal_decomposable_feature"),
    "OrthoFeature.__call__": ok(_X).on(_F),
    "ParityFeature": skip("built and validated by sparse_parity_feature"),
    "ParityFeature.__call__": ok(np.random.default_rng(3).standard_normal((4, 6))).on(_PF),
    "hermite": ok(3, np.array([-1.0, 0.5, 2.0])).invalid(j=[-1]),
    "hermite_normalized": ok(4, np.array([-1.0, 0.5, 2.0])),
    "n_hermite_features": ok(4, 2).invalid(dim=[0], degree=[-1]),
    "hermite_features": ok(_X, 2).invalid(degree=[-1]),
    "random_orthogonal": ok(4, 2, rng=RNG).invalid(n_vectors=[5]),
    "hermite_link": ok([0.0, 1.0, 0.5]).invalid(coeffs=[[1.0, 1.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
    "orthogonal_decomposable_feature": ok(4, 2, n_terms=3, signs="balanced", rng=RNG).invalid(
        n_terms=[5], signs=[np.zeros(3)]),
    "sparse_parity_feature": ok(6, 2, n_terms=2, signs=np.array([1.0, -1.0]), rng=RNG).invalid(n_terms=[4]),
    "hermite_projection_mc": ok(lambda X: X[:, 0] ** 2, lambda X: poly.hermite_features(X, 2), 2,
                                n_samples=200, rng=RNG, chunk_size=64).invalid(n_samples=[1]),
    "feature_coefficients_exact": ok(_F, _LINK3).invalid(feature=[_PF]),
    "feature_coefficients_mc": ok(_PF, _LINK, n_samples=400, rng=RNG, chunk_size=128, n_batches=4).invalid(
        n_batches=[1], n_samples=[3]),
    "stein_error_exact": ok(_F, _LINK),
    "stein_error_mc": ok(_F, _LINK3, n_samples=400, rng=RNG, chunk_size=128, n_batches=4),
    "lower_degree_norm_exact": ok(_F, _LINK3),
    "degree2_floor_exact": ok(_F, _LINK).invalid(link=[_LINK3]),
}
