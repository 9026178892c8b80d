r"""Learning from pairwise preferences on tabular MDPs.

Segments and their statistics
    A *segment* is ``sigma = (s_0, a_0, ..., s_{k-1}, a_{k-1}, s_k)``; a batch of
    segment *pairs* is stored as ``states (n, 2, k+1)`` and ``actions (n, 2, k)``
    integer arrays, and a label ``y = 1`` means the first segment is preferred.
    :func:`sample_segment_pairs`, :func:`all_segments`, :func:`discounted_sum` (partial
    return :math:`\sum_t \gamma^t r(s_t, a_t)`, or summed features), :func:`regret`
    (:math:`-\sum_t \gamma^t A^*(s_t, a_t)`, which for deterministic transitions is
    :math:`V^*(s_0) - \sum_t\gamma^t r_t - \gamma^k V^*(s_k)`; Knox et al. 2024, Eq. 2-3
    [inferred numbering]).

Bradley–Terry models
    :math:`P(\sigma_1 \succ \sigma_2) = \mathrm{sigmoid}((x_1 - x_2)/T)` with the
    statistic ``x`` the partial return (the PR model) or the negated regret (the regret
    model): :func:`bt_probability`, :func:`sample_labels`.

Maximum likelihood
    * linear reward, partial-return model: logistic regression on feature differences,
      :func:`bt_loss` (with gradient), :func:`fit_bt_linear` (L-BFGS). Equals
      scikit-learn's ``LogisticRegression(fit_intercept=False)`` on the differences.
    * linear reward, regret model: :func:`regret_features` (the segment statistic is
      :math:`w\cdot\Psi(\sigma)` with
      :math:`\Psi = \sum_t\gamma^t(\psi^{\pi^*_w}(s_t,a_t) - \psi^{\pi^*_w}(s_t,\pi^*_w(s_t)))`,
      :math:`\psi` the successor features of the greedy optimal policy),
      :func:`regret_loss` whose gradient treats :math:`\pi^*_w` as fixed (Danskin's
      theorem: :math:`V^*_w(s) = \max_\pi \psi^\pi(s)\cdot w`, so
      :math:`\partial V^*_w/\partial w = \psi^{\pi^*_w}` where the maximiser is unique),
      :func:`fit_regret` (multi-start L-BFGS).

Contrastive preference learning (Hejna et al. 2024)
    :func:`cpl_loss`, :func:`fit_cpl`: tabular logits ``theta (S, A)``,
    :math:`\pi_\theta = \mathrm{softmax}(\theta)`, segment score
    :math:`S(\sigma) = \sum_t \gamma^t \alpha\log\pi_\theta(a_t|s_t)` and the loss with the
    conservative bias :math:`\lambda \in (0, 1]` (official code ``biased_bce_with_logits``):
    :math:`-y\log\mathrm{sigmoid}(S_1 - \lambda S_2) - (1-y)\log\mathrm{sigmoid}(S_2 - \lambda S_1)`.

Hierarchical comparison trees (HERON; Bukharin et al. 2023)
    :func:`heron_labels`: walk down the importance ranking of the reward factors; at level
    ``k`` the pair is decided if ``|f_k(i) - f_k(j)| > sigma_k std_k`` with ``std_k`` the
    standard deviation of factor ``k`` over the batch (official code
    ``robots/stable_baselines3/ppo/heron.py``); ties at every level are dropped (NaN).

Evaluation
    :func:`scaled_return`: per start state :math:`(V^\pi - V^{\rm unif})/(V^* - V^{\rm unif})`,
    averaged over start states (the "mean scaled return" of Knox et al.).

Used by ``notebooks/bandits-rl/human-preference-regret-model.md``,
``contrastive-preference-learning.md`` and
``notebooks/mechanisms/heron-hierarchical-preferences.md``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import expit, log_expit, logsumexp

from .. import _validate as V_
from .. import optim
from .mdp import DiscountedMDP, next_state_table, policy_evaluation, sample_trajectories, uniform_policy, value_iteration

__all__ = [
    "SegmentPairs", "sample_segment_pairs", "all_segments", "discounted_sum", "regret",
    "bt_probability", "sample_labels", "bt_loss", "fit_bt_linear",
    "optimal_policy_actions", "regret_features", "regret_loss", "fit_regret", "RegretFit",
    "cpl_loss", "fit_cpl", "softmax_logits", "heron_labels", "scaled_return",
]


# --------------------------------------------------------------------------- segments


class SegmentPairs(NamedTuple):
    """Segment pairs: ``states (n, 2, k+1)`` and ``actions (n, 2, k)`` integer arrays."""

    states: np.ndarray
    actions: np.ndarray

    @property
    def n_pairs(self) -> int:
        return int(self.actions.shape[0])

    @property
    def length(self) -> int:
        return int(self.actions.shape[-1])


def _check_mdp1(mdp):
    if not isinstance(mdp, DiscountedMDP) or mdp.batch_shape:
        raise TypeError(f"mdp must be a single (unbatched) DiscountedMDP; got {type(mdp).__name__}")
    return mdp


def _check_pairs(pairs):
    if not (isinstance(pairs, tuple) and len(pairs) == 2):
        raise TypeError(f"pairs must be a SegmentPairs(states, actions); got {type(pairs).__name__}")
    try:
        s, a = _check_segments(pairs[0], pairs[1])
    except (TypeError, ValueError) as e:
        raise type(e)(f"pairs: {e}") from None
    if s.ndim != 3 or s.shape[1] != 2:
        raise ValueError(f"pairs must hold states (n, 2, k+1) and actions (n, 2, k); got {s.shape}")
    return SegmentPairs(s, a)


def _check_segments(states, actions, S: int | None = None, A: int | None = None, against: str = "the table"):
    s = np.asarray(states)
    a = np.asarray(actions)
    if not (np.issubdtype(s.dtype, np.integer) and np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"states and actions must be integer arrays; got {s.dtype} and {a.dtype}")
    if a.ndim < 1 or s.shape != a.shape[:-1] + (a.shape[-1] + 1,) or a.shape[-1] < 1:
        raise ValueError(f"states must have shape (..., k+1) and actions (..., k) with k >= 1; "
                         f"got {s.shape} and {a.shape}")
    if S is not None and (s.min() < 0 or s.max() >= S):
        raise ValueError(f"states must lie in [0, {S}) (the first axis of {against})")
    if A is not None and (a.min() < 0 or a.max() >= A):
        raise ValueError(f"actions must lie in [0, {A}) (the second axis of {against})")
    return s, a


def sample_segment_pairs(mdp: DiscountedMDP, pi, n_pairs: int, length: int, *,
                         rng: np.random.Generator) -> SegmentPairs:
    """``n_pairs`` independent pairs of length-``length`` segments of ``pi`` from ``mdp.mu0``.

    Vectorised (:func:`~theorylab.rl.mdp.sample_trajectories` for ``2 n_pairs`` episodes).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp, preferences
    >>> m = mdp.random_mdp(4, 2, gamma=0.9, rng=np.random.default_rng(0))
    >>> seg = preferences.sample_segment_pairs(m, mdp.uniform_policy(m), 5, 3, rng=np.random.default_rng(1))
    >>> seg.states.shape, seg.actions.shape
    ((5, 2, 4), (5, 2, 3))
    """
    _check_mdp1(mdp)
    n = V_.integer_in("n_pairs", n_pairs, low=1)
    k = V_.integer_in("length", length, low=1)
    V_.size_at_most("n_pairs x length", 2 * n * (k + 1), limit=10**8)
    tr = sample_trajectories(mdp, pi, 2 * n, rng=rng, horizon=k)
    return SegmentPairs(tr.states.reshape(n, 2, k + 1), tr.actions.reshape(n, 2, k))


def all_segments(mdp: DiscountedMDP, length: int, *, starts=None) -> tuple[np.ndarray, np.ndarray]:
    """Every length-``length`` segment of a deterministic MDP: ``states (N, k+1)``, ``actions (N, k)``.

    ``N = len(starts) * A**k`` (default ``starts``: the states with ``mu0 > 0``); segments
    are ordered by start state, then by the action sequence in lexicographic order.

    Examples
    --------
    >>> from theorylab.rl import mdp, preferences
    >>> s, a = preferences.all_segments(mdp.chain_mdp(3, gamma=0.9), 2)
    >>> s.shape, a.shape, s[3].tolist()            # start 0, actions (1, 1): 0 -> 1 -> 2
    ((8, 3), (8, 2), [0, 1, 2])
    """
    k = V_.integer_in("length", length, low=1)
    _check_mdp1(mdp)
    if k * np.log(max(mdp.A, 1)) + np.log(mdp.S) > np.log(1e8):
        raise ValueError(f"length: n_actions ** length x n_states segments exceed the limit 1e8 (length={k})")
    nxt = next_state_table(mdp)
    if starts is None:
        starts = np.flatnonzero(mdp.mu0 > 0)
    starts = np.asarray(starts)
    if starts.ndim != 1 or not np.issubdtype(starts.dtype, np.integer):
        raise ValueError("starts must be a 1-D integer array of states")
    A = mdp.A
    seqs = np.array(np.meshgrid(*[np.arange(A)] * k, indexing="ij")).reshape(k, -1).T    # (A^k, k)
    n0, na = starts.size, seqs.shape[0]
    actions = np.tile(seqs, (n0, 1))
    states = np.empty((n0 * na, k + 1), dtype=np.int64)
    states[:, 0] = np.repeat(starts, na)
    for t in range(k):
        states[:, t + 1] = nxt[states[:, t], actions[:, t]]
    return states, actions


def discounted_sum(values, states, actions, *, gamma: float) -> np.ndarray:
    r"""``sum_t gamma^t values[s_t, a_t]`` over the last (time) axis of a segment array.

    ``values (S, A)`` gives the partial return (shape ``states.shape[:-1]``); ``values
    (S, A, d)`` gives discounted summed features (shape ``states.shape[:-1] + (d,)``).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> r = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> float(preferences.discounted_sum(r, np.array([0, 1, 0]), np.array([1, 0]), gamma=0.5))   # 2 + 0.5*3
    3.5
    """
    x = V_.real_array("values", values, ndim=(2, 3))
    s, a = _check_segments(states, actions, x.shape[0], x.shape[1], against="values")
    g = V_.real_in("gamma", gamma, 0.0, 1.0)
    w = g ** np.arange(a.shape[-1])
    vals = x[s[..., :-1], a]                       # (..., k) or (..., k, d)
    if x.ndim == 2:
        return vals @ w
    return np.einsum("...td,t->...d", vals, w)


def regret(Q, states, actions, *, gamma: float) -> np.ndarray:
    r"""Regret of segments: :math:`-\sum_t \gamma^t A^*(s_t, a_t)` with :math:`A^* = Q^* - \max_a Q^*`.

    For deterministic transitions this telescopes to
    :math:`V^*(s_0) - (\sum_t \gamma^t r_t + \gamma^k V^*(s_k))` (Knox et al. 2024's
    deterministic regret); the advantage form is their general (stochastic) definition.

    Parameters
    ----------
    Q : (S, A) array
        Optimal action values (e.g. ``value_iteration(mdp).Q``).
    states, actions : int arrays of shape (..., k+1) and (..., k)

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp, preferences
    >>> m = mdp.chain_mdp(3, gamma=0.5)
    >>> Q = mdp.value_iteration(m).Q
    >>> preferences.regret(Q, np.array([[0, 1], [0, 0]]), np.array([[1], [0]]), gamma=0.5)
    array([0.  , 0.25])
    """
    Q = V_.real_array("Q", Q, ndim=2)
    _check_segments(states, actions, Q.shape[0], Q.shape[1], against="Q")
    return discounted_sum(Q.max(axis=1, keepdims=True) - Q, states, actions, gamma=gamma)


# --------------------------------------------------------------------------- Bradley-Terry


def bt_probability(x1, x2, *, temperature: float = 1.0) -> np.ndarray:
    r"""Bradley–Terry / logistic preference probability ``sigmoid((x1 - x2) / T)``.

    With ``x`` the partial return this is the PR model, with ``x = -regret`` the regret
    model (Knox et al. 2024); ``T`` is the noise temperature (the official code uses 1 on
    raw reward units).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> preferences.bt_probability(np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    array([0.73105858, 0.5       ])
    """
    a = V_.real_array("x1", x1)
    b = V_.real_array("x2", x2)
    T = V_.real_in("temperature", temperature, 0.0, np.inf, lo_open=True)
    return expit((a - b) / T)


def sample_labels(p, *, rng: np.random.Generator) -> np.ndarray:
    """Bernoulli labels ``y ~ Bernoulli(p)`` as floats (1.0: the first segment preferred).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> y = preferences.sample_labels(np.full(10000, 0.3), rng=np.random.default_rng(0))
    >>> round(float(y.mean()), 2)
    0.3
    """
    V_.generator("rng", rng)
    p = V_.real_array("p", p)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p must hold probabilities in [0, 1]")
    return (rng.random(p.shape) < p).astype(float)


def _check_labels(y, n: int, name: str = "y"):
    y = V_.real_array(name, y, ndim=1)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},); got {y.shape}")
    if np.any((y < 0) | (y > 1)):
        raise ValueError(f"{name} must hold labels (or probabilities) in [0, 1]")
    return y


def _check_weights(sample_weight, n: int):
    if sample_weight is None:
        return np.full(n, 1.0 / n)
    w = V_.real_array("sample_weight", sample_weight, ndim=1)
    if w.shape != (n,) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"sample_weight must be ({n},) non-negative with a positive sum")
    return w / w.sum()


def bt_loss(w, X, y, *, l2: float = 0.0, sample_weight=None) -> tuple[float, np.ndarray]:
    r"""Logistic (Bradley–Terry) loss of a linear statistic and its gradient.

    .. math::

        L(w) = \sum_i \omega_i\big[\mathrm{softplus}(z_i) - y_i z_i\big] + \tfrac{\ell_2}{2}\lVert w\rVert^2,
        \qquad z_i = X_i \cdot w,

    the cross-entropy of ``sigmoid(z_i)`` against labels (or probabilities) ``y_i``, with
    weights ``omega`` normalised to sum 1 (default uniform). ``X`` holds the feature
    differences of the two segments of each pair.

    Returns
    -------
    loss : float
    grad : (d,) array, :math:`X^\top(\omega\odot(\mathrm{sigmoid}(z) - y)) + \ell_2 w`

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> L, g = preferences.bt_loss(np.zeros(2), np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([1.0, 0.0]))
    >>> round(L, 6), g.tolist()                    # log 2; (0.5 - y) X / 2
    (0.693147, [-0.25, 0.5])
    """
    X = V_.real_array("X", X, ndim=2)
    w = V_.real_array("w", w, ndim=1)
    if w.shape != (X.shape[1],):
        raise ValueError(f"w must have shape ({X.shape[1]},); got {w.shape}")
    y = _check_labels(y, X.shape[0])
    om = _check_weights(sample_weight, X.shape[0])
    l2 = V_.nonneg_real("l2", l2)
    z = X @ w
    loss = float(om @ (np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * (w @ w))
    grad = X.T @ (om * (expit(z) - y)) + l2 * w
    return loss, grad


def fit_bt_linear(X, y, *, l2: float = 0.0, w0=None, sample_weight=None, max_iter: int = 500,
                  gtol: float = 1e-10) -> np.ndarray:
    """Maximum-likelihood linear Bradley–Terry weights: minimise :func:`bt_loss` by L-BFGS.

    The objective is convex; with ``l2 > 0`` strictly convex. Equals scikit-learn's
    ``LogisticRegression(fit_intercept=False, C=1 / (l2 * n))`` on ``(X, y)`` for hard
    labels (tests/test_rl_preferences.py).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> X = np.array([[1.0], [-1.0], [1.0], [-1.0]]); y = np.array([1.0, 0.0, 0.0, 1.0])
    >>> preferences.fit_bt_linear(X, y).round(8).tolist()   # balanced labels: w = 0
    [0.0]
    """
    X = V_.real_array("X", X, ndim=2)
    y = _check_labels(y, X.shape[0])
    om = _check_weights(sample_weight, X.shape[0])
    l2 = V_.nonneg_real("l2", l2)
    x0 = np.zeros(X.shape[1]) if w0 is None else V_.real_array("w0", w0, ndim=1)
    res = optim.lbfgs(lambda w: bt_loss(w, X, y, l2=l2, sample_weight=om), x0, max_iter=max_iter, gtol=gtol)
    return res.x


# --------------------------------------------------------------------------- regret model


def _greedy_first(Q, tol=1e-12):
    """First maximiser of each row of Q (ties within ``tol`` broken towards the lowest index)."""
    m = Q.max(axis=-1, keepdims=True)
    return np.argmax(Q >= m - tol * (1.0 + np.abs(m)), axis=-1)


def _policy_iteration(P, r, gamma, act0=None, max_iter=1000):
    """Exact optimal Q and first-maximiser greedy actions by Howard's policy iteration."""
    S, A = r.shape
    act = np.zeros(S, dtype=np.int64) if act0 is None else act0.copy()
    idx = np.arange(S)
    eye = np.eye(S)
    for _ in range(max_iter):
        Ppi = P[idx, act]
        V = np.linalg.solve(eye - gamma * Ppi, r[idx, act])
        Q = r + gamma * P @ V
        cur = Q[idx, act]
        best = Q.max(axis=1)
        improve = best > cur + 1e-12 * (1.0 + np.abs(best))
        if not improve.any():
            return Q, _greedy_first(Q)
        act = np.where(improve, np.argmax(Q, axis=1), act)
    raise RuntimeError("policy iteration did not converge")  # pragma: no cover


def optimal_policy_actions(mdp: DiscountedMDP, r=None, *, act0=None) -> tuple[np.ndarray, np.ndarray]:
    """``(Q*, a*)``: optimal action values and the first-maximiser greedy actions for reward ``r``
    (default ``mdp.r``), by exact policy iteration warm-started at ``act0``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp, preferences
    >>> Q, a = preferences.optimal_policy_actions(mdp.chain_mdp(3, gamma=0.5))
    >>> a.tolist()
    [1, 1, 0]
    """
    _check_mdp1(mdp)
    r = mdp.r if r is None else V_.real_array("r", r, ndim=2)
    if r.shape != (mdp.S, mdp.A):
        raise ValueError(f"r must have shape ({mdp.S}, {mdp.A}); got {r.shape}")
    return _policy_iteration(mdp.P, r, mdp.gamma, act0)


def _successor(P, phi, gamma, act):
    """State-action successor features of the deterministic policy ``act``: (S, A, d)."""
    S = P.shape[0]
    idx = np.arange(S)
    psi_s = np.linalg.solve(np.eye(S) - gamma * P[idx, act], phi[idx, act])     # (S, d)
    return phi + gamma * np.einsum("sap,pd->sad", P, psi_s)


def regret_features(mdp: DiscountedMDP, phi, act, states, actions) -> np.ndarray:
    r"""Segment features of the regret model at a fixed greedy policy ``act``:
    :math:`\Psi(\sigma) = \sum_t \gamma^t (\psi(s_t, a_t) - \psi(s_t, \mathrm{act}(s_t)))`.

    For ``act`` optimal for ``r = phi @ w``, :math:`w\cdot\Psi(\sigma) = \sum_t\gamma^t A^*_w(s_t,a_t)`
    (the negated regret), since :math:`Q^*_w = \psi^{\pi^*_w}\cdot w`. Shape
    ``states.shape[:-1] + (d,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp, preferences
    >>> m = mdp.chain_mdp(3, gamma=0.5); phi = m.r[..., None]
    >>> Q, act = preferences.optimal_policy_actions(m)
    >>> s, a = np.array([[0, 0]]), np.array([[0]])
    >>> bool(np.isclose(preferences.regret_features(m, phi, act, s, a)[0, 0], -preferences.regret(Q, s, a, gamma=0.5)[0]))
    True
    """
    _check_mdp1(mdp)
    phi = V_.real_array("phi", phi, ndim=3)
    if phi.shape[:2] != (mdp.S, mdp.A):
        raise ValueError(f"phi must have shape ({mdp.S}, {mdp.A}, d); got {phi.shape}")
    act = np.asarray(act)
    if act.shape != (mdp.S,) or not np.issubdtype(act.dtype, np.integer):
        raise ValueError(f"act must be an integer array of shape ({mdp.S},)")
    psi = _successor(mdp.P, phi, mdp.gamma, act)
    adv = psi - psi[np.arange(mdp.S), act][:, None, :]
    return discounted_sum(adv, states, actions, gamma=mdp.gamma)


def regret_loss(w, mdp: DiscountedMDP, phi, pairs: SegmentPairs, y, *, l2: float = 0.0, sample_weight=None,
                act0=None) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Cross-entropy of the regret Bradley–Terry model for a linear reward ``r_w = phi @ w``.

    The logit of a pair is :math:`\sum_t\gamma^t A^*_w(\sigma_1) - \sum_t\gamma^t A^*_w(\sigma_2)
    = w\cdot(\Psi_1 - \Psi_2)` with :func:`regret_features` at the greedy optimal policy
    :math:`\pi^*_w` (exact policy iteration). The gradient holds :math:`\pi^*_w` fixed
    (Danskin): it is exact wherever the optimal action is unique in every state, and a
    generalised gradient at ties.

    Returns
    -------
    loss : float
    grad : (d,) array
    act : (S,) int array, the greedy optimal actions of ``r_w`` (warm start for the next call)

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import gridworlds, mdp, preferences
    >>> f = gridworlds.delivery_mdp([".C", "SG"], gamma=0.9)
    >>> pairs = preferences.sample_segment_pairs(f.mdp, mdp.uniform_policy(f.mdp), 20, 2,
    ...                                          rng=np.random.default_rng(0))
    >>> L, g, act = preferences.regret_loss(f.weights, f.mdp, f.phi, pairs, np.ones(20))
    >>> g.shape, act.shape
    ((6,), (4,))
    """
    _check_mdp1(mdp)
    pairs = _check_pairs(pairs)
    w = V_.real_array("w", w, ndim=1)
    phi = V_.real_array("phi", phi, ndim=3)
    if phi.shape[:2] != (mdp.S, mdp.A):
        raise ValueError(f"phi must have shape ({mdp.S}, {mdp.A}, d); got {phi.shape}")
    if w.shape != (phi.shape[-1],):
        raise ValueError(f"w must have shape ({phi.shape[-1]},); got {w.shape}")
    if act0 is not None:
        act0 = np.asarray(act0)
        if act0.shape != (mdp.S,) or not np.issubdtype(act0.dtype, np.integer) or act0.min() < 0 or act0.max() >= mdp.A:
            raise ValueError(f"act0 must be an integer array of actions of shape ({mdp.S},)")
    _, act = _policy_iteration(mdp.P, phi @ w, mdp.gamma, act0)
    F = regret_features(mdp, phi, act, pairs.states, pairs.actions)        # (n, 2, d)
    L, g = bt_loss(w, F[:, 0] - F[:, 1], y, l2=l2, sample_weight=sample_weight)
    return L, g, act


class RegretFit(NamedTuple):
    """Result of :func:`fit_regret`: weights ``w``, final ``loss``, greedy actions ``act``,
    and the losses of every start (``start_losses``)."""

    w: np.ndarray
    loss: float
    act: np.ndarray
    start_losses: np.ndarray


def fit_regret(mdp: DiscountedMDP, phi, pairs: SegmentPairs, y, *, w0s, l2: float = 0.0, sample_weight=None,
               max_iter: int = 300, gtol: float = 1e-9) -> RegretFit:
    """Maximum-likelihood linear reward under the regret preference model.

    The loss (:func:`regret_loss`) is not convex in ``w`` and ``V*_w`` is not smooth where
    the optimal policy changes, so L-BFGS is run from every initial point in ``w0s``
    ``(n_starts, d)`` and the lowest final loss is kept (as the official code keeps its
    best-loss weights).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import gridworlds, mdp, preferences
    >>> f = gridworlds.delivery_mdp([".C", "SG"], gamma=0.9)
    >>> pairs = preferences.sample_segment_pairs(f.mdp, mdp.uniform_policy(f.mdp), 50, 2,
    ...                                          rng=np.random.default_rng(0))
    >>> fit = preferences.fit_regret(f.mdp, f.phi, pairs, np.ones(50), w0s=np.zeros((1, 6)), l2=1e-2)
    >>> fit.w.shape, fit.start_losses.shape
    ((6,), (1,))
    """
    _check_mdp1(mdp)
    pairs = _check_pairs(pairs)
    w0s = V_.real_array("w0s", w0s, ndim=2)
    y = _check_labels(y, pairs.n_pairs)
    max_iter = V_.integer_in("max_iter", max_iter, low=1)
    gtol = V_.nonneg_real("gtol", gtol)
    state = {"act": None}

    def fg(w):
        L, g, act = regret_loss(w, mdp, phi, pairs, y, l2=l2, sample_weight=sample_weight, act0=state["act"])
        state["act"] = act
        return L, g

    best = None
    losses = []
    for w0 in w0s:
        state["act"] = None
        res = optim.lbfgs(fg, w0, max_iter=max_iter, gtol=gtol)
        L, _, act = regret_loss(res.x, mdp, phi, pairs, y, l2=l2, sample_weight=sample_weight)
        losses.append(L)
        if best is None or L < best[1]:
            best = (res.x, L, act)
    return RegretFit(best[0], float(best[1]), best[2], np.array(losses))


# --------------------------------------------------------------------------- CPL


def softmax_logits(theta) -> np.ndarray:
    """Row-wise softmax of tabular logits ``theta (..., S, A)`` (the CPL policy)."""
    th = V_.real_array("theta", theta, min_ndim=1)
    return np.exp(th - logsumexp(th, axis=-1, keepdims=True))


def cpl_loss(theta, pairs: SegmentPairs, y, *, alpha: float, gamma: float, lam: float = 1.0,
             sample_weight=None, l2: float = 0.0) -> tuple[float, np.ndarray]:
    r"""Contrastive preference learning loss (Hejna et al. 2024, Eq. 5 [inferred]) and gradient.

    With :math:`S(\sigma) = \alpha\sum_t\gamma^t\log\pi_\theta(a_t|s_t)` and the conservative
    bias :math:`\lambda`:

    .. math::

        L(\theta) = -\sum_i\omega_i\big[y_i\log\mathrm{sigmoid}(S_{i1} - \lambda S_{i2})
                    + (1 - y_i)\log\mathrm{sigmoid}(S_{i2} - \lambda S_{i1})\big]
                    + \tfrac{\ell_2}{2}\lVert\theta\rVert^2 .

    :math:`\partial S/\partial\theta(s, b) = \alpha\sum_t\gamma^t 1[s_t = s](1[a_t = b] - \pi_\theta(b|s))`,
    accumulated by ``bincount`` (no loop over pairs).

    Parameters
    ----------
    theta : (S, A) array
    pairs : SegmentPairs
    y : (n,) labels or probabilities (1: the first segment preferred)
    alpha : float > 0
        Temperature of the max-ent advantage :math:`A^* = \alpha\log\pi^*`.
    gamma : float in [0, 1]
        Discount inside a segment (use the one of the labels; the official code uses 1).
    lam : float in (0, 1]
        Conservative bias (1: the unbiased CPL loss).

    Returns
    -------
    loss : float
    grad : (S, A) array

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> pairs = preferences.SegmentPairs(np.array([[[0, 0], [0, 0]]]), np.array([[[0], [1]]]))
    >>> L, g = preferences.cpl_loss(np.zeros((1, 2)), pairs, np.array([1.0]), alpha=1.0, gamma=1.0)
    >>> round(L, 6), g.round(6).tolist()          # log 2; pushes theta(0, 0) up and theta(0, 1) down
    (0.693147, [[-0.5, 0.5]])
    """
    th = V_.real_array("theta", theta, ndim=2)
    S, A = th.shape
    pairs = _check_pairs(pairs)
    s, a = _check_segments(pairs.states, pairs.actions, S, A, against="theta")
    if s.ndim != 3 or s.shape[1] != 2:
        raise ValueError(f"pairs must hold states (n, 2, k+1); got {s.shape}")
    n, _, k = a.shape
    y = _check_labels(y, n)
    om = _check_weights(sample_weight, n)
    alpha = V_.real_in("alpha", alpha, 0.0, np.inf, lo_open=True)
    gamma = V_.real_in("gamma", gamma, 0.0, 1.0)
    lam = V_.real_in("lam", lam, 0.0, 1.0, lo_open=True)
    l2 = V_.nonneg_real("l2", l2)
    logZ = logsumexp(th, axis=1)
    logpi = th - logZ[:, None]
    disc = gamma ** np.arange(k)
    st = s[..., :-1]                                                     # (n, 2, k)
    score = alpha * (logpi[st, a] @ disc)                                # (n, 2)
    z1 = score[:, 0] - lam * score[:, 1]
    z2 = score[:, 1] - lam * score[:, 0]
    loss = float(-(om @ (y * log_expit(z1) + (1 - y) * log_expit(z2))) + 0.5 * l2 * np.sum(th * th))
    e1, e2 = om * y * expit(-z1), om * (1 - y) * expit(-z2)             # -dL/dz
    dS = np.stack([-e1 + lam * e2, lam * e1 - e2], axis=1)              # dL/dS, (n, 2)
    c = (alpha * dS)[:, :, None] * disc                                  # (n, 2, k)
    flat = (st * A + a).ravel()
    G = np.bincount(flat, weights=c.ravel(), minlength=S * A).reshape(S, A)
    Gs = np.bincount(st.ravel(), weights=c.ravel(), minlength=S)
    pi = np.exp(logpi)
    grad = G - Gs[:, None] * pi + l2 * th
    return loss, grad


def fit_cpl(pairs: SegmentPairs, y, n_states: int, n_actions: int, *, alpha: float, gamma: float,
            lam: float = 1.0, theta0=None, l2: float = 0.0, sample_weight=None, max_iter: int = 1000,
            gtol: float = 1e-10) -> np.ndarray:
    """Minimise :func:`cpl_loss` over tabular logits by L-BFGS from ``theta0`` (default 0).

    Returns the logits ``theta (S, A)``; the policy is :func:`softmax_logits` of them. The
    loss is invariant to adding a constant to a row of ``theta`` and is not convex in
    general (a difference of concave terms inside ``log sigmoid``).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> pairs = preferences.SegmentPairs(np.zeros((2, 2, 2), dtype=int), np.array([[[0], [1]]] * 2))
    >>> th = preferences.fit_cpl(pairs, np.array([1.0, 0.0]), 1, 2, alpha=1.0, gamma=1.0)
    >>> preferences.softmax_logits(th).round(6).tolist()   # one vote each way: uniform
    [[0.5, 0.5]]
    """
    S = V_.integer_in("n_states", n_states, low=1)
    A = V_.integer_in("n_actions", n_actions, low=1)
    V_.size_at_most("n_states x n_actions", S * A, limit=10**8)
    pairs = _check_pairs(pairs)
    x0 = np.zeros(S * A) if theta0 is None else V_.real_array("theta0", theta0, ndim=2).ravel()
    if x0.size != S * A:
        raise ValueError(f"theta0 must have shape ({S}, {A})")

    def fg(x):
        L, g = cpl_loss(x.reshape(S, A), pairs, y, alpha=alpha, gamma=gamma, lam=lam,
                        sample_weight=sample_weight, l2=l2)
        return L, g.ravel()

    res = optim.lbfgs(fg, x0, max_iter=max_iter, gtol=gtol)
    return res.x.reshape(S, A)


# --------------------------------------------------------------------------- HERON


def heron_labels(factors, pairs, *, sigma, ddof: int = 1) -> np.ndarray:
    r"""Hierarchical (HERON) preference labels from reward factors ranked by importance.

    For the pair ``(i, j)`` walk down the levels ``k = 0, 1, ...`` (column order of
    ``factors`` = importance order, higher is better): prefer ``i`` if
    :math:`f_k(i) > f_k(j) + \sigma_k\,\mathrm{std}_k`, prefer ``j`` if
    :math:`f_k(j) > f_k(i) + \sigma_k\,\mathrm{std}_k`, else go to level ``k + 1``; a pair
    tied at every level gets NaN (dropped). :math:`\mathrm{std}_k` is the standard
    deviation of factor ``k`` over the batch ``factors`` (``ddof=1`` as ``torch.std``),
    so the labels are invariant to any positive affine map of a factor.

    Parameters
    ----------
    factors : (n_items, K) array
        Factor values of the items of the batch.
    pairs : (n_pairs, 2) int array
        Indices ``(i, j)`` into ``factors``.
    sigma : float or (K,) array, >= 0
        Margins in units of the batch standard deviation.

    Returns
    -------
    (n_pairs,) float array: 1.0 (i preferred), 0.0 (j preferred) or NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import preferences
    >>> f = np.array([[1.0, 0.0], [1.0, 5.0], [3.0, 0.0]])
    >>> preferences.heron_labels(f, np.array([[0, 1], [2, 1], [0, 0]]), sigma=0.1).tolist()
    [0.0, 1.0, nan]
    """
    F = V_.real_array("factors", factors, ndim=2)
    n, K = F.shape
    pr = np.asarray(pairs)
    if pr.ndim != 2 or pr.shape[1] != 2 or not np.issubdtype(pr.dtype, np.integer):
        raise ValueError(f"pairs must be an (n_pairs, 2) integer array; got {pr.dtype} {pr.shape}")
    if pr.size and (pr.min() < 0 or pr.max() >= n):
        raise ValueError(f"pairs must index rows of factors in [0, {n})")
    sig = np.broadcast_to(V_.real_array("sigma", sigma), (K,)).astype(float)
    if np.any(sig < 0):
        raise ValueError("sigma must be >= 0")
    ddof = V_.integer_in("ddof", ddof, low=0)
    if n <= ddof:
        raise ValueError(f"the batch needs more than ddof={ddof} items")
    thr = sig * F.std(axis=0, ddof=ddof)
    d = F[pr[:, 0]] - F[pr[:, 1]]                        # (n_pairs, K)
    decided = np.abs(d) > thr
    first = np.argmax(decided, axis=1)
    any_dec = decided.any(axis=1)
    sgn = d[np.arange(len(pr)), first] > 0
    return np.where(any_dec, sgn.astype(float), np.nan)


# --------------------------------------------------------------------------- evaluation


def scaled_return(mdp: DiscountedMDP, pi, *, states=None) -> float:
    r"""Mean scaled return of ``pi``: the average over start states of
    :math:`(V^\pi(s) - V^{\rm unif}(s)) / (V^*(s) - V^{\rm unif}(s))` (Knox et al. 2024,
    evaluation of learned rewards; official ``get_scaled_returns``).

    ``states`` defaults to the states with ``mu0 > 0``; states where
    :math:`V^* = V^{\rm unif}` (nothing to gain) are skipped. 1 means optimal, 0 as good as
    the uniformly random policy.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp, preferences
    >>> m = mdp.chain_mdp(4, gamma=0.9)
    >>> preferences.scaled_return(m, mdp.value_iteration(m).pi), preferences.scaled_return(m, mdp.uniform_policy(m))
    (1.0, 0.0)
    """
    _check_mdp1(mdp)
    pi = V_.stochastic("pi", pi, atol=1e-8, min_ndim=2)
    if pi.shape != (mdp.S, mdp.A):
        raise ValueError(f"pi must have shape ({mdp.S}, {mdp.A}); got {pi.shape}")
    V, _ = policy_evaluation(mdp, pi)
    Vu, _ = policy_evaluation(mdp, uniform_policy(mdp))
    Vs = value_iteration(mdp, max_iter=50).V
    st = np.flatnonzero(mdp.mu0 > 0) if states is None else np.asarray(states)
    gap = Vs[st] - Vu[st]
    ok = gap > 1e-9 * (1.0 + np.abs(Vs[st]))
    if not ok.any():
        raise ValueError("no start state where the optimal policy beats the uniform one")
    return float(np.mean((V[st][ok] - Vu[st][ok]) / gap[ok]))
