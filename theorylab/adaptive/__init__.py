"""Adaptive data analysis: statistical queries, answering mechanisms, the sign-vote
attack and the reusable holdout (Thresholdout).

Reference: C. Dwork, V. Feldman, M. Hardt, T. Pitassi, O. Reingold, A. Roth,
*Preserving Statistical Validity in Adaptive Data Analysis*, STOC 2015
(arXiv:1411.2664), and its companion *The reusable holdout: Preserving validity in
adaptive data analysis*, Science 349 (2015). Used by the notebook
``notebooks/learning-theory/adaptive-data-analysis.md``.

Vocabulary
----------
A *statistical query* is a function ``phi: X -> [0, 1]``; on a data set
``S = (x_1, ..., x_n)`` its empirical value is ``E_S[phi] = (1/n) sum_i phi(x_i)`` and its
population value is ``P[phi] = E_{x ~ P} phi(x)``. Throughout, a batch of ``m`` queries
evaluated on ``n`` rows is an array of *query values* of shape ``(..., n, m)`` (rows =
samples, columns = queries, optional leading axes = independent repetitions); a
*mechanism* maps it to ``m`` answers, shape ``(..., m)``.

Mechanisms
----------
* :func:`empirical_answers` -- ``a_j = E_S[phi_j]``.
* :func:`gaussian_answers` / :func:`laplace_answers` -- ``a_j = E_S[phi_j] + Z_j`` with
  ``Z_j ~ N(0, s^2)`` or ``Lap(b)``; calibrations :func:`gaussian_scale`,
  :func:`laplace_scale` (differential privacy of the answers, which the paper's
  transfer theorem turns into generalisation).
* Thresholdout (:func:`thresholdout_init`, :func:`thresholdout_answer`, the thin
  stateful wrapper :class:`Thresholdout`) with budget accounting and the documented
  exception :class:`BudgetExhausted`.

Analysts
--------
* :func:`sign_vote_attack` -- the adaptive attack that breaks the empirical mean after
  about ``n`` queries.
* :func:`reusable_holdout_experiment` -- the Science paper's feature-selection
  experiment with a standard holdout and with Thresholdout.

Sub-modules (private; every name is importable from :mod:`theorylab.adaptive`)
------------------------------------------------------------------------------
``_core``          validation, ``validate_query_values``, ``query_values``, ``BudgetExhausted``
``_mechanisms``    empirical / Gaussian / Laplace answers, DP calibrations, cube data, halfspaces
``_attack``        the sign-vote attack, ``sign_vote_truth``, ``sign_vote_bias_theory``
``_thresholdout``  ``ThresholdoutState``, ``thresholdout_init/answer/parameters``, ``Thresholdout``
``_holdout``       ``reusable_holdout_experiment``
"""

from ._attack import (  # noqa: F401 - private names kept importable from the package
    sign_vote_attack,
    sign_vote_bias_theory,
    sign_vote_truth,
)
from ._core import (  # noqa: F401 - private names kept importable from the package
    BudgetExhausted,
    NoiseKind,
    _check_rng,
    _nonneg_float,
    _pm1,
    _pos_int,
    _prob,
    query_values,
    validate_query_values,
)
from ._holdout import (  # noqa: F401 - private names kept importable from the package
    _gaussian_data,
    reusable_holdout_experiment,
)
from ._mechanisms import (  # noqa: F401 - private names kept importable from the package
    empirical_answers,
    gaussian_answers,
    gaussian_scale,
    halfspace_query_values,
    hoeffding_radius,
    laplace_answers,
    laplace_scale,
    rademacher_sample,
)
from ._thresholdout import (  # noqa: F401 - private names kept importable from the package
    Thresholdout,
    ThresholdoutState,
    _draw,
    _means_pair,
    sign_vote_attack_thresholdout,
    thresholdout_answer,
    thresholdout_init,
    thresholdout_parameters,
)

__all__ = [
    "BudgetExhausted",
    "query_values",
    "validate_query_values",
    "empirical_answers",
    "gaussian_answers",
    "laplace_answers",
    "laplace_scale",
    "gaussian_scale",
    "hoeffding_radius",
    "rademacher_sample",
    "halfspace_query_values",
    "sign_vote_attack",
    "sign_vote_truth",
    "sign_vote_bias_theory",
    "sign_vote_attack_thresholdout",
    "ThresholdoutState",
    "thresholdout_init",
    "thresholdout_answer",
    "thresholdout_parameters",
    "Thresholdout",
    "reusable_holdout_experiment",
]
