r"""Measures of representational geometry: kernel alignment (CKA), distance ratios, the
parallelism score and cross-condition generalisation.

A *representation* is a matrix ``R`` (n, h): one row per stimulus (condition or sample),
one column per unit. Conditions of a factorial task carry binary variables
``factors`` (n, k) with entries :math:`\pm1`.

- :func:`centre_gram`, :func:`kernel_alignment` -- (centred) kernel alignment of two Gram
  matrices; :func:`cka` -- linear CKA of two representations (Kornblith et al. 2019);
- :func:`distance_ratio` -- mean intra-class over mean inter-class Euclidean distance;
- :func:`parallelism_score` -- cosine between the coding vectors of one variable across
  the values of the others (Bernardi et al. 2020);
- :func:`ccgp` -- cross-condition generalisation performance of a linear decoder
  (Bernardi et al. 2020).

Used by ``notebooks/kernels/nonlinearity-representational-geometry.md`` (Alleman, Lindsey &
Fusi 2024) and ``grokking-lazy-rich.md`` (the kernel-task alignment of Kumar et al. 2024).
"""

from __future__ import annotations

import numpy as np

from . import _validate as V

__all__ = ["cka", "ccgp", "centre_gram", "distance_ratio", "kernel_alignment", "parallelism_score"]


def _gram(name: str, K) -> np.ndarray:
    Ka = V.real_array(name, K, min_ndim=2)
    if Ka.shape[-1] != Ka.shape[-2]:
        raise ValueError(f"{name} must be square (..., n, n); got {Ka.shape}")
    return Ka


def centre_gram(K) -> np.ndarray:
    r""":math:`HKH` with :math:`H = I - \frac1n\mathbf 1\mathbf 1^\top`, (..., n, n) -> (..., n, n).

    Examples
    --------
    >>> import numpy as np
    >>> Kc = centre_gram(np.ones((3, 3)) + np.eye(3))
    >>> bool(np.allclose(Kc.sum(axis=0), 0))
    True
    """
    Ka = _gram("K", K)
    Kc = Ka - Ka.mean(axis=-1, keepdims=True)
    return Kc - Kc.mean(axis=-2, keepdims=True)


def kernel_alignment(K1, K2, *, centred: bool = True) -> np.ndarray:
    r"""Kernel alignment :math:`\langle K_1, K_2\rangle_F/(\lVert K_1\rVert_F\lVert K_2\rVert_F)`
    (Cristianini et al. 2002), of the centred Gram matrices :math:`HK_iH` when ``centred``
    (Cortes et al. 2012) -- then it is the linear CKA when :math:`K_i` are linear kernels.
    For a label kernel :math:`K_2 = yy^\top` it is :math:`\tilde y^\top\tilde K_1\tilde y/(\lVert\tilde K_1\rVert_F|\tilde y|^2)`,
    the task-model alignment of Kumar et al. (2024, sec. 5). Shapes (..., n, n) -> (...).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(6, 3))
    >>> float(np.round(kernel_alignment(X @ X.T, 4.0 * X @ X.T), 12))
    1.0
    """
    A, B = _gram("K1", K1), _gram("K2", K2)
    centred = V.flag("centred", centred)
    if A.shape[-1] != B.shape[-1]:
        raise ValueError(f"K1 and K2 must be Gram matrices of the same n; got {A.shape}, {B.shape}")
    if centred:
        A, B = centre_gram(A), centre_gram(B)
    num = np.sum(A * B, axis=(-2, -1))
    den = np.sqrt(np.sum(A * A, axis=(-2, -1)) * np.sum(B * B, axis=(-2, -1)))
    if np.any(den == 0):
        raise ValueError("K1 or K2 is zero after centring: the alignment is undefined")
    return num / den


