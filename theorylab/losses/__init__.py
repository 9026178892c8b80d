r"""Comp-sum losses, their conditional risks and their H-consistency bounds.

Kernels for :cite:t:`mao2023crossentropy` (Mao, Mohri, Zhong, *Cross-Entropy Loss
Functions: Theoretical Analysis and Applications*, ICML 2023, arXiv:2304.07288), used by
``notebooks/learning-theory/cross-entropy-hconsistency.md``.

The comp-sum family (paper, Section 2) applies a non-decreasing
:math:`\Phi^\tau` to the sum of exponentiated score differences,

.. math::

    \ell_\tau(h, x, y) = \Phi^\tau\Big(\sum_{y' \ne y} e^{h(x, y') - h(x, y)}\Big),
    \qquad
    \Phi^\tau(u) = \begin{cases}
        \frac{(1 + u)^{1-\tau} - 1}{1 - \tau} & \tau \ge 0,\ \tau \ne 1,\\
        \log(1 + u) & \tau = 1,
    \end{cases}

so that with the softmax probability :math:`s_y = 1 / (1 + u)`,
:math:`\ell_\tau = (s_y^{\tau - 1} - 1)/(1 - \tau)` and :math:`\ell_1 = -\log s_y`:
``tau = 0`` sum-exponential, ``tau = 1`` logistic (cross-entropy), ``tau`` in (1, 2)
generalized cross-entropy with ``q = tau - 1``, ``tau = 2`` mean absolute error.
Everything here is computed from the log-softmax, so large scores never overflow.

Conventions
-----------
* Scores have shape ``(..., n)`` (last axis = the ``n >= 2`` classes); the prediction is
  ``argmax`` with ties broken towards the **lowest** index (``numpy.argmax``).
* Probability vectors ``p`` (conditional distributions ``p(. | x)``) have shape
  ``(..., n)``, entries ``>= 0`` summing to 1 (to ``1e-9``).
* Natural logarithms throughout; float64.
* The symbols of the paper map to ASCII names: :math:`T_\tau` is :func:`t_tau`,
  :math:`\Gamma_\tau = T_\tau^{-1}` is :func:`gamma_tau`, :math:`\mathcal{C}^*_\tau` is
  :func:`cstar`.

Which formulas are read from the paper and which are derived is stated in the
notebook; in short, the family and Theorem 1's :math:`T_\tau` are recalled from the
paper, the closed forms of :math:`\mathcal{C}^*_\tau` are derived (Lagrange) and tested
with sympy in ``tests/test_losses.py``.

Sub-modules (private; every name is importable from :mod:`theorylab.losses`)
----------------------------------------------------------------------------
``_core``      validation and the internal kernels (log-softmax, conditional risks, C*)
``_comp_sum``  the losses, their gradients, conditional risks and regrets
``_bounds``    T_tau, Gamma_tau, batched minimisation, the numerical calibration transform
``_finite``    finite distributions, exact risks, minimizability gaps
``_linear``    a linear softmax model trained with a comp-sum loss
"""

from ._bounds import (  # noqa: F401 - private names kept importable from the package
    _cond_hessian,
    calibration_transform_numeric,
    gamma_tau,
    minimize_conditional_risk,
    sample_gap_distributions,
    t_tau,
)
from ._comp_sum import (  # noqa: F401 - private names kept importable from the package
    comp_sum_loss,
    comp_sum_loss_all,
    comp_sum_loss_grad,
    comp_sum_phi,
    conditional_regret,
    conditional_risk,
    conditional_risk_grad,
    cstar,
    log_softmax,
    softmax,
    zero_one_conditional_regret,
)
from ._core import _EPS_SLACK, _MAX_STEP, _SUM_TOL, MAX_CLASSES  # noqa: F401
from ._finite import (  # noqa: F401 - private names kept importable from the package
    FiniteDistribution,
    excess_risks_exact,
    gap_constant_class,
    gap_constant_class_uniform,
    surrogate_risk_exact,
    zero_one_gap_constant_class,
    zero_one_risk_exact,
)
from ._linear import fit_linear_comp_sum

__all__ = [
    "FiniteDistribution",
    "calibration_transform_numeric",
    "comp_sum_loss",
    "comp_sum_loss_all",
    "comp_sum_loss_grad",
    "comp_sum_phi",
    "conditional_regret",
    "conditional_risk",
    "conditional_risk_grad",
    "cstar",
    "excess_risks_exact",
    "fit_linear_comp_sum",
    "gamma_tau",
    "gap_constant_class",
    "gap_constant_class_uniform",
    "log_softmax",
    "minimize_conditional_risk",
    "sample_gap_distributions",
    "softmax",
    "surrogate_risk_exact",
    "t_tau",
    "zero_one_conditional_regret",
    "zero_one_gap_constant_class",
    "zero_one_risk_exact",
]
