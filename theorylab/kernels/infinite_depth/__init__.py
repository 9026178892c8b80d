r"""Infinite-depth limits of fully connected NNGP / NTK kernels on the sphere, and the
classifiers they converge to.

Used by the notebook ``notebooks/kernels/wide-deep-ntk-classification.md``
(Radhakrishnan, Belkin & Uhler, *Wide and deep neural networks achieve consistency for
classification*, arXiv:2204.14126, PNAS 2023).

Setting
-------
Unit-norm inputs, no biases, an activation :math:`\phi = \sum_i a_i He_i/\sqrt{i!}` with
:math:`\sum_i a_i^2 = 1`. Its *normalised dual* is :math:`\xi(\rho) = \sum_i a_i^2\rho^i`
(:math:`\xi(1) = 1`), and the depth-:math:`L` kernels of the correlation
:math:`\rho = x\cdot z` are

.. math::

    \Sigma_L = \xi^{\circ L}(\rho) \quad(\text{NNGP}),\qquad
    \Theta_0 = \rho,\ \Theta_{l+1} = \xi(\rho_l) + \Theta_l\,\xi'(\rho_l),\
    \rho_{l+1} = \xi(\rho_l) \quad(\text{NTK}).

Numerically safe iteration
--------------------------
At large depth the off-diagonal entries underflow (:math:`\xi'(0)^L \approx 10^{-120}`
for :math:`\xi'(0) = 1/16, L = 100`; :math:`\rho^{2^L}` for the monomial dual), while
near :math:`\rho = 1` the gap :math:`1-\rho` must be kept to full relative precision.
The iteration is therefore done on :math:`u = \log\rho \in [-\infty, 0]` (correlations
are restricted to :math:`[0, 1]`, which the duals here map into itself), with each
dual providing :math:`\log\xi(e^u)` and :math:`\log\xi'(e^u)` accurately both for
:math:`u \to -\infty` (log-sum-exp) and for :math:`u \to 0` (``log1p`` / ``expm1`` of
the co-dual :math:`1-\xi(1-\delta)`). The NTK is accumulated with ``logaddexp``.
Classifiers rescale each kernel row by its largest entry in log space before
exponentiating, which leaves the sign of the interpolant unchanged and removes the
underflow entirely.

Sub-modules (private; every name is importable from this package)
-----------------------------------------------------------------
``_duals``        the normalised duals and their regimes (``Dual``, ``named_dual``, ...)
``_iteration``    ``log_cosines`` and the depth iteration ``deep_kernels_log``
``_classifiers``  the limiting classifiers (interpolation, Nadaraya-Watson, Hilbert, 1-NN, majority)
``_data``         the Dirichlet problem and its Bayes rule
"""

from ._classifiers import (  # noqa: F401 - private names kept importable from the package
    _labels,
    _sign,
    hilbert_kernel_classifier,
    interpolating_classifier,
    majority_vote_classifier,
    nadaraya_watson_classifier,
    one_nn_classifier,
)
from ._data import _has_duplicates, dirichlet_bayes_rule, dirichlet_circle_sample  # noqa: F401
from ._duals import (  # noqa: F401 - private names kept importable from the package
    _NEAR,
    NAMED_DUALS,
    Dual,
    ErfDual,
    PolynomialDual,
    ReluDual,
    SinhDual,
    _check_rho,
    _expm1_neg,
    dual_regime,
    named_dual,
    singular_exponent,
)
from ._iteration import (  # noqa: F401 - private names kept importable from the package
    MAX_DEPTH,
    DeepKernels,
    _unit_rows,
    deep_kernels,
    deep_kernels_log,
    log_cosines,
)

__all__ = [
    "Dual",
    "PolynomialDual",
    "SinhDual",
    "ReluDual",
    "ErfDual",
    "named_dual",
    "NAMED_DUALS",
    "singular_exponent",
    "dual_regime",
    "log_cosines",
    "DeepKernels",
    "deep_kernels_log",
    "deep_kernels",
    "interpolating_classifier",
    "nadaraya_watson_classifier",
    "hilbert_kernel_classifier",
    "one_nn_classifier",
    "majority_vote_classifier",
    "dirichlet_circle_sample",
    "dirichlet_bayes_rule",
]
