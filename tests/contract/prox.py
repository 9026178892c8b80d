"""Contract cases of theorylab.prox."""

import numpy as np

from theorylab import prox
from tests.contract import RNG, ok, skip

_R = np.random.default_rng(0)
_NET = prox.ICNN(dim=2, widths=(3, 3), alpha=0.5)
_TH = _NET.init(rng=np.random.default_rng(1))
_Y = _R.standard_normal((4, 2))
_U = _R.standard_normal((4, 2))
_XI = _NET.grad(_TH, _Y)
_LPN = prox.MonotoneLPN1D(n_units=4, beta=5.0, alpha=0.1)
_TL = _LPN.init(rng=np.random.default_rng(2))
_y = np.array([-1.0, 0.3, 2.0])
_u = np.array([0.5, -1.0, 1.0])
_xl = _LPN.f(_TL, _y)
_P = np.array([0.2, -0.1, 1.5])
_T = np.array([0.0, 0.1, 1.0])
_A = prox.blur_operator(5, 1.0)
_b = _A @ np.array([0.0, 1.0, 0.5, -0.2, 0.0])


def _sample(n, rng):
    x = rng.laplace(size=n)
    return x, x + 0.5 * rng.standard_normal(n)


def _prox(z):
    return prox.soft_threshold(z, 0.1)


def _grad_h(x):
    return _A.T @ (_A @ x - _b)


def _obj(x):
    return 0.5 * float(np.sum((_A @ x - _b) ** 2)) + float(np.abs(x).sum())


CASES = {
    "ICNN": ok(dim=2, widths=(3, 3), beta=10.0, alpha=0.5).invalid(widths=[()], beta=[0.0], alpha=[-1.0]),
    "ICNN.unpack": ok(_TH).on(_NET).invalid(theta=[_TH[:-1]]),
    "ICNN.nonneg_mask": ok().on(_NET),
    "ICNN.project": ok(_TH).on(_NET).invalid(theta=[_TH[:-1]]),
    "ICNN.is_convex": ok(_TH).on(_NET).invalid(theta=[_TH[:-1]]),
    "ICNN.init": ok(rng=RNG, scale=1.0, bias_scale=0.5, convex=True).on(_NET).invalid(scale=[0.0]),
    "ICNN.psi": ok(_TH, _Y).on(_NET).invalid(Y=[np.ones((4, 3))]),
    "ICNN.grad": ok(_TH, _Y).on(_NET).invalid(Y=[np.ones((4, 3))]),
    "ICNN.hvp": ok(_TH, _Y, _U).on(_NET).invalid(Vt=[np.ones((3, 2))]),
    "ICNN.hessian": ok(_TH, _Y).on(_NET),
    "ICNN.grad_and_param_vjp": ok(_TH, _Y, _U).on(_NET).invalid(U=[np.ones((3, 2))]),
    "ICNN.inverse": ok(_TH, _XI, u0=_Y + 0.1, tol=1e-10, max_iter=60, return_status=False).on(_NET).invalid(
        u0=[np.ones((3, 2))], tol=[0.0]),
    "ICNN.prior": ok(_TH, _XI, u0=_Y + 0.1, tol=1e-10, max_iter=60, return_status=False).on(_NET),
    "MonotoneLPN1D": ok(n_units=4, beta=5.0, alpha=0.1).invalid(n_units=[0], beta=[0.0], alpha=[-1.0]),
    "MonotoneLPN1D.init": ok(rng=RNG, span=6.0, log_a=-3.0).on(_LPN).invalid(span=[0.0]),
    "MonotoneLPN1D.f": ok(_TL, _y).on(_LPN).invalid(theta=[_TL[:-1]]),
    "MonotoneLPN1D.df": ok(_TL, _y).on(_LPN).invalid(theta=[_TL[:-1]]),
    "MonotoneLPN1D.psi": ok(_TL, _y).on(_LPN).invalid(theta=[_TL[:-1]]),
    "MonotoneLPN1D.f_and_jacobian": ok(_TL, _y).on(_LPN).invalid(y=[np.ones((2, 2))]),
    "MonotoneLPN1D.param_vjp": ok(_TL, _y, _u).on(_LPN).invalid(u=[np.ones(2)]),
    "MonotoneLPN1D.inverse": ok(_TL, _xl, tol=1e-12, max_iter=100).on(_LPN).invalid(tol=[0.0]),
    "MonotoneLPN1D.prior": ok(_TL, _xl).on(_LPN),
    "PnPResult": skip("result container of pnp_pgd (a frozen dataclass of arrays)"),
    "squared_loss": ok(_P, _T).invalid(target=[np.ones(2)]),
    "l1_loss": ok(_P, _T).invalid(target=[np.ones(2)]),
    "prox_matching_loss": ok(_P, _T, 1.0).invalid(gamma=[0.0], target=[np.ones(2)]),
    "fit_lpn_1d": ok(_LPN, _TL, loss="prox_matching", sample=_sample, n_steps=3, batch=8, rng=RNG, lr=1e-2,
                     lr_final=1e-3, gamma=0.5).invalid(theta=[_TL[:-1]], gamma=[0.0], lr=[0.0]),
    "soft_threshold": ok(_y, 0.5).invalid(lam=[-1.0]),
    "laplace_map": ok(_y, 1.0, 0.5).invalid(b=[0.0], sigma=[0.0]),
    "laplace_mmse": ok(_y, 1.0, 0.5).invalid(b=[0.0], sigma=[0.0]),
    "laplace_posterior_cdf": ok(_P, _y, 1.0, 0.5).invalid(x=[np.ones(2)], b=[0.0]),
    "laplace_posterior_median": ok(_y, 1.0, 0.5).invalid(b=[0.0], sigma=[0.0]),
    "laplace_pm_objective": ok(_P, _y, 0.5, 1.0, 0.5).invalid(f=[np.ones(2)], gamma=[0.0]),
    "laplace_pm_optimum": ok(_y, 0.5, 1.0, 0.5, n_grid=101).invalid(n_grid=[2], gamma=[0.0]),
    "blur_operator": ok(5, 1.0).invalid(n=[0], width=[0.0]),
    "pnp_pgd": ok(_prox, _grad_h, np.zeros(5), step=0.5, n_iter=4, objective=_obj).invalid(
        step=[0.0], x0=[np.zeros((5, 1))]),
}
