r"""Online two-layer ReLU regressors with hand-written gradients, vectorised over
repetitions and arms -- the neural online-regression oracle of NeuSquareCB/NeuFastCB
(Deb, Ban, Zuo, He & Banerjee, ICLR 2024), pluggable into
:func:`theorylab.bandits.run_contextual`.

Network (one per repetition ``r`` and arm ``k``), NTK parameterisation:

.. math:: f(\theta; \phi) = \frac{1}{\sqrt m} \sum_{j=1}^m a_j\,\mathrm{relu}(w_j^\top \phi),
   \qquad \theta = (W, a),\ W \in \mathbb R^{m\times p},\ a \in \mathbb R^m .

Gradients: :math:`\partial f/\partial a_j = \mathrm{relu}(w_j^\top\phi)/\sqrt m`,
:math:`\partial f/\partial w_j = a_j 1\{w_j^\top\phi > 0\}\phi/\sqrt m`.

Optional perturbation (the paper's trick; its form here is *inferred*): the update uses
the prediction :math:`\tilde f = f + \xi^\top(\theta - \theta_0)`, :math:`\xi \sim N(0,
\rho^2 I)` drawn afresh each round, so in expectation the loss gains
:math:`\frac{\rho^2}{2}\lVert\theta - \theta_0\rVert^2` (quadratic growth, unique minimiser).

Used by ``bandits-rl/neural-cb-online-regression`` (exploratory neural oracle).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .. import _validate as V

__all__ = ["mlp_forward", "mlp_grad", "OnlineMLPOracle"]


def _check_net(W, a, phi) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = V.array("W", W)
    if W.ndim < 2 or W.shape[-2] < 1 or W.shape[-1] < 1:
        raise ValueError(f"W must have shape (..., m, p) with m, p >= 1; got {W.shape}")
    a = V.array("a", a)
    if a.shape != W.shape[:-1]:
        raise ValueError(f"a must have shape {W.shape[:-1]} (W without its last axis); got {a.shape}")
    phi = V.array("phi", phi)
    if phi.ndim < 1 or phi.shape[-1] != W.shape[-1]:
        raise ValueError(f"phi must have shape (..., {W.shape[-1]}); got {phi.shape}")
    try:
        np.broadcast_shapes(W.shape[:-2], phi.shape[:-1])
    except ValueError:
        raise ValueError(f"phi {phi.shape} and W {W.shape}: leading axes do not broadcast") from None
    return W, a, phi


def mlp_forward(W: np.ndarray, a: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``W (..., m, p)``, ``a (..., m)``, ``phi (..., p)`` -> ``f (...)``.

    Examples
    --------
    >>> float(mlp_forward(np.array([[1.0], [-1.0]]), np.array([1.0, 1.0]), np.array([2.0])))
    1.414213562373095
    """
    return _mlp_forward(*_check_net(W, a, phi))


def _mlp_forward(W: np.ndarray, a: np.ndarray, phi: np.ndarray) -> np.ndarray:
    h = np.einsum("...mp,...p->...m", W, phi)
    return np.einsum("...m,...m->...", a, np.maximum(h, 0.0)) / np.sqrt(W.shape[-2])


