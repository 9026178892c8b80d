r"""Krylov solvers for symmetric positive-definite systems: CG, the deep conjugate direction
method (DCDM) with a pluggable search-direction model, and Lanczos with Ritz vectors.

**DCDM** (Kaneda et al., ICML 2023, arXiv:2205.10763; iteration as in the official code
``ayano721/2023_DCDM``, ``lib/conjugate_gradient.py``, function ``dcdm``). From
:math:`r_0 = b - Ax_0`, for k = 0, 1, ...:

1. :math:`q = f(r_k/\|r_k\|)` (the model sees the normalised residual);
2. A-orthogonalise against the last ``n_orth`` (= 2) directions,
   :math:`q \leftarrow q - \frac{q^\top A p_j}{p_j^\top A p_j} p_j`;
3. :math:`p_k = q`, exact line search :math:`\alpha_k = p_k^\top r_k / p_k^\top A p_k`,
   :math:`x_{k+1} = x_k + \alpha_k p_k`, :math:`r_{k+1} = b - Ax_{k+1}` (true residual).

Exact line search gives, for *any* f, the energy identity

.. math:: \|x_{k+1}-x^*\|_A^2 = \|x_k - x^*\|_A^2 - \frac{(p_k^\top r_k)^2}{p_k^\top A p_k},

and the iterates are unchanged when f is replaced by :math:`c f` (c > 0). With
:math:`f = \mathrm{id}` DCDM reproduces CG (its residuals are automatically A-conjugate to all
older directions); with a linear symmetric positive-definite f it is preconditioned CG.

**Lanczos** with full re-orthogonalisation (classical Gram-Schmidt applied twice) builds an
orthonormal basis :math:`Q_m` of the Krylov space with :math:`Q_m^\top A Q_m = T_m`
tridiagonal; Ritz pairs are the eigenpairs of :math:`T_m` lifted by :math:`Q_m`. DCDM's training
right-hand sides are random combinations of Ritz vectors, weighted towards the low end of the
spectrum (:func:`ritz_training_rhs`).

``A`` may be a dense array, a scipy sparse matrix or ``LinearOperator``, or a callable
``v -> A v`` on 1-D arrays. Used by ``notebooks/learning-theory/deep-conjugate-direction.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .. import _validate as v

__all__ = ["KrylovResult", "cg", "dcdm", "lanczos", "ritz_pairs", "ritz_training_rhs"]


@dataclass
class KrylovResult:
    """Outcome of :func:`cg` or :func:`dcdm`.

    Attributes
    ----------
    x : (n,) final iterate
    residual_norms : (n_iter + 1,) residual norms ``||b - A x_k||`` (true residual for DCDM and
        for ``cg(..., residual="true")``, the recursively updated one otherwise), k = 0..n_iter
    n_iter : number of updates performed
    converged : whether ``residual_norms[-1] < tol * ||b||``
    iterates : (n_iter + 1, n) the x_k, if ``store=True`` (else None)
    directions : (n_iter, n) the search directions p_k, if ``store=True`` (else None)
    steps : (n_iter,) the step sizes alpha_k
    decrements : (n_iter,) ``(p_k^T r_k)^2 / p_k^T A p_k``, the energy decrease of step k
    """

    x: np.ndarray
    residual_norms: np.ndarray
    n_iter: int
    converged: bool
    iterates: np.ndarray | None = None
    directions: np.ndarray | None = None
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    decrements: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _matvec(A) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(A, np.ndarray):
        A = v.shaped_array("A", A, ndim=2)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square matrix; got shape {A.shape}")
        return lambda x: A @ x
    if sp.issparse(A) or isinstance(A, spla.LinearOperator):
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square; got shape {A.shape}")
        if sp.issparse(A):
            v.shaped_array("A.data", A.data, nonempty=False)
        return lambda x: A @ x
    if callable(A) and not isinstance(A, type):
        return A
    raise TypeError(f"A must be an array, a sparse matrix, a LinearOperator or a callable; "
                    f"got {type(A).__name__}")


def _setup(A, b, x0, tol, max_iter):
    mv = _matvec(A)
    b = v.min_length("b", v.shaped_array("b", b, ndim=1), 1)
    x = np.zeros_like(b) if x0 is None else v.shaped_array("x0", x0, shape=b.shape).copy()
    tol = v.positive_real("tol", tol)
    max_iter = 10 * b.size if max_iter is None else v.count("max_iter", max_iter, low=0)
    return mv, b, x, tol, max_iter


def cg(A, b, *, x0=None, tol: float = 1e-6, max_iter: int | None = None, residual: str = "true",
       store: bool = False) -> KrylovResult:
    r"""Conjugate gradients (Hestenes-Stiefel) for SPD ``A``; stops when ``||r_k|| < tol ||b||``.

    Parameters
    ----------
    A : (n, n) SPD operator (see module docstring)
    b : (n,)
    x0 : (n,) initial guess (default 0)
    tol : float > 0, relative residual tolerance
    max_iter : int (default 10 n)
    residual : "true" -- test and record ``||b - A x_k||`` (one extra product per step);
        "recursive" -- the updated residual, as ``scipy.sparse.linalg.cg`` does (same counts)
    store : keep iterates and directions

    Returns
    -------
    KrylovResult

    Examples
    --------
    >>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> res = cg(A, np.array([1.0, 2.0]), tol=1e-12)
    >>> res.n_iter, bool(np.allclose(A @ res.x, [1.0, 2.0]))
    (2, True)
    """
    mv, b, x, tol, max_iter = _setup(A, b, x0, tol, max_iter)
    v.choice("residual", residual, ("true", "recursive"))
    store = v.flag("store", store)
    bn = np.linalg.norm(b)
    r = b - mv(x)
    hist, X, P, steps, decs = [np.linalg.norm(r)], [x.copy()], [], [], []
    p = r.copy()
    rr = r @ r
    k = 0
    while k < max_iter and hist[-1] >= tol * bn and hist[-1] > 0:
        Ap = mv(p)
        pAp = p @ Ap
        if not pAp > 0:
            raise ValueError("A is not positive definite along a search direction (p^T A p <= 0)")
        alpha = rr / pAp
        decs.append((p @ r) ** 2 / pAp)
        x = x + alpha * p
        r = r - alpha * Ap
        rr_new = r @ r
        if store:
            X.append(x.copy())
            P.append(p.copy())
        steps.append(alpha)
        p = r + (rr_new / rr) * p
        rr = rr_new
        k += 1
        hist.append(np.linalg.norm(b - mv(x)) if residual == "true" else np.sqrt(rr))
    return KrylovResult(x=x, residual_norms=np.array(hist), n_iter=k, converged=bool(hist[-1] < tol * bn),
                        iterates=np.array(X) if store else None,
                        directions=np.array(P).reshape(k, b.size) if store else None,
                        steps=np.array(steps), decrements=np.array(decs))


def dcdm(A, b, direction: Callable[[np.ndarray], np.ndarray], *, x0=None, tol: float = 1e-6,
         max_iter: int = 100, n_orth: int = 2, normalize: bool = True, store: bool = False) -> KrylovResult:
    r"""Deep conjugate direction method with search-direction model ``direction`` (module docstring).

    Stops when the true residual satisfies ``||b - A x_k|| < tol ||b||``, or after ``max_iter``
    steps, or when the model returns a direction with no component left after
    A-orthogonalisation (``p^T A p <= 0``), which ends the run unconverged.

    Parameters
    ----------
    A : (n, n) SPD operator
    b : (n,)
    direction : callable (n,) -> (n,), the model f (e.g. an approximate inverse of A); any
        function, linear or not
    x0 : (n,) initial guess (default 0)
    tol : float > 0
    max_iter : int >= 0
    n_orth : int >= 0, how many previous directions to A-orthogonalise against (paper: 2)
    normalize : feed ``r / ||r||`` (paper) rather than ``r`` to the model
    store : keep iterates and directions

    Returns
    -------
    KrylovResult

    Examples
    --------
    >>> A = np.diag([1.0, 10.0, 100.0]); b = np.ones(3)
    >>> res = dcdm(A, b, lambda r: r / np.diag(A), tol=1e-12)   # the exact inverse
    >>> res.n_iter
    1
    """
    mv, b, x, tol, max_iter = _setup(A, b, x0, tol, max_iter)
    if not callable(direction):
        raise TypeError(f"direction must be callable; got {type(direction).__name__}")
    n_orth = v.count("n_orth", n_orth, low=0)
    normalize = v.flag("normalize", normalize)
    store = v.flag("store", store)
    bn = np.linalg.norm(b)
    r = b - mv(x)
    rn = np.linalg.norm(r)
    hist, X, P, steps, decs = [rn], [x.copy()], [], [], []
    memory: list[tuple[np.ndarray, np.ndarray, float]] = []
    k = 0
    while k < max_iter and rn >= tol * bn and rn > 0:
        q = np.asarray(direction(r / rn if normalize else r), dtype=np.float64)
        if q.shape != b.shape:
            raise ValueError(f"direction must return shape {b.shape}; got {q.shape}")
        for p, Ap, pAp in memory[::-1]:
            q = q - ((q @ Ap) / pAp) * p
        Aq = mv(q)
        qAq = q @ Aq
        if not qAq > 0:
            break
        alpha = (q @ r) / qAq
        decs.append((q @ r) ** 2 / qAq)
        x = x + alpha * q
        r = b - mv(x)
        rn = np.linalg.norm(r)
        if n_orth:
            memory = (memory + [(q, Aq, qAq)])[-n_orth:]
        if store:
            X.append(x.copy())
            P.append(q.copy())
        steps.append(alpha)
        hist.append(rn)
        k += 1
    return KrylovResult(x=x, residual_norms=np.array(hist), n_iter=k, converged=bool(rn < tol * bn),
                        iterates=np.array(X) if store else None,
                        directions=np.array(P).reshape(k, b.size) if store else None,
                        steps=np.array(steps), decrements=np.array(decs))


def lanczos(A, v0, n_steps: int, *, reorthogonalize: bool = True,
            breakdown_tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Lanczos tridiagonalisation :math:`Q_m^\top A Q_m = T_m` started from ``v0``.

    Parameters
    ----------
    A : (n, n) symmetric operator
    v0 : (n,) starting vector (normalised internally)
    n_steps : int, m <= n
    reorthogonalize : full re-orthogonalisation against all previous vectors (Gram-Schmidt
        twice); without it spurious copies of converged Ritz vectors appear
    breakdown_tol : stop early (invariant subspace) when ``beta_k < breakdown_tol * ||A q||``

    Returns
    -------
    Q : (m', n) orthonormal rows (m' <= m if a breakdown stopped the iteration)
    alpha : (m',) diagonal of T;  beta : (m'-1,) off-diagonal of T

    Examples
    --------
    >>> A = np.diag(np.arange(1.0, 6.0))
    >>> Q, a, b = lanczos(A, np.ones(5), 5)
    >>> T = np.diag(a) + np.diag(b, 1) + np.diag(b, -1)
    >>> bool(np.allclose(np.linalg.eigvalsh(T), np.arange(1.0, 6.0)))
    True
    """
    mv = _matvec(A)
    q = v.min_length("v0", v.shaped_array("v0", v0, ndim=1), 1)
    n = q.size
    m = v.count("n_steps", n_steps)
    if m > n:
        raise ValueError(f"n_steps must be <= len(v0) = {n}; got {m}")
    reorthogonalize = v.flag("reorthogonalize", reorthogonalize)
    breakdown_tol = v.nonneg_real("breakdown_tol", breakdown_tol)
    nrm = np.linalg.norm(q)
    if nrm == 0:
        raise ValueError("v0 must be non-zero")
    Q = np.zeros((m, n))
    alpha, beta = np.zeros(m), np.zeros(max(m - 1, 0))
    Q[0] = q / nrm
    for k in range(m):
        w = np.asarray(mv(Q[k]), dtype=np.float64)
        alpha[k] = Q[k] @ w
        w_norm = np.linalg.norm(w)
        w = w - alpha[k] * Q[k] - (beta[k - 1] * Q[k - 1] if k > 0 else 0.0)
        if reorthogonalize:
            for _ in range(2):
                w = w - Q[: k + 1].T @ (Q[: k + 1] @ w)
        if k == m - 1:
            break
        beta[k] = np.linalg.norm(w)
        if beta[k] <= breakdown_tol * max(w_norm, 1e-300):
            return Q[: k + 1], alpha[: k + 1], beta[:k]
        Q[k + 1] = w / beta[k]
    return Q, alpha, beta