def cka(R1, R2) -> np.ndarray:
    r"""Linear centred kernel alignment of two representations of the same ``n`` stimuli,
    :math:`\mathrm{CKA} = \lVert\tilde R_2^\top\tilde R_1\rVert_F^2/(\lVert\tilde R_1^\top\tilde R_1\rVert_F
    \lVert\tilde R_2^\top\tilde R_2\rVert_F)` with column-centred :math:`\tilde R` (Kornblith et al. 2019);
    equals :func:`kernel_alignment` of the linear Gram matrices. ``R1`` (..., n, h1), ``R2`` (..., n, h2) -> (...).

    Examples
    --------
    >>> import numpy as np
    >>> R = np.random.default_rng(0).normal(size=(8, 4))
    >>> Q = np.linalg.qr(np.random.default_rng(1).normal(size=(4, 4)))[0]
    >>> float(np.round(cka(R, 3.0 * R @ Q), 12))        # invariant to rotation and scale
    1.0
    """
    A = V.real_array("R1", R1, min_ndim=2)
    B = V.real_array("R2", R2, min_ndim=2)
    if A.shape[-2] != B.shape[-2]:
        raise ValueError(f"R1 and R2 must have the same number of rows; got {A.shape}, {B.shape}")
    A = A - A.mean(axis=-2, keepdims=True)
    B = B - B.mean(axis=-2, keepdims=True)
    At, Bt = np.swapaxes(A, -1, -2), np.swapaxes(B, -1, -2)
    num = np.sum(np.matmul(Bt, A) ** 2, axis=(-2, -1))
    den = np.sqrt(np.sum(np.matmul(At, A) ** 2, axis=(-2, -1)) * np.sum(np.matmul(Bt, B) ** 2, axis=(-2, -1)))
    if np.any(den == 0):
        raise ValueError("R1 or R2 is constant over the rows (zero after centring): CKA is undefined")
    return num / den


def _labels(name: str, labels, n: int) -> np.ndarray:
    """Class labels: any finite numbers (compared for equality), one per row."""
    return V.array(name, labels, shape=(n,))


def distance_ratio(R, labels) -> np.ndarray:
    r"""Mean intra-class over mean inter-class Euclidean distance between the rows of ``R``
    (..., n, h), over all unordered pairs of distinct rows; ``labels`` (n,). 1 for
    orthonormal inputs; 0 when each class collapses to a point. Shapes -> (...).

    Examples
    --------
    >>> import numpy as np
    >>> float(np.round(distance_ratio(np.eye(4), [1, 1, -1, -1]), 12))
    1.0
    """
    Ra = V.real_array("R", R, min_ndim=2)
    n = Ra.shape[-2]
    lab = _labels("labels", labels, n)
    same = lab[:, None] == lab[None, :]
    iu = np.triu_indices(n, 1)
    intra, inter = same[iu], ~same[iu]
    if not intra.any() or not inter.any():
        raise ValueError("labels must have at least two classes and a class with two members")
    sq = np.sum(Ra * Ra, axis=-1)
    D2 = sq[..., :, None] + sq[..., None, :] - 2.0 * np.matmul(Ra, np.swapaxes(Ra, -1, -2))
    Dm = np.sqrt(np.maximum(D2, 0.0))[..., iu[0], iu[1]]
    den = Dm[..., inter].mean(axis=-1)
    if np.any(den == 0):
        raise ValueError("R has zero mean inter-class distance (all classes at one point): the ratio is undefined")
    return Dm[..., intra].mean(axis=-1) / den


def _factors(factors, n: int) -> np.ndarray:
    F = V.real_array("factors", factors, ndim=2)
    if F.shape[0] != n:
        raise ValueError(f"factors must have one row per condition ({n}); got {F.shape}")
    if not np.all(np.abs(F) == 1):
        raise ValueError("factors must hold +1/-1 entries")
    return F


