"""Contract cases of theorylab.pde.learned_inverse."""

import numpy as np

from theorylab.pde import learned_inverse as li
from theorylab.pde.poisson import dst2, laplacian_2d_apply, poisson_solve_dst
from tests.contract import RNG, ok

_B = np.random.default_rng(0).standard_normal((4, 4, 4))
_G = np.random.default_rng(1).standard_normal((4, 4, 4))
_SM = li.SpectralMultiplier(4)
_PL = li.PowerLawMultiplier()
_LC = li.LocalConvolution(1, symmetric=True)
_SB = li.SineBasis(_PL)
_th_pl = np.array([0.1, -0.8])

CASES = {
    "scale_invariant_loss": ok(_B, 2.0 * poisson_solve_dst(_B) + 0.01 * _G, laplacian_2d_apply, grad=True).invalid(
        F=[np.zeros((4, 4, 4))]),
    "SpectralMultiplier": ok(4).invalid(n=[0]),
    "SpectralMultiplier.g_hat": ok(np.ones(16), 4).on(_SM).invalid(n=[3]),
    "SpectralMultiplier.apply": ok(np.ones(16), _B).on(_SM),
    "SpectralMultiplier.vjp": ok(np.ones(16), _B, _G).on(_SM),
    "SpectralMultiplier.vjp_sine": ok(np.ones(16), dst2(_B), dst2(_G)).on(_SM),
    "PowerLawMultiplier": ok(),
    "PowerLawMultiplier.g_hat": ok(_th_pl, 4).on(_PL),
    "PowerLawMultiplier.apply": ok(_th_pl, _B).on(_PL),
    "PowerLawMultiplier.vjp": ok(_th_pl, _B, _G).on(_PL),
    "PowerLawMultiplier.vjp_sine": ok(_th_pl, dst2(_B), dst2(_G)).on(_PL),
    "SineBasis": ok(_PL),
    "SineBasis.apply": ok(_th_pl, dst2(_B)).on(_SB),
    "SineBasis.vjp": ok(_th_pl, dst2(_B), dst2(_G)).on(_SB),
    "sine_laplacian": ok(4).invalid(n=[0]),
    "LocalConvolution": ok(1, symmetric=True),
    "LocalConvolution.apply": ok(_LC.init() + 0.1, _B).on(_LC),
    "LocalConvolution.vjp": ok(_LC.init() + 0.1, _B, _G).on(_LC),
    "as_direction": ok(_PL, _th_pl, 4),
    "fit_adam": ok(_PL, np.zeros(2), _B, n_steps=5, lr=0.05, batch_size=2, rng=RNG, apply_A=laplacian_2d_apply,
                   beta1=0.9, beta2=0.999, eps=1e-8).invalid(lr=[0.0], beta1=[1.0], beta2=[1.5]),
    "fit_lbfgs": ok(_PL, np.zeros(2), _B, max_iter=5, apply_A=laplacian_2d_apply),
}
