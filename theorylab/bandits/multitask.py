r"""Multitask linear bandits with a shared low-dimensional representation,
vectorised over repetitions and tasks.

Model (the linear special case of Lu, Zhao, Du & Huang, NeurIPS 2022, "Provable
General Function Class Representation Learning in Multitask Bandits and MDPs";
the setting of Hu, Chen, Jin, Li & Wang 2021): ``M`` tasks are played concurrently
for ``T`` rounds. In every round task ``i`` sees ``K`` arms with features
:math:`x_{i,a} \sim N(0, I_D/D)` and the reward of arm ``a`` is
:math:`y = \theta_i^\top B^\top x_{i,a} + \sigma\varepsilon`, with a shared
:math:`B \in \mathbb{R}^{D\times k}` (:math:`B^\top B = I_k`) and
:math:`\theta_i \in S^{k-1}`.

Learners (:func:`run_multitask`):

- ``"independent"``: LinUCB/OFUL per task in :math:`\mathbb{R}^D` (no sharing);
- ``"oracle"``: LinUCB per task on the known features :math:`B^\top x` (k-dim);
- ``"shared"``: a computable stand-in for GFUCB: every ``refit_every`` rounds the
  subspace :math:`\hat B` is the top-k left singular space of the stacked per-task
  ridge estimates; each task then runs LinUCB on :math:`\hat B^\top x` with an
  inflated width (see the function);
- ``"greedy"``: per-task ridge, no bonus (reported, never a pass baseline).

Used by the notebook ``bandits-rl/multitask-representation-gfucb``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ._common import MAX_REPS, MAX_T, as_streams, check_checkpoints, check_int
from .mab import RegretRun

__all__ = ["MultiTaskLinearBandit", "make_multitask", "run_multitask", "subspace_sin", "MT_METHODS"]

MT_METHODS = ("independent", "oracle", "shared", "greedy")


@dataclass(frozen=True)
class MultiTaskLinearBandit:
    """``R`` independent instances of an ``M``-task linear bandit with shared ``B``.

    Attributes
    ----------
    B : (R, D, k) orthonormal columns.
    thetas : (R, M, k) task heads.
    K : arms per round; sigma : reward noise s.d.

    Examples
    --------
    >>> B = np.eye(3)[None, :, :2]; th = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    >>> MultiTaskLinearBandit(B, th, K=4).W.tolist()
    [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]
    """

    B: np.ndarray
    thetas: np.ndarray
    K: int
    sigma: float = 0.1

    def __post_init__(self) -> None:
        B = V.array("B", self.B, ndim=3, nonempty=True)
        th = V.array("thetas", self.thetas, ndim=3, nonempty=True)
        if B.shape[0] != th.shape[0] or B.shape[2] != th.shape[2]:
            raise ValueError(f"B (R, D, k) and thetas (R, M, k) must agree; got {B.shape} and {th.shape}")
        if B.shape[2] > B.shape[1]:
            raise ValueError(f"B: representation dimension k={B.shape[2]} must be <= D={B.shape[1]}")
        gram = np.einsum("rdk,rdj->rkj", B, B)
        if not np.allclose(gram, np.eye(B.shape[2]), atol=1e-8):
            raise ValueError("B must have orthonormal columns (B^T B = I_k) in every instance")
        check_int("K", self.K, high=10**6)
        object.__setattr__(self, "sigma", V.real("sigma", self.sigma, low=0.0))
        object.__setattr__(self, "B", B)
        object.__setattr__(self, "thetas", th)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(R, M, D, k)."""
        R, D, k = self.B.shape
        return R, self.thetas.shape[1], D, k

    @property
    def W(self) -> np.ndarray:
        """(R, M, D) task parameters in feature space, ``B theta_i``."""
        return np.einsum("rdk,rmk->rmd", self.B, self.thetas)


def make_multitask(*, D: int, k: int, M: int, K: int, n_reps: int, sigma: float = 0.1,
                   rng: np.random.Generator) -> MultiTaskLinearBandit:
    """Draw ``n_reps`` instances: ``B`` Haar-orthonormal (QR of a Gaussian matrix),
    ``theta_i`` uniform on ``S^{k-1}``.

    Examples
    --------
    >>> env = make_multitask(D=6, k=2, M=4, K=3, n_reps=2, rng=np.random.default_rng(0))
    >>> env.shape
    (2, 4, 6, 2)
    """
    D, k, M, K = (check_int(n, v, high=10**6) for n, v in (("D", D), ("k", k), ("M", M), ("K", K)))
    R = check_int("n_reps", n_reps, high=MAX_REPS)
    if k > D:
        raise ValueError(f"k must be <= D; got k={k}, D={D}")
    V.elements("n_reps * D * k", (R, D, k))
    V.elements("n_reps * M * k", (R, M, k))
    sigma = V.real("sigma", sigma, low=0.0)
    V.rng(rng)
    Q, Rm = np.linalg.qr(rng.standard_normal((R, D, k)))
    Q = Q * np.sign(np.diagonal(Rm, axis1=1, axis2=2))[:, None, :]
    th = rng.standard_normal((R, M, k))
    th /= np.linalg.norm(th, axis=2, keepdims=True)
    return MultiTaskLinearBandit(B=Q, thetas=th, K=K, sigma=sigma)