def parallelism_score(R, factors) -> np.ndarray:
    r"""Parallelism score of each binary variable of a full factorial design.

    For variable :math:`v`, each pair of conditions that differ only in :math:`v` gives a
    coding vector :math:`r(v{=}{+}1, \text{rest}) - r(v{=}{-}1, \text{rest})`; the score is the
    mean cosine similarity over all pairs of coding vectors (Bernardi et al. 2020, with the
    pairing fixed by the factorial structure). 1 for a factorised (abstract) code, 0 for
    orthonormal condition vectors.

    Parameters
    ----------
    R : (..., n, h) representation of the ``n`` conditions.
    factors : (n, k) entries :math:`\pm1`; every combination of the other variables must
        occur with both values of each variable.

    Returns
    -------
    (..., k) one score per variable.

    Examples
    --------
    >>> import numpy as np
    >>> F = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])
    >>> np.round(parallelism_score(F @ np.array([[1.0, 0, 0], [0, 1.0, 0]]), F), 12).tolist()
    [1.0, 1.0]
    >>> np.round(parallelism_score(np.eye(4), F), 12).tolist()
    [0.0, 0.0]
    """
    Ra = V.real_array("R", R, min_ndim=2)
    F = _factors(factors, Ra.shape[-2])
    out = []
    for v in range(F.shape[1]):
        rest = np.delete(F, v, axis=1)
        keys = {}
        for i, row in enumerate(rest):
            keys.setdefault(tuple(row), {})[F[i, v]] = i
        pairs = [(d[1.0], d[-1.0]) for d in keys.values() if 1.0 in d and -1.0 in d]
        if len(pairs) < 2 or len(pairs) != len(keys):
            raise ValueError(f"factors: variable {v} is not fully crossed with the others")
        C = np.stack([Ra[..., p, :] - Ra[..., m, :] for p, m in pairs], axis=-2)   # (..., q, h)
        nC = np.linalg.norm(C, axis=-1, keepdims=True)
        if np.any(nC == 0):
            raise ValueError(f"R codes variable {v} by a zero vector for some condition pair: the cosine is undefined")
        Cn = C / nC
        S = np.matmul(Cn, np.swapaxes(Cn, -1, -2))
        iu = np.triu_indices(len(pairs), 1)
        out.append(S[..., iu[0], iu[1]].mean(axis=-1))
    return np.stack(out, axis=-1)


def ccgp(R, factors, *, ridge: float = 1e-6) -> np.ndarray:
    r"""Cross-condition generalisation performance of each binary variable.

    For variable :math:`v` and each other variable :math:`u` and value :math:`s\in\{\pm1\}`:
    fit a linear decoder (ridge least squares on :math:`\pm1` targets, unpenalised intercept) for
    :math:`v` on the samples with :math:`u = s`, test its sign accuracy on the samples with
    :math:`u = -s`; average over :math:`(u, s)` (Bernardi et al. 2020, with the train/test split
    of conditions fixed by the factorial design).

    Parameters
    ----------
    R : (..., n, h) representations of ``n`` samples (conditions or noisy repetitions).
    factors : (n, k) the :math:`\pm1` variables of each sample (k >= 2).
    ridge : ridge penalty :math:`\lambda \ge 0` relative to the mean squared feature norm
        (0: minimum-norm least squares).

    Returns
    -------
    (..., k) accuracies in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> F = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]] * 3, dtype=float)
    >>> np.round(ccgp(F @ np.array([[1.0, 0, 0], [0, 1.0, 0]]), F), 6).tolist()
    [1.0, 1.0]
    """
    Ra = V.real_array("R", R, min_ndim=2)
    F = _factors(factors, Ra.shape[-2])
    lam = V.nonneg_real("ridge", ridge)
    k = F.shape[1]
    if k < 2:
        raise ValueError("ccgp needs at least two variables")
    h = Ra.shape[-1]
    out = []
    for v in range(k):
        accs = []
        for u in range(k):
            if u == v:
                continue
            for s in (1.0, -1.0):
                tr, te = F[:, u] == s, F[:, u] == -s
                Rt, yt = Ra[..., tr, :], F[tr, v]
                mu = Rt.mean(axis=-2, keepdims=True)
                Zt = Rt - mu                                           # unpenalised intercept
                scale = np.mean(np.sum(Zt * Zt, axis=-1), axis=-1)[..., None, None]
                if np.any(scale == 0):
                    raise ValueError(f"R is constant on the training split of variable {v}: no decoder can be fitted")
                if lam > 0:
                    G = np.matmul(np.swapaxes(Zt, -1, -2), Zt) + lam * scale * np.eye(h)
                    w = np.linalg.solve(G, np.matmul(np.swapaxes(Zt, -1, -2), yt - yt.mean())[..., None])[..., 0]
                else:                                                  # minimum-norm least squares
                    w = np.matmul(np.linalg.pinv(Zt), (yt - yt.mean())[..., None])[..., 0]
                pred = np.sign(np.matmul(Ra[..., te, :] - mu, w[..., None])[..., 0] + yt.mean())
                accs.append(np.mean(pred == F[te, v], axis=-1))
        out.append(np.mean(accs, axis=0))
    return np.stack(out, axis=-1)
