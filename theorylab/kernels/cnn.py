r"""Hierarchical (tree) convolutional kernels: NNGP / NTK of deep CNNs with
non-overlapping patches, their spectra on the torus, and a finite tree CNN with
hand-written gradients for the empirical NTK.

Used by ``notebooks/kernels/deep-cnn-kernel-hierarchy.md`` (Favero, Cagnetta & Wyart,
*What can be learnt with wide convolutional neural networks?*, arXiv:2208.01003,
ICML 2023). The recursion is the one of the authors' ``dcntk`` / ``dcrfk``
(``alesfav/convolutional_neural_kernels``), rewritten in vectorised numpy.

Architecture
------------
Filter sizes :math:`(s_1, \dots, s_L)`; input dimension :math:`d` a multiple of
:math:`\prod_l s_l`. The input is cut into :math:`P = d/s_1` contiguous patches of size
:math:`s_1` (normalised to the unit sphere); level :math:`l\ge2` joins :math:`s_l`
consecutive nodes; the :math:`T = d/\prod_l s_l` top nodes are averaged. With patch
cosines :math:`c` and the arc-cosine functions
:math:`k_0(t) = (\pi-\arccos t)/\pi`, :math:`k_1(t) = (\sqrt{1-t^2} + (\pi-\arccos t)t)/\pi`:

.. math::

    \Theta \leftarrow c;\quad\text{for each level:}\quad
    \Sigma \leftarrow \operatorname{mean}_{\text{children}} k_1(c),\quad
    \Theta \leftarrow \operatorname{mean}_{\text{children}} k_0(c)\,\Theta + \Sigma,\quad
    c \leftarrow \Sigma,

where the "children" of the last level are the :math:`T` top nodes. The final
:math:`\Sigma` is the NNGP (the paper's RFK) and :math:`\Theta` the NTK.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .. import _validate as V

__all__ = [
    "k0",
    "k1",
    "check_filter_sizes",
    "patch_cosines",
    "tree_kernels_from_cosines",
    "tree_kernels",
    "torus_cosines",
    "torus_spectrum",
    "tree_cnn_init",
    "tree_cnn_forward",
    "tree_cnn_empirical_ntk",
]


def _cosines(name: str, t) -> np.ndarray:
    """Cosines in [-1, 1], allowing round-off of 1e-9 outside (then clipped)."""
    return np.clip(V.array(name, t, low=-1.0 - 1e-9, high=1.0 + 1e-9), -1.0, 1.0)


def k0(t) -> np.ndarray:
    r"""Arc-cosine kernel of order 0, :math:`(\pi - \arccos t)/\pi`, for cosines ``t`` in
    [-1, 1] (round-off up to 1e-9 outside is clipped). Any shape -> same shape.

    Examples
    --------
    >>> k0([-1.0, 0.0, 1.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    return _k0(_cosines("t", t))


def _k0(t: np.ndarray) -> np.ndarray:
    return (np.pi - np.arccos(np.clip(t, -1.0, 1.0))) / np.pi


def k1(t) -> np.ndarray:
    r"""Arc-cosine kernel of order 1, :math:`(\sqrt{1-t^2} + (\pi-\arccos t)\,t)/\pi`, for
    cosines in [-1, 1] (as :func:`k0`).

    Examples
    --------
    >>> k1([-1.0, 1.0]).tolist()
    [0.0, 1.0]
    """
    return _k1(_cosines("t", t))


def _k1(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, -1.0, 1.0)
    return (np.sqrt(1.0 - t * t) + (np.pi - np.arccos(t)) * t) / np.pi


def check_filter_sizes(filter_sizes: Sequence[int], dim: int | None = None) -> tuple[int, ...]:
    """Validate filter sizes (depth >= 1, sizes >= 1) and that they divide ``dim``.

    Returns the sizes as a tuple of ints. Raises ``ValueError`` naming the argument.

    Examples
    --------
    >>> check_filter_sizes([2, 2], 8)
    (2, 2)
    """
    if isinstance(filter_sizes, (list, tuple)) and len(filter_sizes) == 0:
        raise ValueError("filter_sizes must have at least one entry (depth >= 1)")
    fs = V.int_sequence("filter_sizes", filter_sizes, low=1, high=10**6, min_length=1)
    if len(fs) > 64:
        raise ValueError(f"filter_sizes: at most 64 levels; got {len(fs)}")
    if dim is not None:
        dim = V.count("dim", dim)
        prod = math.prod(fs)
        if dim % prod != 0:
            raise ValueError(
                f"the product of filter_sizes ({prod}) must divide the input dimension dim = {dim}; "
                f"got filter_sizes={list(fs)}"
            )
    return fs


def _inputs(name: str, X) -> np.ndarray:
    A = V.array(name, X, ndim=2)
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (n, dim); got shape {A.shape}")
    return A


def patch_cosines(X, X2=None, *, patch_size: int) -> np.ndarray:
    r"""Cosines between corresponding patches: :math:`c_p(x, z) = \hat x_p\cdot\hat z_p`.

    Parameters
    ----------
    X : (n, d); X2 : (m, d) (default ``X``); patch_size : :math:`s_1`, dividing d.

    Returns
    -------
    (P, n, m) with :math:`P = d/s_1`; patches are normalised to unit norm first.

    Examples
    --------
    >>> patch_cosines([[1.0, 0.0, 0.0, 2.0]], [[1.0, 1.0, 0.0, 1.0]], patch_size=2).round(4).tolist()
    [[[0.7071]], [[1.0]]]
    """
    A = _inputs("X", X)
    B = A if X2 is None else _inputs("X2", X2)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X and X2 must have the same dim; got {A.shape[1]} and {B.shape[1]}")
    V.elements("X.shape[0] * X2.shape[0] * dim", (A.shape[0], B.shape[0], A.shape[1]))
    s = V.count("patch_size", patch_size)
    if A.shape[1] % s:
        raise ValueError(f"patch_size ({patch_size}) must divide the input dimension ({A.shape[1]})")
    Pa = A.reshape(A.shape[0], -1, s)
    Pb = B.reshape(B.shape[0], -1, s)
    na, nb = np.linalg.norm(Pa, axis=-1), np.linalg.norm(Pb, axis=-1)
    if np.any(na == 0):
        raise ValueError("X: every patch must have non-zero norm (patches are normalised)")
    if np.any(nb == 0):
        raise ValueError("X2: every patch must have non-zero norm (patches are normalised)")
    Pa, Pb = Pa / na[..., None], Pb / nb[..., None]
    return np.einsum("nps,mps->pnm", Pa, Pb)


def tree_kernels_from_cosines(C, filter_sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    r"""Tree-CNN NNGP and NTK from first-level patch cosines.

    Parameters
    ----------
    C : (P, ...) patch cosines; any trailing shape (sample pairs, torus grid, ...).
    filter_sizes : :math:`(s_1, \dots, s_L)`; :math:`P` must be a multiple of
        :math:`s_2\cdots s_L` (the quotient is the number :math:`T` of top nodes).

    Returns
    -------
    (nngp, ntk), each of shape ``C.shape[1:]``. Vectorised: one reshape and one mean
    per level (the authors' ``dcrfk`` / ``dcntk``).

    Examples
    --------
    >>> nngp, ntk = tree_kernels_from_cosines(np.ones((4, 1)), (2, 2))
    >>> nngp.tolist(), ntk.tolist()
    ([1.0], [3.0])
    """
    fs = check_filter_sizes(filter_sizes)
    c = _cosines("C", C)
    if c.ndim < 1 or c.shape[0] < 1:
        raise ValueError(f"C must have shape (P, ...) with P >= 1 patches; got {c.shape}")
    P = c.shape[0]
    inner = math.prod(fs[1:])
    if P % inner:
        raise ValueError(f"C: the number of patches ({P}) must be a multiple of prod(filter_sizes[1:]) = {inner}")
    groups = list(fs[1:]) + [P // inner]
    rest = c.shape[1:]
    ntk = c
    for g in groups:
        c_ = c.reshape((-1, g) + rest)
        rfk = _k1(c_).mean(axis=1)
        ntk = (_k0(c_) * ntk.reshape((-1, g) + rest)).mean(axis=1) + rfk
        c = rfk
    return c[0], ntk[0]


def tree_kernels(X, X2=None, *, filter_sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    r"""NNGP (RFK) and NTK Gram matrices of the tree CNN: (n, d), (m, d) -> (n, m), (n, m).

    For unit-norm patches the diagonal is :math:`\Sigma(x, x) = 1` and
    :math:`\Theta(x, x) = L + 1` (since :math:`k_0(1) = k_1(1) = 1`).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 0.0, 1.0]])
    >>> [k.tolist() for k in tree_kernels(X, filter_sizes=(2, 2))]
    [[[1.0]], [[3.0]]]
    """
    A = _inputs("X", X)
    fs = check_filter_sizes(filter_sizes, A.shape[1])
    return tree_kernels_from_cosines(patch_cosines(A, X2, patch_size=fs[0]), fs)


# --------------------------------------------------------------------------- #
# the torus version (patches on S^1) and its exact spectrum
# --------------------------------------------------------------------------- #
def torus_cosines(n_patches: int, grid: int) -> np.ndarray:
    r"""Patch cosines :math:`\cos(2\pi j_p/G)` on the grid :math:`\{0..G-1\}^P`: (P, G, ..., G).

    With :math:`s_1 = 2`, each patch is an angle and the kernel depends only on the angle
    differences, so it is translation invariant on the torus :math:`T^P`.

    Examples
    --------
    >>> torus_cosines(1, 4).round(6).tolist()
    [[1.0, 0.0, -1.0, -0.0]]
    """
    P = V.count("n_patches", n_patches, high=64)
    G = V.count("grid", grid, low=2)
    V.elements("n_patches * grid ** n_patches", P * G**P)
    cos1 = np.cos(2 * np.pi * np.arange(G) / G)
    out = np.empty((P,) + (G,) * P)
    for p in range(P):
        shape = [1] * P
        shape[p] = G
        out[p] = np.broadcast_to(cos1.reshape(shape), (G,) * P)
    return out


def torus_spectrum(filter_sizes: Sequence[int], n_patches: int, grid: int, *, kind: str = "ntk") -> np.ndarray:
    r"""Mercer eigenvalues of the tree kernel with :math:`s_1 = 2` for uniform patch angles.

    The eigenfunctions are the Fourier modes :math:`e^{i k\cdot\theta}`,
    :math:`k\in\mathbb Z^P`, and the eigenvalue of mode :math:`k` is the Fourier
    coefficient :math:`\lambda_k = \int K(\varphi) e^{-ik\cdot\varphi} d\varphi/(2\pi)^P`,
    computed exactly up to aliasing by an FFT of the kernel on a :math:`G^P` grid.

    Returns
    -------
    (G, ..., G) real array indexed by :math:`k \bmod G` (FFT order).

    Examples
    --------
    >>> torus_spectrum((2, 2), 2, 4, kind="nngp").shape
    (4, 4)
    """
    fs = check_filter_sizes(filter_sizes)
    if fs[0] != 2:
        raise ValueError(f"the torus spectrum needs patches on S^1, filter_sizes[0] = 2; got {fs[0]}")
    V.choice("kind", kind, ("ntk", "nngp"))
    nngp, ntk = tree_kernels_from_cosines(torus_cosines(n_patches, grid), fs)
    K = ntk if kind == "ntk" else nngp
    return np.fft.fftn(K).real / K.size


# --------------------------------------------------------------------------- #
# a finite tree CNN with hand-written gradients
# --------------------------------------------------------------------------- #
def tree_cnn_init(filter_sizes: Sequence[int], width: int, *, n_top: int = 1, n_nets: int = 1,
                  rng: np.random.Generator) -> dict[str, np.ndarray]:
    r"""Standard-normal weights of ``n_nets`` independent tree CNNs (NTK parameterisation).

    Parameters
    ----------
    filter_sizes : :math:`(s_1,\dots,s_L)`; width : channels :math:`H` per node;
    n_top : number :math:`T` of top nodes (each has its own readout vector).

    Returns
    -------
    dict with ``W1`` (R, H, s1), ``W2``.. ``WL`` (R, s_l, H, H) -- one matrix per filter
    position, shared across nodes (convolution) -- and ``v`` (R, T, H).

    Examples
    --------
    >>> params = tree_cnn_init((2, 2), 3, rng=np.random.default_rng(0))
    >>> {k: v.shape for k, v in params.items()}
    {'W1': (1, 3, 2), 'W2': (1, 2, 3, 3), 'v': (1, 1, 3)}
    """
    V.rng(rng)
    fs = check_filter_sizes(filter_sizes)
    H = V.count("width", width)
    R = V.count("n_nets", n_nets)
    T = V.count("n_top", n_top)
    V.elements("n_nets * width * width * filter size", (R, max(fs), H, H))
    V.elements("n_nets * n_top * width", (R, T, H))
    params = {"W1": rng.standard_normal((R, H, fs[0]))}
    for level, s in enumerate(fs[1:], start=2):
        params[f"W{level}"] = rng.standard_normal((R, s, H, H))
    params["v"] = rng.standard_normal((R, T, H))
    return params


def _check_params(params, fs: tuple[int, ...], T: int) -> None:
    """``params`` as returned by :func:`tree_cnn_init` for these filter sizes and top nodes."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be the dict returned by tree_cnn_init; got {type(params).__name__}")
    need = ["W1"] + [f"W{level}" for level in range(2, len(fs) + 1)] + ["v"]
    missing = [k for k in need if k not in params]
    if missing:
        raise ValueError(f"params is missing {missing} for filter_sizes={list(fs)} (use tree_cnn_init)")
    W1 = V.array("params['W1']", params["W1"], ndim=3)
    R, H = W1.shape[:2]
    if W1.shape[2] != fs[0]:
        raise ValueError(f"params['W1'] must have shape (R, H, {fs[0]}); got {W1.shape}")
    for level, s in enumerate(fs[1:], start=2):
        V.array(f"params['W{level}']", params[f"W{level}"], shape=(R, s, H, H))
    v = V.array("params['v']", params["v"], ndim=3)
    if v.shape[1] != T:
        raise ValueError(f"params['v'] has {v.shape[1]} top nodes; the input has {T}")
    V.array("params['v']", v, shape=(R, T, H))


def _forward(params, X, fs):
    R, H = params["W1"].shape[:2]
    n = X.shape[0]
    Xp = X.reshape(n, -1, fs[0])
    Xp = Xp / np.linalg.norm(Xp, axis=-1, keepdims=True)
    zs, acts = [], []
    z = np.einsum("rhs,nps->rnph", params["W1"], Xp)  # (R, n, P, H)
    zs.append(z)
    a = math.sqrt(2.0) * np.maximum(z, 0.0)
    acts.append(a)
    for level, s in enumerate(fs[1:], start=2):
        G = a.shape[2] // s
        ac = a.reshape(R, n, G, s, H)
        z = np.einsum("rkoh,rngkh->rngo", params[f"W{level}"], ac) / math.sqrt(s * H)
        zs.append(z)
        a = math.sqrt(2.0) * np.maximum(z, 0.0)
        acts.append(a)
    T = a.shape[2]
    f = np.einsum("rth,rnth->rn", params["v"], a) / math.sqrt(T * H)
    return Xp, zs, acts, f


def tree_cnn_forward(params: dict[str, np.ndarray], X, *, filter_sizes: Sequence[int]) -> np.ndarray:
    r"""Outputs :math:`f(x)` of the ``n_nets`` networks: (n, d) -> (R, n).

    :math:`z^{(1)}_p = W_1\hat x_p`; :math:`a = \sqrt2\,\mathrm{relu}(z)`;
    :math:`z^{(l)}_g = \sum_k W_l^{(k)} a^{(l-1)}_{\mathrm{child}_k(g)}/\sqrt{s_l H}`;
    :math:`f = \sum_t v_t\cdot a^{(L)}_t/\sqrt{T H}`. At infinite width its covariance is
    :func:`tree_kernels`' NNGP and its NTK the tree NTK.

    Examples
    --------
    >>> params = tree_cnn_init((2, 2), 8, n_nets=3, rng=np.random.default_rng(0))
    >>> tree_cnn_forward(params, np.ones((5, 4)), filter_sizes=(2, 2)).shape
    (3, 5)
    """
    A = _inputs("X", X)
    fs = check_filter_sizes(filter_sizes, A.shape[1])
    T = A.shape[1] // math.prod(fs)
    _check_params(params, fs, T)
    _nonzero_patches(A, fs[0])
    return _forward(params, A, fs)[3]


def _nonzero_patches(A: np.ndarray, s: int) -> None:
    if np.any(np.linalg.norm(A.reshape(A.shape[0], -1, s), axis=-1) == 0):
        raise ValueError("X: every patch must have non-zero norm (patches are normalised)")


def tree_cnn_empirical_ntk(params: dict[str, np.ndarray], X, *, filter_sizes: Sequence[int]) -> np.ndarray:
    r"""Empirical NTK :math:`\sum_\theta \partial_\theta f(x)\,\partial_\theta f(x')` of each
    network, by hand-written backpropagation: (n, d) -> (R, n, n).

    Per-sample gradients are never formed: with backward signals :math:`\delta_g = \partial
    f/\partial z_g` the contribution of a shared filter is
    :math:`\sum_k\sum_{g,g'}(\delta_g(x)\cdot\delta_{g'}(x'))(a_{c_k g}(x)\cdot a_{c_k g'}(x'))/(s H)`.
    Checked against finite differences and against :func:`tree_kernels` (width -> inf)
    in ``tests/test_kernels_cnn.py``.

    Examples
    --------
    >>> params = tree_cnn_init((2, 2), 8, n_nets=3, rng=np.random.default_rng(0))
    >>> tree_cnn_empirical_ntk(params, np.ones((5, 4)), filter_sizes=(2, 2)).shape
    (3, 5, 5)
    """
    A = _inputs("X", X)
    fs = check_filter_sizes(filter_sizes, A.shape[1])
    _check_params(params, fs, A.shape[1] // math.prod(fs))
    _nonzero_patches(A, fs[0])
    R, n = np.asarray(params["W1"]).shape[0], A.shape[0]
    V.elements("n_nets * n * n * (nodes per level)**2", (R, n, n, (A.shape[1] // fs[0]) ** 2))
    Xp, zs, acts, _ = _forward(params, A, fs)
    R, n = acts[-1].shape[:2]
    H = params["W1"].shape[1]
    T = acts[-1].shape[2]
    v = params["v"]
    # readout
    theta = np.einsum("rnth,rmth->rnm", acts[-1], acts[-1]) / (T * H)
    # delta at the top pre-activation
    delta = math.sqrt(2.0) * (zs[-1] > 0) * v[:, None, :, :] / math.sqrt(T * H)  # (R, n, T, H)
    for level in range(len(fs), 1, -1):
        s = fs[level - 1]
        a_prev = acts[level - 2]  # (R, n, G*s, H)
        G = delta.shape[2]
        ac = a_prev.reshape(R, n, G, s, H)
        dd = np.einsum("rngh,rmqh->rnmgq", delta, delta)  # delta_g(x) . delta_q(x')
        aa = np.einsum("rngkh,rmqkh->rnmgq", ac, ac)  # sum over filter slots k
        theta += (dd * aa).sum(axis=(-1, -2)) / (s * H)
        # back to the previous level: da_{child_k(g)} = W^(k)T delta_g / sqrt(sH)
        da = np.einsum("rkoh,rngo->rngkh", params[f"W{level}"], delta) / math.sqrt(s * H)
        delta = math.sqrt(2.0) * (zs[level - 2] > 0) * da.reshape(R, n, G * s, H)
    dd = np.einsum("rnph,rmqh->rnmpq", delta, delta)
    xx = np.einsum("nps,mqs->nmpq", Xp, Xp)
    theta += np.einsum("rnmpq,nmpq->rnm", dd, xx)
    return theta