def subspace_sin(Bhat: np.ndarray, B: np.ndarray) -> np.ndarray:
    r"""Largest principal-angle sine :math:`\lVert (I - BB^\top)\hat B\rVert_2` between
    column spaces; ``(..., D, k)`` orthonormal inputs -> ``(...)``. Invariant to
    rotations of either basis (``B`` is identified only up to rotation).

    Examples
    --------
    >>> Bhat = np.array([[np.cos(0.3)], [np.sin(0.3)]])
    >>> round(float(subspace_sin(Bhat, np.array([[1.0], [0.0]]))), 6), round(float(np.sin(0.3)), 6)
    (0.29552, 0.29552)
    """
    Bhat = V.array("Bhat", Bhat, nonempty=True)
    B = V.array("B", B, nonempty=True)
    if Bhat.ndim < 2 or B.ndim < 2 or Bhat.shape[-2] != B.shape[-2]:
        raise ValueError(f"Bhat and B must have shape (..., D, k) with the same D; got {Bhat.shape} and {B.shape}")
    try:
        np.broadcast_shapes(Bhat.shape[:-2], B.shape[:-2])
    except ValueError:
        raise ValueError(f"Bhat {Bhat.shape} and B {B.shape}: leading axes do not broadcast") from None
    P = Bhat - B @ (np.swapaxes(B, -1, -2) @ Bhat)
    return np.linalg.norm(P, ord=2, axis=(-2, -1))


def _beta(dim: int, t: int, T: int, sigma: float, lam: float) -> float:
    # OFUL width (Abbasi-Yadkori et al. 2011) with ||theta|| <= 1, features ||x|| ~ 1
    return sigma * np.sqrt(dim * np.log(1.0 + t / (lam * dim)) + 2.0 * np.log(T)) + np.sqrt(lam)


