"""Online convex optimisation in the stochastically extended adversarial (SEA) model.

Kernels for the notebook ``notebooks/learning-theory/optimistic-omd-sea.md``
(Chen, Zhang, Tu, Zhao & Zhang, *Optimistic Online Mirror Descent for Bridging
Stochastic and Adversarial Online Convex Optimization*, ICML 2023, arXiv:2302.04552).

The SEA instance family
-----------------------
Every round's loss on the Euclidean ball ``X = {x : ||x|| <= radius}`` in R^d is

.. math::

    f_t(x) = \\sum_{j=1}^{m} \\log\\cosh(a_j^\\top x - b_j)
             + \\tfrac{\\lambda}{2}\\|x - c_t\\|^2
             + \\langle \\xi_t + m_t, x\\rangle - \\tfrac{\\zeta_t}{2}\\|x\\|^2 ,

with a fixed matrix ``A`` (rows ``a_j``, ``m`` may be 0), a curvature ``lam`` >= 0,
centres ``c_t`` and adversarial shifts ``m_t`` chosen by nature (deterministic
schedules), and mean-zero noise ``xi_t ~ N(0, sigma_t^2 I_d)``, ``zeta_t ~ N(0,
zeta_std^2)``. The expected function is
``F_t(x) = sum_j log cosh(a_j^T x - b_j) + lam/2 ||x - c_t||^2 + <m_t, x>``, so

* stochastic variance (Sachs et al. 2022; eq. (3) of the paper)
  ``sigma_t^2 = max_x E||grad f_t(x) - grad F_t(x)||^2 = d sigma_t^2 + zeta_std^2 radius^2``;
* adversarial variation
  ``Sigma_t^2 = sup_x ||grad F_t(x) - grad F_{t-1}(x)||^2 = ||(m_t - m_{t-1}) - lam (c_t - c_{t-1})||^2``
  (the ``log cosh`` part cancels), ``Sigma_1^2 = 0``.

The two are set independently: ``sigma`` controls the first, the schedules
``centers``/``shift`` the second. With ``zeta_std > 0`` an individual ``f_t`` need not
be convex while ``F_t`` is (the relaxation of Chen et al. over Sachs et al.).

Everything is vectorised over ``n_repeats`` independent repetitions (the leading
axis ``R``); learners loop over time only.

Sub-modules (private; every name is importable from :mod:`theorylab.online`)
----------------------------------------------------------------------------
``_core``      validation helpers, ``project_ball``, ``logcosh``
``_sea``       ``SEAInstance``, ``make_sea``, schedules, ``sea_variation``, losses and gradients
``_learners``  step sizes, ``OCORun``, ``run_ogd``, ``run_optimistic_omd``, ``run_optimistic_ons``
``_regret``    ``minimise_on_ball``, comparators, ``static_regret``, ``dynamic_regret``, ``path_length``
"""

from ._core import (  # noqa: F401 - private names kept importable from the package
    MAX_ITER,
    MAX_T,
    _check_rng,
    _finite,
    _logcosh,
    _pos_int,
    _proj,
    _rowdot,
    logcosh,
    project_ball,
)
from ._learners import (  # noqa: F401 - private names kept importable from the package
    OCORun,
    _alloc,
    _project_ball_metric,
    ogd_step,
    omd_step_convex,
    omd_step_strongly_convex,
    ons_gamma,
    run_ogd,
    run_optimistic_omd,
    run_optimistic_ons,
)
from ._regret import (  # noqa: F401 - private names kept importable from the package
    _broadcast_batch,
    _check_run,
    _horizons,
    _prefix,
    dynamic_comparator,
    dynamic_regret,
    minimise_on_ball,
    path_length,
    static_comparator,
    static_regret,
)
from ._sea import (  # noqa: F401 - private names kept importable from the package
    SEAInstance,
    _broadcast_rtd,
    _check_instance,
    _check_t,
    _check_x,
    _grad,
    _loss,
    _losses,
    circular_centers,
    expected_loss,
    make_sea,
    sea_gradient,
    sea_gradients_along,
    sea_loss,
    sea_variation,
    switching_shift,
)

__all__ = [
    "SEAInstance",
    "project_ball",
    "logcosh",
    "make_sea",
    "switching_shift",
    "circular_centers",
    "sea_variation",
    "sea_loss",
    "sea_gradient",
    "sea_gradients_along",
    "expected_loss",
    "omd_step_convex",
    "omd_step_strongly_convex",
    "ogd_step",
    "ons_gamma",
    "OCORun",
    "run_ogd",
    "run_optimistic_omd",
    "run_optimistic_ons",
    "minimise_on_ball",
    "static_comparator",
    "dynamic_comparator",
    "static_regret",
    "dynamic_regret",
    "path_length",
]
