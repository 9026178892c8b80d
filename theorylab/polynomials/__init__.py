r"""Hermite tools and hierarchical polynomial targets :math:`h = g\circ p`.

Used by ``notebooks/kernels/hierarchical-polys-three-layer.md`` (Wang, Nichani &
Lee, *Learning Hierarchical Polynomials with Three-Layer Neural Networks*, ICLR
2024, arXiv:2311.13774).

**Conventions.**

* Inputs :math:`x \sim N(0, I_d)`; :math:`\mathrm{He}_j` are the *probabilists'*
  Hermite polynomials (:math:`\mathrm{He}_{j+1}(z) = z\,\mathrm{He}_j(z) - j\,\mathrm{He}_{j-1}(z)`),
  orthogonal with :math:`\mathbb E[\mathrm{He}_i\mathrm{He}_j] = j!\,\delta_{ij}`;
  :math:`h_j = \mathrm{He}_j/\sqrt{j!}` are the normalised ones.
* A *feature* :math:`p(x) = L^{-1/2}\sum_{i=1}^L \lambda_i \psi_i(x)` (the paper's
  feature assumption, Section 2) with independent, mean-zero, unit-variance
  :math:`\psi_i` that each depend on :math:`x` through a subspace of dimension
  :math:`\le k`, and :math:`\sum_i\lambda_i^2 = L`, so :math:`\mathbb E p = 0` and
  :math:`\mathbb E p^2 = 1` exactly. Two families:
  orthogonally decomposable (:math:`\psi_i = h_k(v_i\cdot x)`, orthonormal
  :math:`v_i`) and sparse parity-like products over disjoint coordinate blocks.
* A *link* :math:`g(z) = \sum_{j=1}^q c_j \mathrm{He}_j(z)` is given by its
  Hermite coefficients; :math:`\mathbb E g(z) = c_0 = 0` and the information
  exponent is one: :math:`\mathbb E g'(z) = c_1 \neq 0`.

Closed forms (``*_exact``) are derived for ``k = 2`` orthogonally decomposable
features and links of degree ``q <= 3``; Monte-Carlo estimators (``*_mc``) work for
any feature and link and return standard errors.

Sub-modules (private; every name is importable from :mod:`theorylab.polynomials`)
---------------------------------------------------------------------------------
``_hermite``      ``hermite``, ``hermite_normalized``, ``hermite_features``, ``random_orthogonal``
``_targets``      ``HermiteLink``, ``hermite_link``, the features and ``HierarchicalTarget``
``_projections``  ``MCEstimate``, the ``*_mc`` estimators and the ``*_exact`` closed forms
"""

from ._hermite import (  # noqa: F401 - private names kept importable from the package
    MAX_DEGREE,
    MAX_SAMPLES,
    _check_rng,
    _finite_poly,
    _hermite,
    _hermite_normalized,
    _hermite_table,
    _int_arg,
    _matrix,
    hermite,
    hermite_features,
    hermite_normalized,
    n_hermite_features,
    random_orthogonal,
)
from ._projections import (  # noqa: F401 - private names kept importable from the package
    _PSI3,
    _PSI4,
    MCEstimate,
    _check_exact,
    _check_pair,
    _chunks,
    _coefficient_batches,
    degree2_floor_exact,
    feature_coefficients_exact,
    feature_coefficients_mc,
    hermite_projection_mc,
    lower_degree_norm_exact,
    stein_error_exact,
    stein_error_mc,
)
from ._targets import (  # noqa: F401 - private names kept importable from the package
    Feature,
    HermiteLink,
    HierarchicalTarget,
    OrthoFeature,
    ParityFeature,
    _lambdas,
    hermite_link,
    orthogonal_decomposable_feature,
    sparse_parity_feature,
)

__all__ = [
    "HermiteLink",
    "HierarchicalTarget",
    "MCEstimate",
    "OrthoFeature",
    "ParityFeature",
    "degree2_floor_exact",
    "feature_coefficients_exact",
    "feature_coefficients_mc",
    "hermite",
    "hermite_features",
    "hermite_link",
    "hermite_normalized",
    "hermite_projection_mc",
    "lower_degree_norm_exact",
    "n_hermite_features",
    "orthogonal_decomposable_feature",
    "random_orthogonal",
    "sparse_parity_feature",
    "stein_error_exact",
    "stein_error_mc",
]