def run_multitask(
    env: MultiTaskLinearBandit,
    method: str,
    *,
    T: int,
    rng,
    lam: float = 1.0,
    refit_every: int = 10,
    checkpoints=None,
) -> RegretRun:
    r"""Play all ``M`` tasks of all ``R`` instances for ``T`` rounds with ``method``.

    LinUCB picks :math:`\arg\max_a \hat\theta^\top z_a + \beta_t\lVert z_a\rVert_{V^{-1}}`
    with :math:`V = \lambda I + \sum z z^\top` (Sherman--Morrison updates) and
    :math:`\beta_t = \sigma\sqrt{q\log(1 + t/(\lambda q)) + 2\log T} + \sqrt\lambda` in
    dimension ``q`` (``D`` for independent, ``k`` for oracle and shared).
    ``"shared"`` adds :math:`\sqrt{Dk/(Mt)}` to the width, a heuristic for the
    subspace-estimation error of :math:`\hat B` (which shrinks with the number of
    samples ``M t`` that inform it). This is *not* GFUCB's function-space confidence
    set, which is intractable; it is a computable variant in its spirit.

    ``rng``: a Generator or a sequence of ``R`` Generators (one per instance); the
    arm features and noise of instance ``r`` come only from its stream, so all
    methods see the same features and noise (common random numbers).

    Returns
    -------
    RegretRun with ``regret (R, m)`` the *per-task average* cumulative regret and,
    for ``"shared"``, ``extra["sin"] (R, m)`` the subspace error at the checkpoints.

    Examples
    --------
    >>> env = make_multitask(D=6, k=2, M=4, K=3, n_reps=2, rng=np.random.default_rng(0))
    >>> run = run_multitask(env, 'oracle', T=30, rng=np.random.default_rng(1))
    >>> run.regret.shape, bool((np.diff(run.regret, axis=1) >= 0).all())
    ((2, 22), True)
    """
    V.instance("env", env, MultiTaskLinearBandit, hint="build one with make_multitask(...)")
    V.choice("method", method, MT_METHODS)
    T = check_int("T", T, high=MAX_T)
    refit_every = check_int("refit_every", refit_every)
    lam = V.positive("lam", lam)
    R, M, D, k = env.shape
    V.elements("n_reps * M * D * D (per-task Gram matrices)", (R, M, D, D))
    V.elements("64 * n_reps * M * K * D (one block of arm features)", (min(T, 64), R, M * env.K * D + M))
    K, sigma = env.K, env.sigma
    streams, _ = as_streams(rng, R)
    cps = check_checkpoints(checkpoints, T)
    W = env.W  # (R, M, D)
    q = {"independent": D, "greedy": D, "oracle": k, "shared": k}[method]
    Vinv = np.broadcast_to(np.eye(q) / lam, (R, M, q, q)).copy()
    bq = np.zeros((R, M, q))
    if method == "shared":
        VD = np.broadcast_to(np.eye(D) * lam, (R, M, D, D)).copy()
        bD = np.zeros((R, M, D))
        Bhat = np.linalg.qr(np.broadcast_to(np.eye(D)[:, :k], (R, D, k)))[0]
        sins = np.empty((R, cps.size))
    reg = np.zeros(R)
    out = np.empty((R, cps.size))
    ri = np.arange(R)[:, None]
    mi = np.arange(M)[None, :]
    ci, t = 0, 0
    per = M * K * D + M
    while t < T:
        n = min(64, T - t)
        Z = np.empty((n, R, per))
        for r, g in enumerate(streams):
            Z[:, r, :] = g.standard_normal((n, per))
        for s in range(n):
            t += 1
            X = Z[s, :, : M * K * D].reshape(R, M, K, D) / np.sqrt(D)
            eps = Z[s, :, M * K * D:]
            mu = np.einsum("rmkd,rmd->rmk", X, W)
            if method == "shared":
                if (t - 1) % refit_every == 0 and t > 1:
                    thr = np.linalg.solve(VD, bD[..., None])[..., 0]  # (R, M, D)
                    # top-k left singular space of [theta_1 ... theta_M] = top-k eigenvectors of
                    # sum_i theta_i theta_i^T (eigh returns a full orthonormal basis even if M < k)
                    _, U = np.linalg.eigh(np.einsum("rmd,rme->rde", thr, thr))
                    Bhat = U[:, :, ::-1][:, :, :k]
                Zf = np.einsum("rmkd,rdj->rmkj", X, Bhat)
                Bt = np.swapaxes(Bhat, 1, 2)[:, None]  # (R, 1, k, D)
                Vk = Bt @ VD @ Bhat[:, None]  # (R, M, k, k) = Bhat^T V_i Bhat
                Vinv = np.linalg.inv(Vk)
                bq = np.einsum("rdj,rmd->rmj", Bhat, bD)
            elif method == "oracle":
                Zf = np.einsum("rmkd,rdj->rmkj", X, env.B)
            else:
                Zf = X
            th = np.einsum("rmij,rmj->rmi", Vinv, bq)
            est = np.einsum("rmkj,rmj->rmk", Zf, th)
            if method != "greedy":
                w = np.sqrt(np.maximum(((Zf @ Vinv) * Zf).sum(axis=3), 0.0))
                beta = _beta(q, t, T, sigma, lam)
                est = est + beta * w
                if method == "shared":
                    # optimism outside span(Bhat): the projection of w_i = B theta_i on the
                    # complement is O(sqrt(D k / (M t))) (heuristic subspace-error rate)
                    perp = X - np.einsum("rmkj,rdj->rmkd", Zf, Bhat)
                    est = est + np.sqrt(D * k / (M * t)) * np.linalg.norm(perp, axis=3)
            a = est.argmax(axis=2)  # (R, M)
            mua = mu[ri, mi, a]
            y = mua + sigma * eps
            reg += (mu.max(axis=2) - mua).mean(axis=1)
            if method == "shared":
                x = X[ri, mi, a]  # (R, M, D)
                VD += x[..., :, None] * x[..., None, :]
                bD += y[..., None] * x
            else:
                z = Zf[ri, mi, a]  # (R, M, q)
                u = np.einsum("rmij,rmj->rmi", Vinv, z)
                Vinv -= u[..., :, None] * u[..., None, :] / (1.0 + np.einsum("rmi,rmi->rm", z, u))[..., None, None]
                bq += y[..., None] * z
            if t == cps[ci]:
                out[:, ci] = reg
                if method == "shared":
                    sins[:, ci] = subspace_sin(Bhat, env.B)
                ci += 1
    extra = {"sin": sins} if method == "shared" else {}
    return RegretRun(t=cps, regret=out, extra=extra)
