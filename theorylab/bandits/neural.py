r"""Neural-bandit helpers: the two-layer ReLU NTK on the sphere and the
effective dimension that enters NeuralUCB/NeuralTS regret bounds.

Used by ``bandits-rl/neural-cb-online-regression`` (claim C5: those bounds are
:math:`\Omega(T)` for adversarial, near-orthogonal contexts).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ntk_relu_2layer", "ntk_logdet_orthogonal", "effective_dimension"]


def ntk_relu_2layer(u) -> np.ndarray:
    r"""Two-layer ReLU NTK of unit vectors as a function of :math:`u = \langle x, x'\rangle`:

    :math:`k(u) = u\,\kappa_0(u) + \kappa_1(u)`, with the arc-cosine kernels
    :math:`\kappa_0(u) = (\pi - \arccos u)/\pi` and
    :math:`\kappa_1(u) = (\sqrt{1-u^2} + u(\pi - \arccos u))/\pi` (Cho & Saul 2009;
    normalisations differ across papers by constant factors). ``u`` is clipped to
    ``[-1, 1]`` (round-off). Any shape -> same shape. ``k(1) = 2``, ``k(0) = 1/pi``.
    """
    u = np.clip(np.asarray(u, dtype=float), -1.0, 1.0)
    ac = np.pi - np.arccos(u)
    k0 = ac / np.pi
    k1 = (np.sqrt(np.maximum(1.0 - u * u, 0.0)) + u * ac) / np.pi
    return u * k0 + k1


def ntk_logdet_orthogonal(n, lam: float) -> np.ndarray:
    r"""Closed form of :math:`\log\det(I + H/\lambda)` for the NTK Gram matrix ``H`` of
    ``n`` orthonormal inputs: :math:`H = aI + c(J - I)` with :math:`a = k(1)`,
    :math:`c = k(0)`, whose eigenvalues are :math:`a - c` (``n - 1`` times) and
    :math:`a + (n-1)c`:

    :math:`(n-1)\log(1 + (a-c)/\lambda) + \log(1 + (a + (n-1)c)/\lambda)`.
    ``n``: int or array -> same shape.
    """
    n = np.asarray(n, dtype=float)
    if np.any(n < 1):
        raise ValueError("n must be >= 1")
    if not lam > 0:
        raise ValueError(f"lam must be > 0; got {lam!r}")
    a, c = ntk_relu_2layer(1.0), ntk_relu_2layer(0.0)
    return (n - 1) * np.log1p((a - c) / lam) + np.log1p((a + (n - 1) * c) / lam)


def effective_dimension(logdet, n, lam: float) -> np.ndarray:
    r"""NeuralUCB's effective dimension :math:`\tilde d = \log\det(I + H/\lambda) /
    \log(1 + n/\lambda)` for ``n = TK`` context-arm pairs (Zhou, Li & Gu 2020)."""
    return np.asarray(logdet, dtype=float) / np.log1p(np.asarray(n, dtype=float) / lam)
