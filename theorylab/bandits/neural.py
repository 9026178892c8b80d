r"""Neural-bandit helpers: the two-layer ReLU NTK on the sphere and the
effective dimension that enters NeuralUCB/NeuralTS regret bounds.

Used by ``bandits-rl/neural-cb-online-regression`` (claim C5: those bounds are
:math:`\Omega(T)` for adversarial, near-orthogonal contexts).
"""

from __future__ import annotations

import numpy as np

from .. import _validate as V

__all__ = ["ntk_relu_2layer", "ntk_logdet_orthogonal", "effective_dimension"]


def ntk_relu_2layer(u) -> np.ndarray:
    r"""Two-layer ReLU NTK of unit vectors as a function of :math:`u = \langle x, x'\rangle`:

    :math:`k(u) = u\,\kappa_0(u) + \kappa_1(u)`, with the arc-cosine kernels
    :math:`\kappa_0(u) = (\pi - \arccos u)/\pi` and
    :math:`\kappa_1(u) = (\sqrt{1-u^2} + u(\pi - \arccos u))/\pi` (Cho & Saul 2009;
    normalisations differ across papers by constant factors). ``u`` is clipped to
    ``[-1, 1]`` (round-off: entries within 1e-12 of it; further out is a ``ValueError``).
    Any shape -> same shape. ``k(1) = 2``, ``k(0) = 1/pi``.

    Examples
    --------
    >>> ntk_relu_2layer([1.0, 0.0]).round(6).tolist()
    [2.0, 0.31831]
    """
    u = np.clip(V.array("u", u, low=-1.0 - 1e-12, high=1.0 + 1e-12), -1.0, 1.0)
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
    ``n``: int or array (counts >= 1) -> same shape; ``lam > 0``.

    Examples
    --------
    >>> ntk_logdet_orthogonal(1, 1.0).round(6).item()
    1.098612
    """
    n = V.array("n", n, low=1.0)
    lam = V.positive("lam", lam)
    a, c = ntk_relu_2layer(1.0), ntk_relu_2layer(0.0)
    return (n - 1) * np.log1p((a - c) / lam) + np.log1p((a + (n - 1) * c) / lam)


def effective_dimension(logdet, n, lam: float) -> np.ndarray:
    r"""NeuralUCB's effective dimension :math:`\tilde d = \log\det(I + H/\lambda) /
    \log(1 + n/\lambda)` for ``n = TK`` context-arm pairs (Zhou, Li & Gu 2020).

    ``logdet`` (>= 0) and ``n`` (>= 1) broadcast; ``lam > 0``.

    Examples
    --------
    >>> float(effective_dimension(np.log(3.0), 2, 1.0))
    1.0
    """
    ld = V.array("logdet", logdet, low=0.0)
    nn = V.array("n", n, low=1.0)
    lam = V.positive("lam", lam)
    try:
        np.broadcast_shapes(ld.shape, nn.shape)
    except ValueError:
        raise ValueError(f"logdet {ld.shape} and n {nn.shape} do not broadcast") from None
    return ld / np.log1p(nn / lam)
