r"""Online class-incremental learning at toy scale: Gaussian-blob task streams, reservoir
replay buffers, experience replay (ER) and unbiased experience replay (UER; Lin et al. 2023,
"UER: A Heuristic Bias Addressing Approach for Online Continual Learning"), with a one-hidden-
layer ReLU network whose bias-free linear head can be read as dot-product or cosine logits.

**Logit decomposition.** With features :math:`h = \operatorname{relu}(W_1 x + b_1)` and head
rows :math:`w_c`,

.. math:: z_c = w_c^\top h = \lVert w_c\rVert\,\lVert h\rVert\,\cos\theta_c ,

a *norm factor* :math:`\lVert w_c\rVert\lVert h\rVert` times an *angle factor*
:math:`\cos\theta_c`. Since :math:`\lVert h\rVert` is shared by all classes, the prediction
:math:`\arg\max_c z_c` depends on the class through :math:`\lVert w_c\rVert\cos\theta_c`; the
cosine prediction :math:`\arg\max_c\cos\theta_c` drops the norms. UER trains the current batch
on scaled cosine logits :math:`\tau\cos\theta_c` and the replayed batch on dot-product logits
(abstract of the paper; the scale :math:`\tau` and the class set of the cosine loss are
inferred, see the notebook). Logits are always restricted to the classes seen so far.

**Gradients.** Cross-entropy gradients are back-propagated by hand; through a normalisation
:math:`u = w/\lVert w\rVert` an upstream gradient :math:`g` on :math:`u` gives
:math:`(g - u\,u^\top g)/\lVert w\rVert` on :math:`w` (and the same for :math:`h`). The tests check
every gradient against :mod:`theorylab.numdiff`.

**Batches of runs.** Every array carries a leading axis of ``S`` independent runs (seeds);
parameters are a flat ``theta`` of shape (S, P) laid out as
:math:`[\operatorname{vec}W_1, b_1, \operatorname{vec}W]` per run, so all seeds train in lockstep.

Used by ``mechanisms/uer-online-continual-learning``.

Examples
--------
>>> import numpy as np
>>> from theorylab import continual
>>> net = continual.ContinualMLP(dim=4, hidden=6, n_classes=3)
>>> theta = net.init(n_runs=2, rng=np.random.default_rng(0))
>>> X = np.random.default_rng(1).normal(size=(2, 5, 4))
>>> d = net.decompose(theta, X)
>>> bool(np.allclose(d["logits"], d["w_norm"][:, None, :] * d["h_norm"][..., None] * d["cos"]))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as V

__all__ = [
    "ContinualMLP",
    "Stream",
    "class_incremental_blobs",
    "evaluate",
    "reservoir_update",
    "train_online",
]

_NEG = -1e30
_TINY = 1e-12


@dataclass(frozen=True)
class Stream:
    """A batch of ``S`` class-incremental streams.

    ``X`` (S, N, D) and ``y`` (S, N): training samples in stream order (task by task, shuffled
    within a task); ``task`` (N,) the task of each stream position; ``X_test`` (S, M, D),
    ``y_test`` (S, M): a balanced test set; ``task_of_class`` (C,); ``means`` (S, C, D).
    """

    X: np.ndarray
    y: np.ndarray
    task: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task_of_class: np.ndarray
    means: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(self.task_of_class.size)

    @property
    def n_tasks(self) -> int:
        return int(self.task_of_class.max()) + 1


def class_incremental_blobs(*, n_runs: int, n_classes: int = 10, n_tasks: int = 5, dim: int = 32,
                            n_per_class: int = 500, n_test_per_class: int = 300, noise: float = 2.0,
                            shuffle: bool = False, rng: np.random.Generator) -> Stream:
    r"""Gaussian blobs: class means :math:`\mu_c \sim N(0, I_D)` (per run), samples
    :math:`x = \mu_c + \sigma\varepsilon`; classes ``c`` belong to task
    ``c // (n_classes / n_tasks)``. The stream presents the tasks in order, each task's samples
    in random order; with ``shuffle=True`` the whole stream is shuffled instead (an i.i.d.
    stream, the non-incremental reference).
    """
    V.generator("rng", rng)
    S = V.count("n_runs", n_runs)
    C = V.count("n_classes", n_classes)
    T = V.count("n_tasks", n_tasks)
    if C % T:
        raise ValueError(f"n_classes ({C}) must be a multiple of n_tasks ({T})")
    D = V.count("dim", dim)
    n = V.count("n_per_class", n_per_class)
    nt = V.count("n_test_per_class", n_test_per_class)
    V.elements("n_runs * n_classes * dim", S * C * D)
    V.elements("n_runs * n_classes * n_per_class * dim", S * C * n * D)
    V.elements("n_runs * n_classes * n_test_per_class * dim", S * C * nt * D)
    sig = V.nonneg_real("noise", noise)
    V.flag("shuffle", shuffle)
    cpt = C // T
    task_of_class = np.arange(C) // cpt
    means = rng.normal(size=(S, C, D))
    y_sorted = np.repeat(np.arange(C), n)                               # task-ordered classes
    keys = rng.random((S, C * n)) + (0.0 if shuffle else task_of_class[y_sorted][None, :])
    order = np.argsort(keys, axis=1)
    y = y_sorted[order]                                                 # (S, N)
    X = np.take_along_axis(means, y[..., None], axis=1) + sig * rng.normal(size=(S, C * n, D))
    y_test = np.broadcast_to(np.repeat(np.arange(C), nt), (S, C * nt)).copy()
    X_test = np.take_along_axis(means, y_test[..., None], axis=1) + sig * rng.normal(size=(S, C * nt, D))
    task = np.repeat(np.arange(T), cpt * n) if not shuffle else np.full(C * n, T - 1)
    return Stream(X=X, y=y, task=task, X_test=X_test, y_test=y_test, task_of_class=task_of_class, means=means)


def reservoir_update(buf_X, buf_y, n_seen: int, x_new, y_new, *, rng: np.random.Generator):
    r"""Reservoir sampling (Vitter's algorithm R), vectorised over runs: the samples
    ``x_new`` (S, B, D), ``y_new`` (S, B) arrive one after another; sample number
    :math:`i` (0-based, counting ``n_seen`` earlier ones) fills slot :math:`i` while the buffer
    (capacity ``M`` = ``buf_X.shape[1]``) is not full, else replaces a uniformly random slot
    with probability :math:`M/(i+1)`. Every sample seen so far is then in the buffer with
    probability :math:`M/i`. Updates ``buf_X`` (S, M, D) and ``buf_y`` (S, M) in place and
    returns the new count ``n_seen + B``."""
    V.generator("rng", rng)
    if not (isinstance(buf_X, np.ndarray) and buf_X.dtype == np.float64 and buf_X.ndim == 3):
        raise TypeError("buf_X must be a float64 array (S, M, D), updated in place")
    if buf_X.size == 0:
        raise ValueError(f"buf_X must not be empty; got shape {buf_X.shape}")
    if not (isinstance(buf_y, np.ndarray) and np.issubdtype(buf_y.dtype, np.integer)
            and buf_y.shape == buf_X.shape[:2]):
        raise TypeError(f"buf_y must be an integer array of shape {buf_X.shape[:2]}, updated in place")
    if not np.all(np.isfinite(buf_X)):
        raise ValueError("buf_X must be finite")
    S, M, D = buf_X.shape
    xn = V.real_array("x_new", x_new, ndim=3)
    if xn.shape[0] != S or xn.shape[2] != D:
        raise ValueError(f"x_new must have shape ({S}, B, {D})")
    yn = V.int_array("y_new", y_new, shape=xn.shape[:2])
    i = V.integer("n_seen", n_seen, 0)
    rows = np.arange(S)
    for b in range(xn.shape[1]):
        if i < M:
            buf_X[:, i] = xn[:, b]
            buf_y[:, i] = yn[:, b]
        else:
            j = rng.integers(0, i + 1, size=S)
            hit = j < M
            buf_X[rows[hit], j[hit]] = xn[hit, b]
            buf_y[rows[hit], j[hit]] = yn[hit, b]
        i += 1
    return i


@dataclass(frozen=True)
class ContinualMLP:
    r"""``x -> h = relu(W1 x + b1) -> z = W h`` (bias-free head), for ``S`` runs at once.

    Parameters
    ----------
    dim, hidden, n_classes : positive ints D, H, C.

    Examples
    --------
    >>> import numpy as np
    >>> net = ContinualMLP(dim=3, hidden=4, n_classes=2)
    >>> net.n_params                          # 4*3 + 4 + 2*4
    24
    >>> [a.shape for a in net.unpack(net.init(n_runs=5, rng=np.random.default_rng(0)))]
    [(5, 4, 3), (5, 4), (5, 2, 4)]
    """

    dim: int
    hidden: int
    n_classes: int

    def __post_init__(self) -> None:
        for name in ("dim", "hidden", "n_classes"):
            object.__setattr__(self, name, V.positive_int(name, getattr(self, name)))

    @property
    def n_params(self) -> int:
        H, D, C = self.hidden, self.dim, self.n_classes
        return H * D + H + C * H

    def unpack(self, theta):
        """``theta`` (S, P) -> ``W1`` (S, H, D), ``b1`` (S, H), ``W`` (S, C, H) (views)."""
        th = V.real_array("theta", theta, ndim=2, last=self.n_params, allow_complex=True)
        H, D, C = self.hidden, self.dim, self.n_classes
        S = th.shape[0]
        return (th[:, :H * D].reshape(S, H, D), th[:, H * D:H * D + H],
                th[:, H * D + H:].reshape(S, C, H))

    def pack(self, W1, b1, W) -> np.ndarray:
        S = np.shape(W1)[0]
        return np.concatenate([np.reshape(W1, (S, -1)), np.reshape(b1, (S, -1)), np.reshape(W, (S, -1))],
                              axis=1)

    def init(self, *, n_runs: int, rng: np.random.Generator, head_scale: float = 1.0) -> np.ndarray:
        r"""He-normal :math:`W_1` (variance 2/D), :math:`b_1 = 0`, head rows
        :math:`N(0, \text{head\_scale}^2/H)`; shape (S, P)."""
        V.generator("rng", rng)
        S = V.positive_int("n_runs", n_runs)
        hs = V.positive_real("head_scale", head_scale)
        H, D, C = self.hidden, self.dim, self.n_classes
        W1 = rng.normal(0, np.sqrt(2.0 / D), size=(S, H, D))
        W = rng.normal(0, hs / np.sqrt(H), size=(S, C, H))
        return self.pack(W1, np.zeros((S, H)), W)

    # ------------------------------------------------------------ forward --
    def _X(self, X, S):
        x = V.real_array("X", X, ndim=3, last=self.dim, allow_complex=True)
        if x.shape[0] != S:
            raise ValueError(f"X must have {S} runs on its first axis; got {x.shape[0]}")
        return x

    def features(self, theta, X) -> np.ndarray:
        """Hidden features ``h`` (S, B, H)."""
        W1, b1, _ = self.unpack(theta)
        x = self._X(X, W1.shape[0])
        a = np.einsum("shd,sbd->sbh", W1, x) + b1[:, None, :]
        return a * (a.real > 0)

    def decompose(self, theta, X) -> dict[str, np.ndarray]:
        r"""``logits`` (S, B, C) :math:`z_c = w_c^\top h`, ``w_norm`` (S, C), ``h_norm`` (S, B),
        ``cos`` (S, B, C) :math:`\cos\theta_c` (0 where :math:`h = 0`)."""
        _, _, W = self.unpack(theta)
        h = self.features(theta, X)
        z = np.einsum("sch,sbh->sbc", W, h)
        wn = np.sqrt(np.sum(W * W, axis=-1))
        hn = np.sqrt(np.sum(h * h, axis=-1))
        cos = z / np.maximum(wn[:, None, :] * hn[..., None], _TINY)
        return {"logits": z, "w_norm": wn, "h_norm": hn, "cos": cos}

    def _seen(self, seen):
        m = np.asarray(seen)
        if m.dtype != bool or m.shape != (self.n_classes,) or not m.any():
            raise ValueError(f"seen must be a boolean mask of shape ({self.n_classes},) with a True entry")
        return m

    def _head_forward(self, W, h, head: str, tau: float):
        if head == "dot":
            return np.einsum("sch,sbh->sbc", W, h), None
        wn = np.sqrt(np.sum(W * W, axis=-1, keepdims=True))           # (S, C, 1)
        hn = np.sqrt(np.sum(h * h, axis=-1, keepdims=True))           # (S, B, 1)
        U = W / np.maximum(wn, _TINY)
        E = h / np.maximum(hn, _TINY)
        return tau * np.einsum("sch,sbh->sbc", U, E), (U, E, wn, hn)

    def loss(self, theta, X, y, seen, *, head: str = "dot", tau: float = 10.0) -> np.ndarray:
        """Mean cross-entropy per run (S,) over the ``seen`` classes (complex-step safe)."""
        return self._loss_grad(theta, X, y, seen, head, tau, grad=False)[0]

    def loss_and_grad(self, theta, X, y, seen, *, head: str = "dot", tau: float = 10.0):
        r"""Mean cross-entropy per run (S,) and its gradient (S, P); ``head`` ``"dot"`` (logits
        :math:`w_c^\top h`) or ``"cos"`` (logits :math:`\tau\cos\theta_c`)."""
        return self._loss_grad(theta, X, y, seen, head, tau, grad=True)

    def _loss_grad(self, theta, X, y, seen, head, tau, grad):
        V.choice("head", head, ("dot", "cos"))
        t = V.positive_real("tau", tau)
        m = self._seen(seen)
        W1, b1, W = self.unpack(theta)
        S = W1.shape[0]
        x = self._X(X, S)
        yy = np.asarray(y)
        if yy.shape != x.shape[:2] or not np.issubdtype(yy.dtype, np.integer):
            raise ValueError(f"y must be an integer array of shape {x.shape[:2]}")
        if np.any(yy < 0) or np.any(yy >= self.n_classes) or not np.all(m[yy]):
            raise ValueError("every label in y must be a seen class (seen[y] must be True)")
        pre = np.einsum("shd,sbd->sbh", W1, x) + b1[:, None, :]
        act = pre.real > 0
        h = pre * act
        z, cache = self._head_forward(W, h, head, t)
        z = np.where(m, z, _NEG)
        shift = np.max(z.real, axis=-1, keepdims=True)
        ez = np.where(m, np.exp(z - shift), 0.0)
        lse = np.log(ez.sum(axis=-1, keepdims=True)) + shift
        B = x.shape[1]
        zy = np.take_along_axis(z, yy[..., None], axis=-1)
        L = np.mean(lse - zy, axis=(1, 2))
        if not grad:
            return L, None
        g = ez / ez.sum(axis=-1, keepdims=True)
        g[np.arange(S)[:, None], np.arange(B)[None, :], yy] -= 1.0
        g /= B                                                          # dL/dz (S, B, C)
        if head == "dot":
            dW = np.einsum("sbc,sbh->sch", g, h)
            dh = np.einsum("sbc,sch->sbh", g, W)
        else:
            U, E, wn, hn = cache
            gU = t * np.einsum("sbc,sbh->sch", g, E)
            gE = t * np.einsum("sbc,sch->sbh", g, U)
            dW = (gU - U * np.sum(U * gU, axis=-1, keepdims=True)) / np.maximum(wn, _TINY)
            dh = (gE - E * np.sum(E * gE, axis=-1, keepdims=True)) / np.maximum(hn, _TINY)
        dpre = dh * act
        dW1 = np.einsum("sbh,sbd->shd", dpre, x)
        db1 = dpre.sum(axis=1)
        return L, self.pack(dW1, db1, dW)


def train_online(net: ContinualMLP, theta0, stream: Stream, *, method: str, buffer_size: int = 50,
                 batch: int = 10, replay_batch: int = 10, lr: float = 0.05, tau: float = 10.0,
                 rng: np.random.Generator) -> np.ndarray:
    r"""One pass over the stream with plain SGD, all runs in lockstep.

    At every step the next ``batch`` samples arrive; a replay batch of ``replay_batch`` is
    drawn uniformly from the reservoir buffer (once it holds samples); the loss is
    ``CE_current + CE_replay`` over the classes seen so far, with the current batch on
    dot-product logits (``method="er"``, experience replay) or on :math:`\tau\cos\theta`
    logits (``method="uer"``), the replay batch always on dot-product logits; then the
    arrived samples enter the buffer by reservoir sampling. ``method="sgd"`` uses no replay.

    Returns the final ``theta`` (S, P).
    """
    V.instance("net", net, ContinualMLP)
    V.choice("method", method, ("er", "uer", "sgd"))
    V.generator("rng", rng)
    V.instance("stream", stream, Stream, hint="from class_incremental_blobs")
    M = V.count("buffer_size", buffer_size)
    Bc = V.count("batch", batch)
    Br = V.count("replay_batch", replay_batch)
    V.elements("n_runs * buffer_size * dim", stream.X.shape[0] * M * stream.X.shape[2])
    V.elements("n_runs * replay_batch * hidden", stream.X.shape[0] * Br * max(net.hidden, stream.X.shape[2]))
    rate = V.positive_real("lr", lr)
    theta = V.real_array("theta0", theta0, ndim=2, last=net.n_params).copy()
    S, N, D = stream.X.shape
    if theta.shape[0] != S:
        raise ValueError(f"theta0 must have {S} rows (one per run of the stream)")
    buf_X = np.zeros((S, M, D))
    buf_y = np.zeros((S, M), dtype=int)
    seen = np.zeros(net.n_classes, bool)
    n_seen = 0
    rows = np.arange(S)[:, None]
    for start in range(0, N, Bc):
        xb, yb = stream.X[:, start:start + Bc], stream.y[:, start:start + Bc]
        seen[np.unique(yb)] = True
        head = "cos" if method == "uer" else "dot"
        _, g = net.loss_and_grad(theta, xb, yb, seen, head=head, tau=tau)
        if method != "sgd" and n_seen > 0:
            filled = min(n_seen, M)
            idx = rng.integers(0, filled, size=(S, Br))
            _, gr = net.loss_and_grad(theta, buf_X[rows, idx], buf_y[rows, idx], seen, head="dot", tau=tau)
            g = g + gr
        theta -= rate * g
        if method != "sgd":
            n_seen = reservoir_update(buf_X, buf_y, n_seen, xb, yb, rng=rng)
    return theta


def evaluate(net: ContinualMLP, theta, stream: Stream) -> dict[str, np.ndarray]:
    r"""Per run (S,): ``acc`` (dot-product predictions), ``acc_cos`` (cosine predictions),
    ``frac_last`` / ``frac_last_cos`` (fraction of test predictions in the last task's
    classes), ``w_norm`` (S, C), ``w_norm_old`` / ``w_norm_new`` (mean head-row norm of the
    earlier tasks' classes / the last task's), and the predicted-class histograms ``hist`` /
    ``hist_cos`` (S, C)."""
    V.instance("net", net, ContinualMLP)
    V.instance("stream", stream, Stream, hint="from class_incremental_blobs")
    d = net.decompose(theta, stream.X_test)
    pred = d["logits"].argmax(-1)
    pred_cos = d["cos"].argmax(-1)
    last = stream.task_of_class == stream.n_tasks - 1
    C = net.n_classes
    hist = np.stack([np.bincount(p, minlength=C) for p in pred]) / pred.shape[1]
    hist_cos = np.stack([np.bincount(p, minlength=C) for p in pred_cos]) / pred.shape[1]
    return {"acc": (pred == stream.y_test).mean(1), "acc_cos": (pred_cos == stream.y_test).mean(1),
            "frac_last": last[pred].mean(1), "frac_last_cos": last[pred_cos].mean(1),
            "w_norm": d["w_norm"], "w_norm_old": d["w_norm"][:, ~last].mean(1),
            "w_norm_new": d["w_norm"][:, last].mean(1), "hist": hist, "hist_cos": hist_cos}