def mlp_grad(W: np.ndarray, a: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of :func:`mlp_forward` w.r.t. ``(W, a)``: shapes ``(..., m, p)`` and ``(..., m)``.

    Examples
    --------
    >>> gW, ga = mlp_grad(np.array([[1.0], [-1.0]]), np.array([1.0, 1.0]), np.array([2.0]))
    >>> gW.round(6).tolist(), ga.round(6).tolist()
    ([[1.414214], [0.0]], [1.414214, 0.0])
    """
    return _mlp_grad(*_check_net(W, a, phi))


def _mlp_grad(W: np.ndarray, a: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = W.shape[-2]
    h = np.einsum("...mp,...p->...m", W, phi)
    gW = (a * (h > 0))[..., :, None] * phi[..., None, :] / np.sqrt(m)
    ga = np.maximum(h, 0.0) / np.sqrt(m)
    return gW, ga


class OnlineMLPOracle:
    r"""Per-arm online two-layer ReLU regressor trained by one OGD step per round.

    The oracle protocol: ``init(R, K, p) -> state``; ``predict(state, phi) -> (R, K)``
    for contexts ``phi`` of shape (R, p); ``update(state, phi, a, y, t)`` with actions
    ``a`` and rewards ``y`` of shape (R,).

    Parameters
    ----------
    width : hidden width ``m``.
    step : learning rate ``eta`` (constant) or a callable ``n -> eta_n`` of the number of
        updates of that arm.
    link : ``"identity"`` (square loss, prediction clipped to [0, 1]) or ``"logistic"``
        (KL / log loss of :math:`\sigma(f)`).
    rho : perturbation scale (0: no perturbation).
    rng : Generator for the initialisation and the perturbations (required).

    Examples
    --------
    >>> oracle = OnlineMLPOracle(8, 0.1, rng=np.random.default_rng(0))
    >>> st = oracle.init(2, 3, 4)
    >>> oracle.predict(st, np.ones((2, 4))).round(12).tolist()  # symmetric initialisation: f = 0
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    def __init__(self, width: int, step, *, link: str = "identity", rho: float = 0.0,
                 rng: np.random.Generator) -> None:
        width = V.count("width", width, high=10**6)
        V.choice("link", link, ("identity", "logistic"))
        if not callable(step):
            step = V.positive("step", step)
        rho = V.real("rho", rho, low=0.0)
        V.rng(rng)
        self.width, self.step, self.link, self.rho, self.rng = width, step, link, rho, rng

    def init(self, R: int, K: int, p: int) -> dict:
        m = self.width
        W = self.rng.standard_normal((R, K, m, p))
        # symmetric initialisation: f(theta_0) = 0 (pairs of neurons with opposite a)
        half = m // 2
        a = np.ones((R, K, m))
        if m >= 2:
            W[..., half:2 * half, :] = W[..., :half, :]
            a[..., half:2 * half] = -1.0
            if m % 2:
                a[..., -1] = 0.0
        st = {"W": W, "a": a, "n": np.zeros((R, K))}
        if self.rho > 0:
            st["W0"], st["a0"] = W.copy(), a.copy()
        return st

    def _out(self, f):
        return expit(f) if self.link == "logistic" else np.clip(f, 0.0, 1.0)

    def predict(self, st: dict, phi: np.ndarray) -> np.ndarray:
        f = _mlp_forward(st["W"], st["a"], phi[:, None, :])
        return self._out(f)

    def update(self, st: dict, phi: np.ndarray, a_idx: np.ndarray, y: np.ndarray, t: int) -> None:
        r = np.arange(phi.shape[0])
        W, a = st["W"][r, a_idx], st["a"][r, a_idx]  # (R, m, p), (R, m)
        n = st["n"][r, a_idx] + 1.0
        st["n"][r, a_idx] = n
        f = _mlp_forward(W, a, phi)
        gW, ga = _mlp_grad(W, a, phi)
        if self.rho > 0:
            dW, da = W - st["W0"][r, a_idx], a - st["a0"][r, a_idx]
            xiW = self.rho * self.rng.standard_normal(W.shape)
            xia = self.rho * self.rng.standard_normal(a.shape)
            f = f + (xiW * dW).sum(axis=(1, 2)) + (xia * da).sum(axis=1)
            gW, ga = gW + xiW, ga + xia
        pred = expit(f) if self.link == "logistic" else f
        if callable(self.step):
            eta = np.asarray(self.step(n), dtype=float)
            if eta.shape not in ((), n.shape) or not np.all(np.isfinite(eta)) or np.any(eta <= 0):
                raise ValueError(f"step(n) must return finite step sizes > 0; got {eta!r}")
        else:
            eta = self.step
        res = np.broadcast_to(eta * (pred - y), (phi.shape[0],))
        st["W"][r, a_idx] = W - res[:, None, None] * gW
        st["a"][r, a_idx] = a - res[:, None] * ga
