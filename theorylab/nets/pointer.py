r"""Additive pointer attention (Vinyals, Fortunato & Jaitly 2015, "Pointer Networks", Eq. 3)
with masking and hand-written backpropagation, plus the planar convex-hull task it is
demonstrated on: a vectorised gift-wrapping hull, teacher-forced training batches, greedy
masked decoding and the validity / coverage metrics of the paper's Table 1.

**The pointer.** For one decoder step with query :math:`d` (decoder state) and keys
:math:`e_1, \dots, e_n` (one per input element),

.. math:: u_j = v^\top \tanh(W_1 e_j + W_2 d + b), \qquad
          p(C = j \mid d, e) = \operatorname{softmax}_{j \in \mathcal A}(u_j),

where :math:`\mathcal A` is the set of allowed positions (the mask). The output
"dictionary" is the set of input positions, so its size is the input length ``n``
whatever the parameters. The paper writes :math:`u^i_j = v^\top\tanh(W_1 e_j + W_2 d_i)`;
the bias :math:`b` is our addition (it is equivalent to a constant input feature).

**Shapes.** A batch of ``N`` decisions: ``keys`` (N, n, F), ``query`` (N, Q), ``mask``
(N, n) boolean (``True`` = may be pointed at), ``target`` (N,) integer positions,
``weight`` (N,) non-negative decision weights (0 for padding). The parameters are one
flat vector ``theta`` of length ``H F + H Q + 2 H`` laid out as
:math:`[\operatorname{vec} W_1, \operatorname{vec} W_2, b, v]` (row-major), so they feed
:func:`theorylab.optim.adam_step` and :mod:`theorylab.numdiff` directly.

**Loss and gradient.** :meth:`PointerNet.loss_and_grad` returns the weighted mean
negative log-likelihood :math:`L = \sum_k w_k(-\log p_k(t_k)) / \sum_k w_k` and its exact
gradient: with :math:`g_{kj} = w_k(p_{kj} - [j = t_k])/\sum w` and
:math:`\delta_{kjh} = g_{kj} v_h (1 - a_{kjh}^2)`, :math:`a = \tanh(\cdot)`,

.. math:: \partial_v L = \sum_{kj} g_{kj} a_{kj}, \quad
          \partial_{W_1} L = \sum_{kj} \delta_{kj} e_{kj}^\top, \quad
          \partial_{W_2} L = \sum_{k} (\textstyle\sum_j \delta_{kj}) d_k^\top, \quad
          \partial_b L = \sum_{kj}\delta_{kj}.

The forward pass is complex-step safe (the log-sum-exp shift uses the real part only).

**Convex hulls.** :func:`convex_hull_ccw` (gift wrapping, vectorised over a batch of
point sets) gives the hull in counter-clockwise order from the leftmost point;
:func:`hull_features` builds the content-based keys of our simplified Ptr-Net (relative
position, normalised relative direction and distance of every point to the current
output point; query = last edge direction and a first-step flag);
:func:`hull_teacher_forcing` turns hulls into decisions; :func:`hull_decode` decodes
greedily with a visited mask; :func:`polygon_valid`, :func:`polygon_area` and
:func:`hull_metrics` score outputs as in the paper's Table 1 (exact-sequence accuracy, area
coverage on valid outputs). The paper's encoder and decoder are LSTMs; ours re-encodes
each point relative to the current output point, which makes the pointer distribution
permutation-equivariant (an inductive-bias choice, stated in the notebook).

Used by ``mechanisms/pointer-networks``.

Examples
--------
>>> import numpy as np
>>> from theorylab.nets.pointer import PointerNet
>>> net = PointerNet(n_features=3, n_query=2, hidden=4)
>>> theta = net.init(rng=np.random.default_rng(0))
>>> rng = np.random.default_rng(1)
>>> keys, query = rng.normal(size=(2, 7, 3)), rng.normal(size=(2, 2))
>>> p = net.probs(theta, keys, query)
>>> p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
((2, 7), True)
>>> mask = np.ones((2, 7), bool); mask[:, 0] = False
>>> float(net.probs(theta, keys, query, mask)[:, 0].max())
0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V

__all__ = [
    "PointerNet",
    "convex_hull_ccw",
    "hull_decode",
    "hull_features",
    "hull_metrics",
    "hull_teacher_forcing",
    "polygon_area",
    "polygon_valid",
    "train_hull",
    "HULL_FEATURES",
    "HULL_QUERY",
]

_NEG = -1e30        # score of a masked position (exp underflows to exactly 0)
HULL_FEATURES = 5   # keys of hull_features: r_x, r_y, u_x, u_y, |r|
HULL_QUERY = 3      # query of hull_features: g_x, g_y, first-step flag


def _bool_array(name: str, a, shape: tuple) -> np.ndarray:
    m = np.asarray(a)
    if m.dtype != bool:
        raise TypeError(f"{name} must be a boolean array; got dtype {m.dtype}")
    if m.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {m.shape}")
    return m


@dataclass(frozen=True)
class PointerNet:
    r"""Architecture of an additive pointer: keys of size ``n_features``, queries of size
    ``n_query``, ``hidden`` tanh units. Parameters live in a flat vector ``theta``
    (see the module docstring for the layout and the gradient).

    Parameters
    ----------
    n_features, n_query, hidden : positive ints ``F``, ``Q``, ``H``.

    Examples
    --------
    >>> import numpy as np
    >>> net = PointerNet(n_features=5, n_query=3, hidden=8)
    >>> net.n_params                     # 8*5 + 8*3 + 8 + 8
    80
    >>> theta = net.init(rng=np.random.default_rng(0))
    >>> [a.shape for a in net.unpack(theta)]
    [(8, 5), (8, 3), (8,), (8,)]
    """

    n_features: int
    n_query: int
    hidden: int

    def __post_init__(self) -> None:
        for name in ("n_features", "n_query", "hidden"):
            object.__setattr__(self, name, V.positive_int(name, getattr(self, name)))

    # ------------------------------------------------------------ layout --
    @property
    def n_params(self) -> int:
        """Length of ``theta``: ``H F + H Q + 2 H``."""
        H = self.hidden
        return H * self.n_features + H * self.n_query + 2 * H

    def unpack(self, theta) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``theta`` (P,) -> ``(W1 (H, F), W2 (H, Q), b (H,), v (H,))`` (views)."""
        th = V.real_array("theta", theta, ndim=1, last=self.n_params, allow_complex=True)
        H, F, Q = self.hidden, self.n_features, self.n_query
        o1, o2 = H * F, H * F + H * Q
        return th[:o1].reshape(H, F), th[o1:o2].reshape(H, Q), th[o2:o2 + H], th[o2 + H:]

    def pack(self, W1, W2, b, v) -> np.ndarray:
        """Inverse of :meth:`unpack`."""
        H, F, Q = self.hidden, self.n_features, self.n_query
        parts = []
        for name, a, shp in (("W1", W1, (H, F)), ("W2", W2, (H, Q)), ("b", b, (H,)), ("v", v, (H,))):
            arr = V.real_array(name, a, allow_complex=True)
            if arr.shape != shp:
                raise ValueError(f"{name} must have shape {shp}; got {arr.shape}")
            parts.append(arr.ravel())
        return np.concatenate(parts)

    def init(self, *, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        r"""Random ``theta``: :math:`W_1 \sim N(0, \text{scale}^2/F)`, :math:`W_2 \sim
        N(0, \text{scale}^2/Q)`, :math:`b = 0`, :math:`v \sim N(0, 1/H)`."""
        V.generator("rng", rng)
        s = V.positive_real("scale", scale)
        H, F, Q = self.hidden, self.n_features, self.n_query
        W1 = rng.normal(0.0, s / np.sqrt(F), size=(H, F))
        W2 = rng.normal(0.0, s / np.sqrt(Q), size=(H, Q))
        v = rng.normal(0.0, 1.0 / np.sqrt(H), size=H)
        return self.pack(W1, W2, np.zeros(H), v)

    # --------------------------------------------------------- validation --
    def _inputs(self, keys, query, mask):
        K = V.real_array("keys", keys, ndim=3, last=self.n_features, allow_complex=True)
        Qy = V.real_array("query", query, ndim=2, last=self.n_query, allow_complex=True)
        if Qy.shape[0] != K.shape[0]:
            raise ValueError(f"query must have {K.shape[0]} rows (one per decision of keys); "
                             f"got {Qy.shape[0]}")
        if mask is None:
            M = np.ones(K.shape[:2], bool)
        else:
            M = _bool_array("mask", mask, K.shape[:2])
        if not np.all(M.any(axis=1)):
            raise ValueError("mask must allow at least one position in every decision")
        return K, Qy, M

    # ------------------------------------------------------------ forward --
    def _forward(self, theta, K, Qy, M):
        W1, W2, b, v = self.unpack(theta)
        A = np.tanh(K @ W1.T + (Qy @ W2.T + b)[:, None, :])       # (N, n, H)
        u = A @ v                                                   # (N, n)
        u = np.where(M, u, _NEG)
        shift = np.max(u.real, axis=1, keepdims=True)
        ex = np.where(M, np.exp(u - shift), 0.0)
        lse = np.log(ex.sum(axis=1, keepdims=True)) + shift
        logp = np.where(M, u - lse, _NEG)
        return A, logp

    def scores(self, theta, keys, query, mask=None) -> np.ndarray:
        r"""Raw scores :math:`u_{kj}` (N, n); masked positions get ``-1e30``."""
        K, Qy, M = self._inputs(keys, query, mask)
        W1, W2, b, v = self.unpack(theta)
        u = np.tanh(K @ W1.T + (Qy @ W2.T + b)[:, None, :]) @ v
        return np.where(M, u, _NEG)

    def log_probs(self, theta, keys, query, mask=None) -> np.ndarray:
        r"""Masked log-softmax :math:`\log p_{kj}` (N, n); masked positions get ``-1e30``."""
        K, Qy, M = self._inputs(keys, query, mask)
        return self._forward(theta, K, Qy, M)[1]

    def probs(self, theta, keys, query, mask=None) -> np.ndarray:
        r"""Pointer distributions :math:`p_{kj}` (N, n): non-negative, exactly 0 where masked,
        rows summing to 1."""
        lp = self.log_probs(theta, keys, query, mask)
        M = np.ones(lp.shape, bool) if mask is None else np.asarray(mask)
        return np.where(M, np.exp(lp), 0.0)

    # ----------------------------------------------------------- training --
    def _targets(self, target, weight, M):
        N = M.shape[0]
        t = np.asarray(target)
        if not np.issubdtype(t.dtype, np.integer) or t.shape != (N,):
            raise ValueError(f"target must be an integer array of shape ({N},); got {t.dtype} {t.shape}")
        if np.any((t < 0) | (t >= M.shape[1])):
            raise ValueError(f"target entries must lie in [0, {M.shape[1]})")
        w = np.ones(N) if weight is None else V.real_array("weight", weight, ndim=1)
        if w.shape != (N,) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weight must be ({N},), non-negative, with a positive sum")
        if not np.all(M[np.arange(N), t] | (w == 0)):
            raise ValueError("every target with positive weight must be an allowed (mask=True) position")
        return t, w

    def loss(self, theta, keys, query, mask, target, weight=None):
        r"""Weighted mean negative log-likelihood of ``target`` (complex-step safe)."""
        K, Qy, M = self._inputs(keys, query, mask)
        t, w = self._targets(target, weight, M)
        _, logp = self._forward(theta, K, Qy, M)
        nll = -logp[np.arange(M.shape[0]), t]
        return np.sum(w * np.where(w > 0, nll, 0.0)) / w.sum()

    def loss_and_grad(self, theta, keys, query, mask, target, weight=None) -> tuple[float, np.ndarray]:
        r"""Weighted mean NLL and its gradient (P,) by hand-written backpropagation
        (formulas in the module docstring)."""
        K, Qy, M = self._inputs(keys, query, mask)
        t, w = self._targets(target, weight, M)
        A, logp = self._forward(theta, K, Qy, M)
        N = M.shape[0]
        W = w.sum()
        rows = np.arange(N)
        nll = -logp[rows, t]
        L = float(np.sum(w * np.where(w > 0, nll, 0.0)) / W)
        p = np.where(M, np.exp(logp), 0.0)
        g = p
        g[rows, t] -= 1.0
        g *= (w / W)[:, None]                                   # dL/du (N, n)
        _, _, _, v = self.unpack(theta)
        H = self.hidden
        dv = g.reshape(-1) @ A.reshape(-1, H)
        A *= A
        np.subtract(1.0, A, out=A)
        A *= g[:, :, None] * v                                   # dL/dpre (N, n, H), in place
        delta = A
        dW1 = delta.reshape(-1, H).T @ K.reshape(-1, self.n_features)
        dsum = delta.sum(axis=1)                                # (N, H)
        dW2 = dsum.T @ Qy
        db = dsum.sum(axis=0)
        return L, self.pack(dW1, dW2, db, dv)


# --------------------------------------------------------------------------- hulls
def _points(points, name: str = "points") -> np.ndarray:
    P = V.real_array(name, points, ndim=3, last=2)
    if P.shape[1] < 3:
        raise ValueError(f"{name} must hold at least 3 points per set; got shape {P.shape}")
    return P


def convex_hull_ccw(points) -> tuple[np.ndarray, np.ndarray]:
    r"""Convex hulls of a batch of planar point sets by gift wrapping (Jarvis march),
    vectorised over the batch.

    Each hull starts at the leftmost point (smallest :math:`x`, ties by smallest
    :math:`y`) and runs counter-clockwise: from the current vertex with incoming direction
    :math:`g` (initially :math:`(0, -1)`), the next vertex minimises the counter-clockwise
    angle from :math:`g` to :math:`p_j - c` (ties: the farthest point). Collinear points on
    an edge are not vertices. Points in general position are assumed (no duplicates).

    Parameters
    ----------
    points : (B, n, 2) array, n >= 3.

    Returns
    -------
    hull : (B, n) int array, the vertex indices of each hull followed by ``-1`` padding.
    length : (B,) int array, the number of vertices.

    Examples
    --------
    >>> import numpy as np
    >>> sq = np.array([[[1, 1], [0, 0], [1, 0], [0.5, 0.5], [0, 1]]], float)
    >>> h, m = convex_hull_ccw(sq)
    >>> h[0, :m[0]].tolist()             # leftmost-lowest (0,0), then (1,0), (1,1), (0,1)
    [1, 2, 0, 4]
    """
    P = _points(points)
    B, n, _ = P.shape
    rows = np.arange(B)
    start = np.lexsort((P[:, :, 1], P[:, :, 0]), axis=1)[:, 0]
    hull = np.full((B, n), -1, dtype=int)
    length = np.zeros(B, dtype=int)
    cur = start.copy()
    g = np.tile([0.0, -1.0], (B, 1))
    active = np.ones(B, bool)
    two_pi = 2 * np.pi
    for step in range(n):
        hull[rows[active], step] = cur[active]
        length[active] += 1
        c = P[rows, cur]                                        # (B, 2)
        r = P - c[:, None, :]
        dist = np.hypot(r[..., 0], r[..., 1])
        ang = np.arctan2(g[:, None, 0] * r[..., 1] - g[:, None, 1] * r[..., 0],
                         g[:, None, 0] * r[..., 0] + g[:, None, 1] * r[..., 1])
        ang = np.mod(ang, two_pi)
        ang = np.where(ang > two_pi - 1e-12, 0.0, ang)
        ang[rows, cur] = np.inf                                 # never the current point
        best = ang.min(axis=1, keepdims=True)
        tie = ang <= best + 1e-12
        nxt = np.argmax(np.where(tie, dist, -1.0), axis=1)
        done = nxt == start
        active &= ~done
        if not active.any():
            break
        d = P[rows, nxt] - c
        g = d / np.hypot(d[:, 0], d[:, 1])[:, None]
        cur = np.where(active, nxt, cur)
    return hull, length


def hull_features(points, current, prev_dir, first) -> tuple[np.ndarray, np.ndarray]:
    r"""Keys and queries of our convex-hull Ptr-Net for one decoder step per point set.

    Keys (content-based, per point :math:`j`): :math:`r_j = p_j - c`, the unit direction
    :math:`r_j / \lVert r_j\rVert` (0 at :math:`r_j = 0`) and :math:`\lVert r_j\rVert`, so
    ``(B, n, 5)``. Query: the last edge direction :math:`g` and a first-step flag, ``(B, 3)``.
    At the first step pass ``current`` = the centroid, ``prev_dir`` = 0 and ``first`` =
    True.

    Parameters
    ----------
    points : (B, n, 2); current : (B, 2); prev_dir : (B, 2); first : (B,) bool.
    """
    P = V.real_array("points", points, ndim=3, last=2)
    c = V.real_array("current", current, ndim=2, last=2)
    g = V.real_array("prev_dir", prev_dir, ndim=2, last=2)
    B = P.shape[0]
    if c.shape[0] != B or g.shape[0] != B:
        raise ValueError(f"current and prev_dir must have {B} rows (one per point set)")
    f = _bool_array("first", first, (B,))
    r = P - c[:, None, :]
    dist = np.hypot(r[..., 0], r[..., 1])
    u = r / np.where(dist > 0, dist, 1.0)[..., None]
    keys = np.concatenate([r, u, dist[..., None]], axis=-1)
    query = np.concatenate([g, f[:, None].astype(float)], axis=-1)
    return keys, query


def _step_mask(n: int, visited: np.ndarray, start: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Allowed positions: not visited, except the start point from step 2 on (closing)."""
    allowed = ~visited
    B = visited.shape[0]
    close = step >= 2
    allowed[np.arange(B)[close], start[close]] = True
    return allowed


def hull_teacher_forcing(points, hull, length) -> dict[str, np.ndarray]:
    r"""Teacher-forced decisions for hulls ``(hull, length)`` of :func:`convex_hull_ccw`.

    For a hull :math:`h_0, \dots, h_{m-1}` there are :math:`m + 1` decisions: step 0 points
    at :math:`h_0` from the centroid; step :math:`i = 1, \dots, m-1` points at :math:`h_i`
    from the true :math:`h_{i-1}` (last edge direction :math:`h_{i-1} - h_{i-2}`, or
    :math:`(0, -1)` at step 1); step :math:`m` closes the polygon by pointing at
    :math:`h_0`. The mask removes visited points, except :math:`h_0` from step 2 on.

    Returns a dict of flat arrays over the ``B (m_max + 1)`` decisions: ``keys``
    (N, n, 5), ``query`` (N, 3), ``mask`` (N, n), ``target`` (N,), ``weight`` (N,) (1 for
    real decisions, 0 for padding).
    """
    P = _points(points)
    B, n, _ = P.shape
    h = V.int_array("hull", hull, shape=(B, n), low=-1, high=n - 1)
    m = V.int_array("length", length, shape=(B,), low=3, high=n)
    V.elements("points (B n^2 decisions x 5 features)", B * (int(m.max()) + 1) * n * HULL_FEATURES)
    S = int(m.max()) + 1
    rows = np.arange(B)
    start = h[:, 0]
    keys = np.empty((B, S, n, HULL_FEATURES))
    query = np.empty((B, S, HULL_QUERY))
    mask = np.empty((B, S, n), bool)
    target = np.zeros((B, S), int)
    weight = np.zeros((B, S))
    visited = np.zeros((B, n), bool)
    prev = np.tile([0.0, -1.0], (B, 1))
    for i in range(S):
        live = i <= m
        if i == 0:
            cur = P.mean(axis=1)
            g = np.zeros((B, 2))
            first = np.ones(B, bool)
        else:
            idx = h[rows, np.minimum(i - 1, n - 1)]
            idx = np.where(live, idx, start)
            cur = P[rows, idx]
            if i >= 2:
                pidx = np.where(live, h[rows, np.minimum(i - 2, n - 1)], start)
                d = cur - P[rows, pidx]
                nd = np.hypot(d[:, 0], d[:, 1])
                prev = np.where((nd > 0)[:, None], d / np.where(nd > 0, nd, 1.0)[:, None], prev)
            g = prev
            first = np.zeros(B, bool)
            visited[rows[live], idx[live]] = True
        k, q = hull_features(P, cur, g, first)
        keys[:, i], query[:, i] = k, q
        mk = _step_mask(n, visited, start, np.full(B, i))
        tgt = np.where(i < m, h[rows, np.minimum(i, n - 1)], start)
        tgt = np.where(live, tgt, start)
        mk[rows, tgt] |= ~live                                   # padding rows stay valid inputs
        mask[:, i], target[:, i], weight[:, i] = mk, tgt, live.astype(float)
    return {"keys": keys.reshape(B * S, n, HULL_FEATURES), "query": query.reshape(B * S, HULL_QUERY),
            "mask": mask.reshape(B * S, n), "target": target.ravel(), "weight": weight.ravel()}


def hull_decode(net: PointerNet, theta, points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Greedy decoding with a visited mask, vectorised over the batch.

    Step 0 points from the centroid; each later step points from the last output with the
    last edge direction as query; visited points are masked except the first output, which
    becomes available from step 2 on; choosing it closes the polygon. After ``n`` outputs
    only the start is left, so every decoding closes within ``n + 1`` steps.

    Returns
    -------
    seq : (B, n) int array, the output vertices (without the closing repeat), ``-1`` padded.
    length : (B,) number of output vertices.
    closed : (B,) bool, whether the decoder chose the start point to close the polygon
        (it always does, by the mask argument; kept for clarity).
    """
    if not isinstance(net, PointerNet) or net.n_features != HULL_FEATURES or net.n_query != HULL_QUERY:
        raise TypeError(f"net must be a PointerNet with n_features={HULL_FEATURES}, n_query={HULL_QUERY}")
    P = _points(points)
    B, n, _ = P.shape
    seq = np.full((B, n), -1, dtype=int)
    length = np.zeros(B, dtype=int)
    closed = np.zeros(B, bool)
    visited = np.zeros((B, n), bool)
    start = np.zeros(B, int)
    cur = P.mean(axis=1)
    g = np.zeros((B, 2))
    act = np.arange(B)
    for i in range(n + 1):
        keys, query = hull_features(P[act], cur[act], g[act], np.full(act.size, i == 0))
        if i == 0:
            mask = np.ones((act.size, n), bool)
        else:
            mask = _step_mask(n, visited[act], start[act], np.full(act.size, i))
        choice = np.argmax(net.scores(theta, keys, query, mask), axis=1)
        if i == 0:
            start[act] = choice
        else:
            fin = choice == start[act]
            closed[act[fin]] = True
        ongoing = ~closed[act]
        a2 = act[ongoing]
        ch = choice[ongoing]
        seq[a2, length[a2]] = ch
        length[a2] += 1
        visited[a2, ch] = True
        newpt = P[a2, ch]
        if i >= 1:
            d = newpt - cur[a2]
            nd = np.hypot(d[:, 0], d[:, 1])
            g[a2] = d / np.where(nd > 0, nd, 1.0)[:, None]
        else:
            g[a2] = np.array([0.0, -1.0])
        cur[a2] = newpt
        act = a2
        if act.size == 0:
            break
    return seq, length, closed


def polygon_area(points, seq, length) -> np.ndarray:
    r"""Signed shoelace area :math:`\tfrac12\sum_k (x_k y_{k+1} - x_{k+1} y_k)` of each
    closed polygon ``points[b, seq[b, :length[b]]]`` (positive when counter-clockwise)."""
    P = _points(points)
    s, m = _seq(seq, length, P.shape[:2])
    return _area(P, s, m)


def _area(P, s, m):
    B, n = s.shape
    k = np.arange(n)
    live = k[None, :] < m[:, None]
    nxt = np.where(k[None, :] + 1 < m[:, None], np.roll(s, -1, axis=1), s[:, :1])
    rows = np.arange(B)[:, None]
    a = P[rows, np.where(live, s, 0)]
    b = P[rows, np.where(live, nxt, 0)]
    cross = a[..., 0] * b[..., 1] - b[..., 0] * a[..., 1]
    return 0.5 * np.sum(np.where(live, cross, 0.0), axis=1)


def _seq(seq, length, shape, names=("seq", "length")):
    B, n = shape
    s = V.int_array(names[0], seq, shape=(B, n))
    m = V.int_array(names[1], length, shape=(B,), low=0, high=n)
    live = np.arange(n)[None, :] < m[:, None]
    if np.any(live & ((s < 0) | (s >= n))):
        raise ValueError(f"{names[0]} entries within {names[1]} must lie in [0, {n})")
    return s, m


def polygon_valid(points, seq, length, closed=None, *, atol: float = 1e-9) -> np.ndarray:
    r"""Whether each output is a convex polygon traversed once counter-clockwise: closed
    at the start point, at least 3 distinct vertices, a strict left turn at every vertex
    (cross product > ``atol``), **and** a total turning angle of :math:`2\pi` (a polygon that
    winds twice also turns left everywhere but turns by :math:`4\pi`)."""
    P = _points(points)
    s, m = _seq(seq, length, P.shape[:2])
    tol = V.real("atol", atol, low=0.0)
    B, n = s.shape
    ok = m >= 3
    if closed is not None:
        ok &= _bool_array("closed", closed, (B,))
    k = np.arange(n)
    live = k[None, :] < m[:, None]
    mm = np.maximum(m, 1)[:, None]
    rows = np.arange(B)[:, None]
    idx0 = np.where(live, s, 0)
    idx1 = np.take_along_axis(idx0, np.where(live, (k[None, :] + 1) % mm, 0), axis=1)
    idx2 = np.take_along_axis(idx0, np.where(live, (k[None, :] + 2) % mm, 0), axis=1)
    a, b, c = P[rows, idx0], P[rows, idx1], P[rows, idx2]
    e1, e2 = b - a, c - b
    cross = e1[..., 0] * e2[..., 1] - e1[..., 1] * e2[..., 0]
    dot = (e1 * e2).sum(-1)
    turn = np.arctan2(cross, dot)
    ok &= np.all(np.where(live, cross > tol, True), axis=1)
    total = np.sum(np.where(live, turn, 0.0), axis=1)
    ok &= np.abs(total - 2 * np.pi) < 1e-6
    filler = n + np.arange(n)[None, :]                       # distinct values outside [0, n)
    srt = np.sort(np.where(live, s, filler), axis=1)
    distinct = np.all(np.diff(srt, axis=1) != 0, axis=1)
    return ok & distinct


def hull_metrics(points, seq, length, closed, hull, hull_len) -> dict[str, np.ndarray]:
    r"""Per point set: ``exact`` (the output equals the true hull sequence), ``cyclic``
    (the output is the hull traversed counter-clockwise from another start: valid with the
    hull's vertex set), ``valid`` (:func:`polygon_valid`), ``coverage`` (output area / hull
    area on valid outputs, NaN on invalid ones)."""
    P = _points(points)
    s, m = _seq(seq, length, P.shape[:2])
    h, mh = _seq(hull, hull_len, P.shape[:2], names=("hull", "hull_len"))
    n = P.shape[1]
    live = np.arange(n)[None, :] < m[:, None]
    exact = (m == mh) & np.all(np.where(live, s == h, True), axis=1)
    valid = polygon_valid(P, s, m, closed)
    area = _area(P, s, m)
    hull_area = _area(P, h, mh)
    cov = np.where(valid, area / hull_area, np.nan)
    hlive = np.arange(n)[None, :] < mh[:, None]
    srt_out = np.sort(np.where(live, s, n), axis=1)
    srt_hull = np.sort(np.where(hlive, h, n), axis=1)
    same_set = (m == mh) & np.all(srt_out == srt_hull, axis=1)
    return {"exact": exact, "cyclic": valid & same_set, "valid": valid, "coverage": cov}


def train_hull(net: PointerNet, theta0, *, n_steps: int, batch: int, n_min: int, n_max: int, lr: float,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Teacher-forced training of a convex-hull pointer with Adam
    (:func:`theorylab.optim.adam_step`).

    Every step draws ``batch`` point sets of one size :math:`n \sim U\{n_{min},\dots,n_{max}\}`
    uniform in :math:`[0, 1]^2`, their hulls (:func:`convex_hull_ccw`) and the decisions of
    :func:`hull_teacher_forcing`, and takes one Adam step on the mean NLL.

    Returns the final ``theta`` and the loss history ``(n_steps,)``.
    """
    from .. import optim

    V.instance("net", net, PointerNet)
    V.generator("rng", rng)
    T = V.count("n_steps", n_steps, high=10**6)
    Bn = V.count("batch", batch, high=10**6)
    lo = V.count("n_min", n_min, low=3, high=10**5)
    hi = V.count("n_max", n_max, low=3, high=10**5)
    if hi < lo:
        raise ValueError(f"n_min ({lo}) must be <= n_max ({hi})")
    V.elements("batch * n_max^2 (teacher-forced keys)", Bn * (hi + 1) * hi * HULL_FEATURES)
    rate = V.positive_real("lr", lr)
    theta = V.real_array("theta0", theta0, ndim=1, last=net.n_params).copy()
    state = optim.adam_init(theta)
    hist = np.empty(T)
    for s in range(T):
        n = int(rng.integers(lo, hi + 1))
        pts = rng.random((Bn, n, 2))
        h, m = convex_hull_ccw(pts)
        d = hull_teacher_forcing(pts, h, m)
        keep = d["weight"] > 0                                  # drop the padding decisions
        hist[s], g = net.loss_and_grad(theta, d["keys"][keep], d["query"][keep], d["mask"][keep],
                                       d["target"][keep])
        theta, state = optim.adam_step(theta, g, state, lr=rate)
    return theta, hist