def ritz_pairs(A, v0, n_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Ritz values and vectors of ``A`` on the Krylov space of ``v0`` (re-orthogonalised Lanczos).

    Parameters
    ----------
    A : (n, n) symmetric operator;  v0 : (n,);  n_steps : int m <= n

    Returns
    -------
    theta : (m,) Ritz values, ascending
    Y : (m, n) unit Ritz vectors (rows), ``Y[i]`` belongs to ``theta[i]``
    residual : (m,) ``||A y_i - theta_i y_i|| = |beta_m s_{m,i}|`` from the tridiagonal
        (0 when the Krylov space is invariant)

    Examples
    --------
    >>> theta, Y, res = ritz_pairs(np.diag([1.0, 2.0, 3.0]), np.ones(3), 3)
    >>> bool(np.allclose(theta, [1.0, 2.0, 3.0]))
    True
    """
    mv = _matvec(A)
    Q, a, b = lanczos(A, v0, n_steps)
    T = np.diag(a) + np.diag(b, 1) + np.diag(b, -1)
    theta, S = np.linalg.eigh(T)
    Y = S.T @ Q
    k = Q.shape[0]
    if k < v.count("n_steps", n_steps) or k == Q.shape[1]:
        res = np.zeros(k)
    else:   # the next Lanczos coefficient beta_m, from one more step
        w = np.asarray(mv(Q[-1]), dtype=np.float64) - a[-1] * Q[-1] - (b[-1] * Q[-2] if k > 1 else 0.0)
        for _ in range(2):
            w = w - Q.T @ (Q @ w)
        res = np.linalg.norm(w) * np.abs(S[-1])
    return theta, Y, res


def ritz_training_rhs(Y, n_samples: int, *, rng: np.random.Generator, n_boost: int | None = None,
                      boost: float = 9.0) -> np.ndarray:
    r"""Random unit right-hand sides :math:`b = \sum_i c_i y_i / \|\cdot\|` from Ritz vectors.

    :math:`c_i \sim N(0, 1)`, multiplied by ``boost`` for the ``n_boost`` lowest Ritz vectors
    (DCDM: m = 1000 Ritz vectors, factor 9 on the lowest m/2 + 50; at toy scale the caller
    chooses ``n_boost``, default m/2).

    Parameters
    ----------
    Y : (m, n) Ritz vectors sorted by ascending Ritz value (as from :func:`ritz_pairs`)
    n_samples : int
    rng : numpy.random.Generator (required)
    n_boost : int in [0, m] (default m // 2)
    boost : float > 0

    Returns
    -------
    B : (n_samples, n), unit rows

    Examples
    --------
    >>> B = ritz_training_rhs(np.eye(4), 3, rng=np.random.default_rng(0))
    >>> bool(np.allclose(np.linalg.norm(B, axis=1), 1.0))
    True
    """
    Y = v.min_length("Y", v.shaped_array("Y", Y, ndim=2), 1)
    k = v.count("n_samples", n_samples)
    rng = v.generator("rng", rng)
    m = Y.shape[0]
    v.elements("n_samples * len(Y)", (k, max(m, Y.shape[1])))
    nb = m // 2 if n_boost is None else v.count("n_boost", n_boost, low=0)
    if nb > m:
        raise ValueError(f"n_boost must be <= {m}; got {nb}")
    boost = v.positive_real("boost", boost)
    C = rng.standard_normal((k, m))
    C[:, :nb] *= boost
    B = C @ Y
    nrm = np.linalg.norm(B, axis=1, keepdims=True)
    if not np.all(nrm > 0):
        raise ValueError("Y: a random combination of its rows is zero (Y must have non-zero, independent rows)")
    return B / nrm
