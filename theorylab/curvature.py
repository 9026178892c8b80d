r"""Curvature of network losses: the Gauss-Newton matrix, its K-FAC and EK-FAC
approximations with their damped inverse-Hessian-vector products (IHVPs), LiSSA,
the exact damped solve, Hessian rank and null space, and the interaction basis.

Notation (shared with :mod:`theorylab.nets.dense`). For ``n`` examples, a network with
per-example Jacobians :math:`J_i \in \mathbb R^{m\times P}` and output-loss Hessians
:math:`H_i` (``None`` = identity: squared loss),

.. math:: G = \frac1n \sum_i J_i^\top H_i J_i \qquad\text{(Gauss-Newton / GNH).}

For a dense layer with block :math:`\tilde W_\ell \in \mathbb R^{o\times k}` (row-major
vec), inputs :math:`\bar a_i \in \mathbb R^k` and *pseudo-gradients*
:math:`s_{i,c} = \sum_o (H_i^{1/2})_{oc}\,\partial f_o/\partial z_\ell \in \mathbb R^{o}`
(one per column ``c`` of a square root of :math:`H_i`), the layer block of ``G`` is
:math:`\frac1n\sum_{i,c} (s_{i,c}\otimes\bar a_i)(s_{i,c}\otimes\bar a_i)^\top`, and

* **K-FAC** (Martens & Grosse 2015): :math:`G_\ell \approx S\otimes A`,
  :math:`A = \frac1n\sum_i \bar a_i\bar a_i^\top`, :math:`S = \frac1n\sum_{i,c} s_{i,c}s_{i,c}^\top`;
* **EK-FAC** (George et al. 2018; Grosse et al. 2023, Eqs. 16-20): eigenbases
  :math:`A = Q_A\Lambda_AQ_A^\top`, :math:`S = Q_S\Lambda_SQ_S^\top`, and the diagonal in
  the Kronecker eigenbasis refitted to the data,
  :math:`\Lambda^*_{pq} = \frac1n\sum_{i,c} (Q_S^\top s_{i,c})_p^2\,(Q_A^\top\bar a_i)_q^2`
  -- the Frobenius-optimal diagonal in that basis;
* damped IHVP of a block :math:`V \in \mathbb R^{o\times k}`:
  :math:`Q_S\big[(Q_S^\top V Q_A) \oslash (\Lambda + \lambda)\big]Q_A^\top`, with
  :math:`\Lambda = \lambda_S\lambda_A^\top` (K-FAC) or :math:`\Lambda^*` (EK-FAC);
* **LiSSA** (Agarwal, Bullins & Hazan 2017): :math:`x_{j+1} = v + x_j - (G_{B_j} + \lambda)x_j/s`,
  returning :math:`x_J/s \to (G + \lambda I)^{-1}v` when :math:`s > \lambda_{\max}(G) + \lambda`.

Used by ``learning-theory/influence-ekfac`` and ``kernels/degeneracy-interaction-basis``.

Examples
--------
>>> import numpy as np
>>> from theorylab import curvature
>>> rng = np.random.default_rng(0)
>>> abar = rng.normal(size=(50, 3))                  # one linear layer, scalar output
>>> g = np.ones((50, 1, 1))                          # d f / d z = 1 for every example
>>> J = (g[..., None] * abar[:, None, None, :]).reshape(50, 1, 3)
>>> G = curvature.gauss_newton(J)
>>> K = curvature.kfac_matrix(curvature.kfac_factors([abar], [g]))
>>> bool(np.allclose(G, K, rtol=1e-12, atol=0))      # K-FAC is exact here
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import _validate as V

__all__ = [
    "EKFACBlock",
    "InteractionBasis",
    "KFACBlock",
    "LissaResult",
    "NullSpace",
    "block_diagonal",
    "damped_solve",
    "ekfac_factors",
    "ekfac_ihvp",
    "ekfac_matrix",
    "gauss_newton",
    "hessian_rank",
    "interaction_basis",
    "kfac_factors",
    "kfac_ihvp",
    "kfac_matrix",
    "lissa",
    "null_space",
]


# --------------------------------------------------------------------------- GNH
def _jac(J) -> np.ndarray:
    Ja = V.real_array("J", J, ndim=(2, 3))
    return Ja[:, None, :] if Ja.ndim == 2 else Ja


def _out_hess(H, n: int, m: int) -> np.ndarray | None:
    if H is None:
        return None
    Ha = V.real_array("out_hess", H, ndim=(2, 3))
    if Ha.shape[-2:] != (m, m) or (Ha.ndim == 3 and Ha.shape[0] != n):
        raise ValueError(f"out_hess must have shape ({m}, {m}) or ({n}, {m}, {m}); got {Ha.shape}")
    return np.broadcast_to(Ha, (n, m, m))


def gauss_newton(J, out_hess=None, *, mean: bool = True) -> np.ndarray:
    r"""Gauss-Newton matrix :math:`\frac1n\sum_i J_i^\top H_i J_i`, (P, P).

    ``J`` : (n, m, P) per-example Jacobians (or (n, P) for a scalar output);
    ``out_hess`` : (m, m) or (n, m, m) output-loss Hessians, ``None`` for the identity;
    ``mean=False`` gives the sum. For the squared loss at an interpolating minimum this
    is the exact Hessian (Bushnaq et al. 2024's behavioural-loss Hessian up to a factor 2).
    """
    Ja = _jac(J)
    mean = V.flag("mean", mean)
    n, m, _ = Ja.shape
    H = _out_hess(out_hess, n, m)
    HJ = Ja if H is None else np.matmul(H, Ja)
    G = np.einsum("nmp,nmq->pq", Ja, HJ)
    G = 0.5 * (G + G.T)
    return G / n if mean else G


def damped_solve(G, v, damping: float) -> np.ndarray:
    r"""Exact damped IHVP :math:`(G + \lambda I)^{-1} v` for symmetric PSD ``G`` (P, P)
    and ``v`` (P,) or (..., P), by one Cholesky factorisation."""
    Ga = V.real_array("G", G, ndim=2)
    if Ga.shape[0] != Ga.shape[1]:
        raise ValueError(f"G must be square; got {Ga.shape}")
    lam = V.nonneg_real("damping", damping)
    va = V.real_array("v", v, min_ndim=1, last=Ga.shape[0])
    from scipy.linalg import cho_factor, cho_solve

    from numpy.linalg import LinAlgError

    try:
        c = cho_factor(Ga + lam * np.eye(Ga.shape[0]))
    except LinAlgError:
        raise ValueError(f"G + damping * I must be positive definite (G symmetric PSD, damping > 0 if G is "
                         f"singular); the Cholesky factorisation failed with damping={lam}") from None
    flat = va.reshape(-1, Ga.shape[0]).T
    return cho_solve(c, flat).T.reshape(va.shape)


# ------------------------------------------------------------------ rank / null space
@dataclass(frozen=True)
class NullSpace:
    """SVD-based rank decision: ``rank`` singular values above ``rtol * max``;
    ``basis`` (P, P - rank) orthonormal null directions; ``gap`` = ratio of the smallest
    kept to the largest dropped singular value (inf if none is dropped)."""

    rank: int
    dim: int
    basis: np.ndarray
    singular_values: np.ndarray
    gap: float


def null_space(J, *, rtol: float = 1e-9) -> NullSpace:
    r"""Null space of :math:`G = J^\top J` from the SVD of ``J`` itself ((N, P), or
    (n, m, P) stacked to (n m, P)), so singular values are resolved down to
    :math:`\epsilon\,\sigma_{\max}` rather than :math:`\sqrt\epsilon`. A direction is null
    when :math:`\sigma \le \text{rtol}\,\sigma_{\max}`; ``gap`` reports how clean the decision is.

    Examples
    --------
    >>> import numpy as np
    >>> J = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 0.0]])
    >>> ns = null_space(J)
    >>> ns.rank, ns.dim
    (1, 2)
    """
    Ja = V.real_array("J", J, ndim=(2, 3))
    Ja = Ja.reshape(-1, Ja.shape[-1])
    r = V.positive_real("rtol", rtol)
    P = Ja.shape[1]
    _, s, Vt = np.linalg.svd(Ja, full_matrices=Ja.shape[0] < P)  # Vt is (P, P) either way
    sv = np.zeros(P)
    sv[: s.size] = s
    keep = sv > r * sv[0] if sv[0] > 0 else np.zeros(P, bool)
    rank = int(keep.sum())
    gap = float(sv[rank - 1] / sv[rank]) if 0 < rank < P and sv[rank] > 0 else float("inf")
    return NullSpace(rank=rank, dim=P - rank, basis=Vt[rank:].T.copy(), singular_values=sv, gap=gap)


def hessian_rank(H, *, rtol: float = 1e-9) -> int:
    r"""Rank of a symmetric matrix: eigenvalues with :math:`|\lambda| > \text{rtol}\max|\lambda|`."""
    Ha = V.real_array("H", H, ndim=2)
    if Ha.shape[0] != Ha.shape[1]:
        raise ValueError(f"H must be square; got {Ha.shape}")
    r = V.positive_real("rtol", rtol)
    ev = np.abs(np.linalg.eigvalsh(0.5 * (Ha + Ha.T)))
    return int(np.sum(ev > r * ev.max())) if ev.max() > 0 else 0


# --------------------------------------------------------------------------- K-FAC
@dataclass(frozen=True)
class KFACBlock:
    """K-FAC factors of one layer: ``A`` (k, k) input covariance, ``S`` (o, o)
    pseudo-gradient covariance; the block approximation is ``kron(S, A)``."""

    A: np.ndarray
    S: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (self.S.shape[0], self.A.shape[0])


@dataclass(frozen=True)
class EKFACBlock:
    """EK-FAC factors of one layer: eigenbases ``QA`` (k, k), ``QS`` (o, o), the K-FAC
    eigenvalues ``lam_A``, ``lam_S`` and the refitted eigenvalues ``lam`` (o, k)."""

    QA: np.ndarray
    QS: np.ndarray
    lam_A: np.ndarray
    lam_S: np.ndarray
    lam: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.lam.shape


def _layer_inputs(inputs, out_grads, out_hess):
    if not isinstance(inputs, (list, tuple)) or not isinstance(out_grads, (list, tuple)):
        raise TypeError("inputs and out_grads must be lists (one array per layer)")
    if len(inputs) != len(out_grads) or not inputs:
        raise ValueError(f"inputs and out_grads must have the same non-zero length; got {len(inputs)}, "
                         f"{len(out_grads)}")
    out = []
    root = None
    for l, (a, g) in enumerate(zip(inputs, out_grads)):
        aa = V.real_array(f"inputs[{l}]", a, ndim=2)
        gg = V.real_array(f"out_grads[{l}]", g, ndim=3)
        if gg.shape[0] != aa.shape[0]:
            raise ValueError(f"layer {l}: inputs has {aa.shape[0]} examples, out_grads {gg.shape[0]}")
        if out_hess is not None:
            if root is None:
                H = _out_hess(out_hess, gg.shape[0], gg.shape[1])
                w, Q = np.linalg.eigh(H)
                if np.any(w < -1e-12 * np.max(np.abs(w))):
                    raise ValueError("out_hess must be positive semi-definite")
                root = Q * np.sqrt(np.maximum(w, 0.0))[:, None, :]  # H = root root^T
            gg = np.einsum("nok,noj->nkj", root, gg)
        out.append((aa, gg))
    return out


def kfac_factors(inputs: Sequence, out_grads: Sequence, out_hess=None) -> list[KFACBlock]:
    r"""K-FAC factors per layer from ``inputs[l]`` :math:`\bar a` (n, k_l) and
    ``out_grads[l]`` :math:`\partial f/\partial z_\ell` (n, m, o_l) (e.g.
    :meth:`theorylab.nets.dense.DenseNet.layer_stats`), with optional output Hessians
    (m, m) or (n, m, m) (PSD; ``None`` = identity)."""
    blocks = []
    for a, s in _layer_inputs(inputs, out_grads, out_hess):
        n = a.shape[0]
        A = a.T @ a / n
        S = np.einsum("nmi,nmj->ij", s, s) / n
        blocks.append(KFACBlock(0.5 * (A + A.T), 0.5 * (S + S.T)))
    return blocks


def ekfac_factors(inputs: Sequence, out_grads: Sequence, out_hess=None) -> list[EKFACBlock]:
    r"""EK-FAC factors per layer (same inputs as :func:`kfac_factors`): the K-FAC
    eigenbases and :math:`\Lambda^*_{pq} = \frac1n\sum_{i,c}(Q_S^\top s_{i,c})_p^2(Q_A^\top\bar a_i)_q^2`
    (Grosse et al. 2023, Eq. 20), computed without forming any per-example gradient."""
    blocks = []
    for a, s in _layer_inputs(inputs, out_grads, out_hess):
        n = a.shape[0]
        lA, QA = np.linalg.eigh(0.5 * (a.T @ a + (a.T @ a).T) / n)
        S = np.einsum("nmi,nmj->ij", s, s) / n
        lS, QS = np.linalg.eigh(0.5 * (S + S.T))
        pa = (a @ QA) ** 2                       # (n, k)
        ps = np.einsum("nmo,op->nmp", s, QS) ** 2  # (n, m, o)
        lam = np.einsum("nmp,nq->pq", ps, pa) / n
        blocks.append(EKFACBlock(QA, QS, lA, lS, lam))
    return blocks


def _check_blocks(factors, kind) -> list:
    if not isinstance(factors, (list, tuple)) or not factors or not all(isinstance(b, kind) for b in factors):
        raise TypeError(f"factors must be a non-empty list of {kind.__name__}")
    return list(factors)


def _split(v, shapes) -> tuple[np.ndarray, list[np.ndarray]]:
    P = sum(o * k for o, k in shapes)
    va = V.real_array("v", v, min_ndim=1, last=P)
    parts, i = [], 0
    for o, k in shapes:
        parts.append(va[..., i:i + o * k].reshape(va.shape[:-1] + (o, k)))
        i += o * k
    return va, parts


def _eig_ihvp(QS, QA, lam, Vb, damping):
    W = np.swapaxes(QS, -1, -2) @ Vb @ QA
    return QS @ (W / (lam + damping)) @ np.swapaxes(QA, -1, -2)


def kfac_ihvp(factors: Sequence[KFACBlock], v, damping: float) -> np.ndarray:
    r"""Block-diagonal K-FAC damped IHVP :math:`(S\otimes A + \lambda I)^{-1} v` per layer,
    exact for the Kronecker matrix (via the eigenbases). ``v`` (P,) or (..., P) in the
    dense layout (layer blocks row-major)."""
    fs = _check_blocks(factors, KFACBlock)
    lam = V.positive_real("damping", damping)
    va, parts = _split(v, [b.shape for b in fs])
    out = []
    for b, Vb in zip(fs, parts):
        lA, QA = np.linalg.eigh(b.A)
        lS, QS = np.linalg.eigh(b.S)
        out.append(_eig_ihvp(QS, QA, np.outer(lS, lA), Vb, lam).reshape(va.shape[:-1] + (-1,)))
    return np.concatenate(out, axis=-1)


def ekfac_ihvp(factors: Sequence[EKFACBlock], v, damping: float) -> np.ndarray:
    r"""Block-diagonal EK-FAC damped IHVP :math:`Q[(Q^\top v)\oslash(\Lambda^* + \lambda)]`
    per layer, :math:`Q = Q_S\otimes Q_A`. ``v`` (P,) or (..., P)."""
    fs = _check_blocks(factors, EKFACBlock)
    lam = V.positive_real("damping", damping)
    va, parts = _split(v, [b.shape for b in fs])
    out = [_eig_ihvp(b.QS, b.QA, b.lam, Vb, lam).reshape(va.shape[:-1] + (-1,)) for b, Vb in zip(fs, parts)]
    return np.concatenate(out, axis=-1)


def _block_diag(mats) -> np.ndarray:
    P = sum(m.shape[0] for m in mats)
    out = np.zeros((P, P))
    i = 0
    for m in mats:
        k = m.shape[0]
        out[i:i + k, i:i + k] = m
        i += k
    return out


def kfac_matrix(factors: Sequence[KFACBlock]) -> np.ndarray:
    """Dense block-diagonal K-FAC matrix ``diag(kron(S_l, A_l))`` (P, P) (tests, small P)."""
    return _block_diag([np.kron(b.S, b.A) for b in _check_blocks(factors, KFACBlock)])


def ekfac_matrix(factors: Sequence[EKFACBlock]) -> np.ndarray:
    """Dense block-diagonal EK-FAC matrix ``diag(Q_l diag(lam_l) Q_l^T)`` (P, P)."""
    mats = []
    for b in _check_blocks(factors, EKFACBlock):
        Q = np.kron(b.QS, b.QA)
        mats.append((Q * b.lam.ravel()) @ Q.T)
    return _block_diag(mats)


def block_diagonal(G, shapes: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    """The diagonal blocks of ``G`` (P, P) for layer blocks of the given ``(o, k)`` shapes."""
    Ga = V.real_array("G", G, ndim=2)
    if isinstance(shapes, (str, bytes)) or not isinstance(shapes, (Sequence, np.ndarray)) or (
            isinstance(shapes, np.ndarray) and shapes.ndim == 0):
        raise TypeError(f"shapes must be a sequence of (o, k) pairs of ints; got {type(shapes).__name__}")
    pairs = [V.int_sequence(f"shapes[{i}]", sh, low=1, high=V.MAX_COUNT) for i, sh in enumerate(shapes)]
    if not pairs or any(len(p) != 2 for p in pairs):
        raise ValueError(f"shapes must be a non-empty sequence of (o, k) pairs; got {shapes!r}")
    sizes = [o * k for o, k in pairs]
    if sum(sizes) != Ga.shape[0] or Ga.shape[0] != Ga.shape[1]:
        raise ValueError(f"G must be square of size sum(o*k) = {sum(sizes)} over the blocks given by shapes; "
                         f"got G of shape {Ga.shape}")
    out, i = [], 0
    for s in sizes:
        out.append(Ga[i:i + s, i:i + s].copy())
        i += s
    return out


# --------------------------------------------------------------------------- LiSSA
_MAX_LISSA_ITER = 10**8
"""Upper limit of LiSSA iterations of one call."""


@dataclass(frozen=True)
class LissaResult:
    """``x`` the IHVP estimate (shape of ``v``); ``history`` of shape ``(len(record), *v.shape)``:
    estimates at the iterations ``record``; ``n_example_hvps`` = per-example
    curvature-vector products used (iterations x batch size x number of vectors)."""

    x: np.ndarray
    history: np.ndarray
    record: tuple
    n_example_hvps: int


def lissa(batch_cvp: Callable, v, *, n_samples: int, damping: float, scale: float, n_iter: int,
          batch_size: int, rng: np.random.Generator, record: Sequence[int] = ()) -> LissaResult:
    r"""LiSSA estimate of :math:`(G + \lambda I)^{-1} v`.

    ``batch_cvp(idx, X)`` returns the minibatch curvature-vector product
    :math:`G_B X = \frac1{|B|}\sum_{i\in B} J_i^\top H_i J_i X` for example indices ``idx``
    and ``X`` (..., P). Each iteration draws a fresh batch of ``batch_size`` of the
    ``n_samples`` examples (without replacement within the batch) and applies
    :math:`x \leftarrow v + x - (G_B x + \lambda x)/s`; the result is :math:`x/s`.
    Converges (in expectation) when ``scale`` :math:`s > \lambda_{\max}(G) + \lambda`; the
    error contracts like :math:`(1 - \lambda/s)^j` along the flattest direction.
    ``record``: iterations (1-based) at which to keep the current estimate.
    """
    V.function("batch_cvp", batch_cvp, what="(idx, X) -> G_B X")
    va = V.real_array("v", v, min_ndim=1)
    N = V.count("n_samples", n_samples)
    lam = V.nonneg_real("damping", damping)
    s = V.positive_real("scale", scale)
    T = V.count("n_iter", n_iter, high=_MAX_LISSA_ITER)
    b = V.count("batch_size", batch_size)
    if b > N:
        raise ValueError(f"batch_size must be <= n_samples = {N}; got {b}")
    V.elements("n_iter * batch_size * v.size (per-example products)", T * b * va.size, limit=V.MAX_COUNT * 10)
    V.generator("rng", rng)
    rec = V.int_sequence("record", record, low=1, min_length=0)
    if any(r > T for r in rec):
        raise ValueError(f"record iterations must be <= n_iter = {T}; got {max(rec)}")
    x = va.copy()
    hist = []
    want = set(rec)
    for j in range(1, T + 1):
        idx = rng.choice(N, size=b, replace=False)
        try:
            gx = np.asarray(batch_cvp(idx, x))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"batch_cvp(idx, X) failed for X of the shape of v {va.shape}: {exc}") from exc
        if gx.shape != va.shape:
            raise ValueError(f"batch_cvp(idx, X) must return an array of the shape of v {va.shape}; "
                             f"got {gx.shape}")
        x = va + x - (gx + lam * x) / s
        if not np.all(np.isfinite(x)):
            raise ValueError(f"LiSSA diverged at iteration {j}: scale must exceed the largest eigenvalue of "
                             f"G + damping (scale={s}, damping={lam}), and batch_cvp must return finite values")
        if j in want:
            hist.append(x / s)
    n_vec = int(np.prod(va.shape[:-1])) if va.ndim > 1 else 1
    order = sorted(rec)
    H = np.stack(hist) if hist else np.empty((0,) + va.shape)
    return LissaResult(x=x / s, history=H, record=tuple(order), n_example_hvps=T * b * n_vec)


# ---------------------------------------------------------------- interaction basis
@dataclass(frozen=True)
class InteractionBasis:
    r"""Interaction basis of one layer (see :func:`interaction_basis`).

    ``C`` (k, r): new activations :math:`\hat a = C^\top a`; ``P`` (k, r): the inverse map on
    the data subspace (:math:`a = P\hat a`); ``lam`` (r,) the diagonal of :math:`P^\top M P`;
    ``gram_rank`` = rank of :math:`E[aa^\top]`; ``dim`` = r."""

    C: np.ndarray
    P: np.ndarray
    lam: np.ndarray
    gram_rank: int
    dim: int


def interaction_basis(acts, jac, *, rtol: float = 1e-9) -> InteractionBasis:
    r"""Interaction basis of a layer (Bushnaq et al. 2024, arXiv:2405.10927, simplified
    from the companion paper's local interaction basis, arXiv:2405.10928):

    1. :math:`G = \frac1n\sum_i a_ia_i^\top = UDU^\top`, dropping eigenvalues
       :math:`\le \text{rtol}\max D` (directions the data never use);
    2. :math:`M = \frac1n\sum_i J_i^\top J_i`, with :math:`J_i = \partial(\text{downstream})/\partial a` (m, k);
    3. :math:`\tilde M = D^{1/2}U^\top M U D^{1/2} = V\Lambda V^\top`, dropping
       :math:`\Lambda \le \text{rtol}\max\Lambda`;
    4. :math:`C = UD^{-1/2}V`, :math:`P = UD^{1/2}V`.

    Then :math:`E[\hat a\hat a^\top] = I` and :math:`P^\top M P = \Lambda` (diagonal).
    ``acts`` (n, k), ``jac`` (n, m, k). The result does not depend on the coordinates of
    ``a``: for any invertible ``T`` (a -> T a, jac -> jac T^{-1}) the new activations are the
    same, provided the eigenvalues of :math:`\tilde M` are distinct; signs are fixed so that
    :math:`E[\hat a_k^3] \ge 0` (a coordinate-free convention).
    """
    A = V.real_array("acts", acts, ndim=2)
    Jm = V.real_array("jac", jac, ndim=3)
    if Jm.shape[0] != A.shape[0] or Jm.shape[2] != A.shape[1]:
        raise ValueError(f"jac must have shape (n, m, k) = ({A.shape[0]}, m, {A.shape[1]}); got {Jm.shape}")
    r = V.positive_real("rtol", rtol)
    n = A.shape[0]
    d, U = np.linalg.eigh(A.T @ A / n)
    keep = d > r * d.max()
    d, U = d[keep], U[:, keep]
    M = np.einsum("nmi,nmj->ij", Jm, Jm) / n
    Mt = (np.sqrt(d)[:, None] * (U.T @ M @ U)) * np.sqrt(d)[None, :]
    lam, Vm = np.linalg.eigh(0.5 * (Mt + Mt.T))
    order = np.argsort(lam)[::-1]
    lam, Vm = lam[order], Vm[:, order]
    keep2 = lam > r * lam.max() if lam.size and lam.max() > 0 else np.zeros(lam.size, bool)
    lam, Vm = lam[keep2], Vm[:, keep2]
    C = (U / np.sqrt(d)) @ Vm
    # sign convention that does not depend on the coordinates of a: E[ahat^3] >= 0
    # (then E[ahat] >= 0 where the third moment vanishes)
    ah = A @ C
    key = np.mean(ah**3, axis=0)
    key = np.where(np.abs(key) > 1e-12 * np.mean(np.abs(ah) ** 3, axis=0), key, np.mean(ah, axis=0))
    sign = np.where(key < 0, -1.0, 1.0)
    Vm, C = Vm * sign, C * sign
    Pm = (U * np.sqrt(d)) @ Vm
    return InteractionBasis(C=C, P=Pm, lam=lam, gram_rank=int(keep.sum()), dim=int(lam.size))
