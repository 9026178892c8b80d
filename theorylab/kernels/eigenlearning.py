r"""Spectral ("eigenlearning") prediction of the test risk of kernel ridge(less) regression.

Used by ``notebooks/kernels/deep-cnn-kernel-hierarchy.md`` to predict learning curves of
tree-CNN kernels from their exact torus spectrum. The theory is the omniscient-risk /
eigenlearning estimate (Bordelon, Canatar & Pehlevan 2020; Simon et al. 2021, "The
eigenlearning framework", eqs. 3-6):

.. math::

    \sum_k \frac{\lambda_k}{\lambda_k + \kappa} + \frac{\delta}{\kappa} = n,\qquad
    \mathcal L_k = \frac{\lambda_k}{\lambda_k + \kappa},\qquad
    \mathcal E_0 = \frac{n}{n - \sum_k \mathcal L_k^2},

    \text{test MSE} \approx \mathcal E_0\Big(\sum_k (1-\mathcal L_k)^2 v_k^2 + \sigma^2\Big) - \sigma^2\ (\text{excess}),

for a kernel with Mercer eigenvalues :math:`\lambda_k` (w.r.t. the input distribution),
target coefficients :math:`v_k` in the orthonormal eigenbasis, :math:`n` samples, the
regulariser :math:`\delta = n\,\lambda_{\rm ridge}` of
:func:`theorylab.regression.kernel_ridge_path` (:math:`(K + n\lambda I)^{-1}`) and label
noise :math:`\sigma^2`. Ridgeless: :math:`\delta = 0` (requires more than ``n`` non-zero
eigenvalues).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from .. import _validate as V

__all__ = ["effective_ridge", "eigenlearning_risk"]


def _spectrum(eigenvalues) -> np.ndarray:
    lam = V.array("eigenvalues", eigenvalues, nonempty=True, low=0.0).ravel()
    if not np.any(lam > 0):
        raise ValueError("eigenvalues must not all be zero")
    return lam


def effective_ridge(eigenvalues, n_samples: float, *, ridge: float = 0.0) -> float:
    r"""The effective regulariser :math:`\kappa > 0` solving
    :math:`\sum_k\lambda_k/(\lambda_k+\kappa) + n\lambda_{\rm ridge}/\kappa = n`.

    Parameters
    ----------
    eigenvalues : (M,) Mercer eigenvalues (any order, zeros allowed).
    n_samples : training-set size :math:`n > 0`.
    ridge : per-sample ridge :math:`\lambda_{\rm ridge} \ge 0` (as in ``kernel_ridge_path``).

    Examples
    --------
    >>> round(effective_ridge([1.0, 1.0, 1.0], 1.0), 12)  # 3/(1 + k) = 1
    2.0
    """
    lam = _spectrum(eigenvalues)
    n = V.positive("n_samples", n_samples)
    ridge = V.real("ridge", ridge, low=0.0)
    return _effective_ridge(lam, n, ridge)


def _effective_ridge(lam: np.ndarray, n: float, ridge: float) -> float:
    delta = n * float(ridge)
    pos = lam[lam > 0]
    if delta == 0 and pos.size <= n:
        raise ValueError(f"ridgeless eigenlearning needs more than n = {n:g} non-zero eigenvalues; got {pos.size}")

    def g(log_k: float) -> float:
        k = np.exp(log_k)
        return float(np.sum(pos / (pos + k)) + delta / k - n)

    lo, hi = np.log(pos.max()) + 5, np.log(pos.max()) + 5
    while g(lo) < 0:
        lo -= 5
        if lo < -800:
            raise ValueError("could not bracket kappa (spectrum too short for this n)")
    while g(hi) > 0:
        hi += 5
    return float(np.exp(brentq(g, lo, hi, xtol=1e-14, rtol=1e-13, maxiter=500)))


def eigenlearning_risk(eigenvalues, target_power, n_samples, *, ridge: float = 0.0,
                       noise_var: float = 0.0) -> np.ndarray:
    r"""Predicted test MSE (excess over the noise) of kernel ridge(less) regression.

    Parameters
    ----------
    eigenvalues : (M,) kernel eigenvalues :math:`\lambda_k`.
    target_power : (M,) target power per mode :math:`v_k^2` (for a Gaussian-random-field
        teacher with covariance kernel :math:`K_T`, the teacher eigenvalues).
    n_samples : scalar or (r,) training-set sizes.
    ridge, noise_var : per-sample ridge and label-noise variance.

    Returns
    -------
    (r,) predicted excess test MSE, one per ``n`` (scalar input -> shape ()).

    Examples
    --------
    >>> float(eigenlearning_risk([1.0, 1.0, 1.0], [1.0, 0.0, 0.0], 1.0).round(6))
    0.666667
    """
    lam = _spectrum(eigenvalues)
    v2 = V.array("target_power", target_power, low=0.0).ravel()
    if v2.shape != lam.shape:
        raise ValueError(f"target_power must have the same length as eigenvalues ({lam.size}); got {v2.size}")
    noise_var = V.real("noise_var", noise_var, low=0.0)
    ridge = V.real("ridge", ridge, low=0.0)
    n_arr = V.array("n_samples", n_samples, low=0.0, low_open=True)
    if n_arr.ndim > 1:
        raise ValueError(f"n_samples must be a number or a 1-D array; got shape {n_arr.shape}")
    V.elements("n_samples", n_arr.size, limit=10**6)
    ns = np.atleast_1d(n_arr)
    out = np.empty(ns.shape)
    for i, n in enumerate(ns):  # one scalar root-find per sample size (not a hot path)
        kappa = _effective_ridge(lam, float(n), ridge)
        L = lam / (lam + kappa)
        e0 = n / (n - np.sum(L**2))
        out[i] = e0 * (np.sum((1 - L) ** 2 * v2) + noise_var) - noise_var
    return out.reshape(n_arr.shape)
