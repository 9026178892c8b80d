"""Contract cases of theorylab.kernels.infinite_depth."""

import numpy as np

from theorylab.kernels import infinite_depth as idp
from tests.contract import RNG, ok, skip

_X, _y, _S = idp.dirichlet_circle_sample(6, rng=np.random.default_rng(0))
_LK = idp.log_cosines(_X[:4])
_LT = idp.log_cosines(_X[4:], _X[:4])
_DUAL = idp.PolynomialDual([0.0, 0.5, 0.0, 0.5])
_KER = idp.deep_kernels(_X[:4], dual=_DUAL, depths=[1, 3])

CASES = {
    "Dual": skip("abstract base class: its subclasses have cases"),
    "Dual.xi": ok(np.array([0.0, 0.5, 1.0])).on(idp.ReluDual()).invalid(rho=[np.array([1.5])]),
    "Dual.dxi": ok(np.array([0.0, 0.5, 1.0])).on(_DUAL).invalid(rho=[np.array([-0.5])]),
    "Dual.log_xi": ok(np.array([-np.inf, -1.0, 0.0])).on(idp.SinhDual(2.0)).allow_inf("u").invalid(
        u=[np.array([0.5])]).nonfinite("log xi(e^u) = -inf at u = -inf when xi(0) = 0 (documented)"),
    "Dual.log_dxi": ok(np.array([-np.inf, -1.0, 0.0])).on(idp.ErfDual()).allow_inf("u").invalid(
        u=[np.array([0.5])]),
    "PolynomialDual": ok([0.0, 0.5, 0.0, 0.5], name="3d").invalid(coeffs=[[0.5, 0.6], [-0.5, 1.5]]).legal(
        name=["unknown choice"]),
    "SinhDual": ok(2.0).invalid(a=[0.0]),
    "ReluDual": ok(),
    "ErfDual": ok(),
    "named_dual": ok("9d_opt").invalid(name=["sine_x", "hermite_-1", "hermite_1.5"]),
    "singular_exponent": ok(_DUAL, kernel="ntk"),
    "dual_regime": ok(_DUAL),
    "log_cosines": ok(_X[:3], _X[3:]).nonfinite("log(0) = -inf for orthogonal inputs (documented)"),
    "DeepKernels": skip("result container returned by deep_kernels_log, not an input boundary"),
    "deep_kernels_log": ok(_LK, _DUAL, depths=[1, 3], ntk=True).allow_inf("log_rho").invalid(
        depths=[[3, 1], [0]]),
    "deep_kernels": ok(_X[:4], _X[4:], dual=_DUAL, depths=[1, 3], ntk=True),
    "interpolating_classifier": ok(_KER.log_ntk[1], _LT, _y[:4]).invalid(y=[np.array([1.0, 0.0, 1.0, 1.0])]),
    "nadaraya_watson_classifier": ok(_LT, _y[:4]),
    "hilbert_kernel_classifier": ok(_X[:4], _y[:4], _X[4:], alpha=1.0).invalid(alpha=[0.0]),
    "one_nn_classifier": ok(_X[:4], _y[:4], _X[4:]),
    "majority_vote_classifier": ok(_y[:4], 3).invalid(n_test=[-1]),
    "dirichlet_circle_sample": ok(5, alpha_pos=(1.0, 2.0), alpha_neg=(2.0, 1.0), prior_pos=0.4, rng=RNG).invalid(
        prior_pos=[0.0, 1.0], alpha_pos=[(1.0, -2.0)]),
    "dirichlet_bayes_rule": ok(_S, alpha_pos=(1.0, 2.0), alpha_neg=(2.0, 1.0), prior_pos=0.4).invalid(
        prior_pos=[0.0, 1.5]),
}
