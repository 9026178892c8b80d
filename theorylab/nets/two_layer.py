r"""Two-layer networks whose scaling and activation are parameters, trained by full-batch
gradient descent; their infinite-width NTK; and the exact order-parameter closure of the
quadratic committee machine of Kumar et al. (2024).

The model (one hidden layer of width :math:`N`, no biases, ``n_out`` linear outputs):

.. math:: f(x;\theta) = \frac{\alpha}{N^{\gamma}} \sum_{i=1}^{N} a_i\,\phi(c\, w_i\cdot x),
          \qquad \gamma = \tfrac12 \text{ (``ntk``)},\quad \gamma = 1 \text{ (``mean-field``)},

with :math:`a_i \in \mathbb R^{n_{out}}`, laziness (output scale) :math:`\alpha` and input
multiplier :math:`c` (``input_scale``). It *is* a :class:`~theorylab.nets.dense.DenseNet`
``(dim, width, n_out)`` without biases and with weight multipliers :math:`(c, \alpha/N^\gamma)`,
so forward passes, per-example Jacobians and vector-Jacobian products are those of
``nets.dense`` (hand-written backprop, complex-step checked in ``tests/test_nets_dense.py``);
``theta`` has the dense layout ``[W (N, dim) row-major, A (n_out, N) row-major]``.

Contents

- :class:`TwoLayer` -- the architecture, its initialisations and its empirical NTK;
  :func:`quadratic_activation` -- :math:`\phi(h) = h + \varepsilon h^2/2`;
- :func:`ntk_analytic` -- the infinite-width NTK from the dual activations of
  :mod:`theorylab.kernels.dual`;
- :func:`gd` -- full-batch GD (squared or logistic loss, optional centred predictor,
  either layer frozen), batched over leading dimensions of ``theta`` (seeds, variants);
- :func:`gd_first_layer` -- the same GD with the first layer only, written out for speed;
- :func:`gd_fixed_readout` -- the same GD for a frozen read-out, run exactly in the span of
  the training inputs, :math:`W_t = W_0 + c\,C_t^\top X` (cost per step :math:`O(n^2N)` instead
  of :math:`O(nNd)`: the XOR data have :math:`d \gg n`);
- :func:`committee_moments`, :func:`committee_closure_gd`, :func:`committee_test_loss` --
  the closure of GD on the sufficient statistics :math:`(\bar w, M)` and the exact test-loss
  decomposition (eq. 6 of Kumar et al.);
- :func:`isserlis_moment4`, :func:`quadratic_feature_moment` -- Gaussian fourth moments and
  the second-moment matrix of the committee's NTK feature map (its spectrum);
- :func:`xor_clusters` -- the XOR-cluster data of Xu et al. (2024).

Used by ``notebooks/kernels/grokking-lazy-rich.md``, ``xor-benign-overfitting-grokking.md``,
``nonlinearity-representational-geometry.md`` and ``diffusion-score-ntk.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from .. import _validate as V
from ..kernels import dual as _dual
from .dense import ACTIVATIONS as _DENSE_ACTS
from .dense import DenseNet

__all__ = [
    "SCALINGS",
    "GDResult",
    "FixedReadoutResult",
    "TwoLayer",
    "committee_closure_gd",
    "committee_moments",
    "committee_predict",
    "committee_test_loss",
    "fixed_readout_preacts",
    "gd",
    "gd_first_layer",
    "gd_fixed_readout",
    "isserlis_moment4",
    "ntk_analytic",
    "quadratic_activation",
    "quadratic_feature_moment",
    "xor_clusters",
]

SCALINGS = {"ntk": 0.5, "mean-field": 1.0}
"""Output-scaling exponents :math:`\\gamma` of the read-out multiplier :math:`\\alpha/N^\\gamma`."""

_KERNEL_NAMES = {"linear": "identity"}
_MAX_STEPS = 10**8
"""Upper limit on the number of GD steps (an absurd value fails at once instead of looping)."""



def quadratic_activation(eps: float) -> tuple[Callable, Callable, Callable]:
    r""":math:`\phi(h) = h + \tfrac{\varepsilon}{2}h^2` as a ``(phi, dphi, d2phi)`` triple
    (complex-step safe), the activation of the committee machine of Kumar et al. (2024, sec. 3).

    Examples
    --------
    >>> phi, dphi, d2phi = quadratic_activation(0.5)
    >>> float(phi(2.0)), float(dphi(2.0)), float(d2phi(2.0))
    (3.0, 2.0, 0.5)
    """
    e = V.nonneg_real("eps", eps)
    return (lambda z: z + 0.5 * e * z * z, lambda z: 1.0 + e * z, lambda z: np.full(np.shape(z), e))


@dataclass(frozen=True)
class TwoLayer:
    r"""A two-layer network :math:`f(x) = \frac{\alpha}{N^\gamma}\sum_i a_i\phi(c\,w_i\cdot x)`.

    Parameters
    ----------
    dim, width, n_out : input size :math:`d`, hidden width :math:`N`, number of outputs.
    activation : a name of :data:`theorylab.nets.dense.ACTIVATIONS` (``relu``, ``tanh``,
        ``square``, ``linear``, ...) or ``"quadratic"`` (:math:`h + \varepsilon h^2/2`, with ``eps``).
    scaling : ``"ntk"`` (:math:`\gamma = 1/2`) or ``"mean-field"`` (:math:`\gamma = 1`).
    alpha : output scale (laziness) :math:`\alpha > 0`.
    input_scale : input multiplier :math:`c > 0` (e.g. :math:`1/\sqrt d`).
    eps : :math:`\varepsilon` of the quadratic activation (ignored otherwise).

    Attributes
    ----------
    net : the equivalent :class:`~theorylab.nets.dense.DenseNet`.

    Examples
    --------
    >>> import numpy as np
    >>> m = TwoLayer(dim=3, width=4, activation="relu", scaling="mean-field", alpha=2.0)
    >>> m.n_params                                   # 4 x 3 first layer + 1 x 4 read-out
    16
    >>> th = m.init(rng=np.random.default_rng(0), readout="ones")
    >>> W, A = m.unpack(th)
    >>> X = np.random.default_rng(1).normal(size=(5, 3))
    >>> bool(np.allclose(m.forward(th, X)[:, 0], 2.0 / 4 * np.maximum(X @ W.T, 0).sum(1)))
    True
    """

    dim: int
    width: int
    n_out: int = 1
    activation: str = "relu"
    scaling: str = "ntk"
    alpha: float = 1.0
    input_scale: float = 1.0
    eps: float = 0.0
    net: DenseNet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        V.positive_int("dim", self.dim)
        V.positive_int("width", self.width)
        V.positive_int("n_out", self.n_out)
        V.choice("scaling", self.scaling, SCALINGS)
        V.positive_real("alpha", self.alpha)
        V.positive_real("input_scale", self.input_scale)
        V.nonneg_real("eps", self.eps)
        if self.activation == "quadratic":
            act = quadratic_activation(self.eps)
        else:
            V.choice("activation", self.activation, set(_DENSE_ACTS) | {"quadratic"})
            act = self.activation
        net = DenseNet((self.dim, self.width, self.n_out), activation=act, bias=False,
                       weight_mult=(float(self.input_scale), float(self.readout_mult)))
        object.__setattr__(self, "net", net)

    # ----------------------------------------------------------- layout --
    @property
    def phi(self) -> tuple[Callable, Callable, Callable]:
        """The activation as ``(phi, dphi, d2phi)`` (from :data:`theorylab.nets.dense.ACTIVATIONS`)."""
        if self.activation == "quadratic":
            return quadratic_activation(self.eps)
        return _DENSE_ACTS[self.activation]

    def check_theta(self, theta, name: str = "theta") -> np.ndarray:
        """``theta`` as a float64 array (..., P), else ``ValueError``/``TypeError`` naming it."""
        return V.real_array(name, theta, min_ndim=1, last=self.n_params)

    def check_inputs(self, X, name: str = "X") -> np.ndarray:
        """Inputs as a float64 array (..., n, dim), else ``ValueError``/``TypeError`` naming them."""
        return V.real_array(name, X, min_ndim=2, last=self.dim)

    @property
    def readout_mult(self) -> float:
        r"""The read-out multiplier :math:`\alpha/N^\gamma`."""
        return float(self.alpha) / float(self.width) ** SCALINGS[self.scaling]

    @property
    def n_params(self) -> int:
        """Number of parameters :math:`N d + n_{out} N`."""
        return self.width * (self.dim + self.n_out)

    def mask(self, *, train_first: bool = True, train_readout: bool = True) -> np.ndarray:
        """Boolean (P,) mask of the trained parameters (first layer first, then read-out)."""
        first = np.full(self.width * self.dim, bool(train_first))
        return np.concatenate([first, np.full(self.width * self.n_out, bool(train_readout))])

    def unpack(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """``theta`` (..., P) -> ``(W (..., N, dim), A (..., n_out, N))`` (copies)."""
        (W, _), (A, _) = self.net.unpack(theta)
        return W, A

    def pack(self, W, A) -> np.ndarray:
        """Inverse of :meth:`unpack`."""
        return self.net.pack([(W, None), (A, None)])

    def init(self, *, rng: np.random.Generator, weight_std: float = 1.0, readout: str = "gaussian",
             readout_std: float = 1.0, batch: tuple = (), symmetric: bool = False) -> np.ndarray:
        r"""Random ``theta`` of shape ``batch + (P,)``.

        First-layer weights i.i.d. :math:`N(0, \text{weight\_std}^2)` (raw, before the input
        multiplier); read-out ``"gaussian"`` (:math:`N(0, \text{readout\_std}^2)`), ``"sign"``
        (:math:`\pm\text{readout\_std}` with probability 1/2) or ``"ones"`` (all
        ``readout_std``). ``symmetric=True`` (even ``width``) duplicates the first half of the
        neurons with negated read-outs, so that :math:`f(\cdot;\theta_0) = 0` exactly (the
        antisymmetric initialisation of Chizat et al. 2019) while the NTK keeps its law.
        """
        V.generator("rng", rng)
        ws, rs = V.nonneg_real("weight_std", weight_std), V.nonneg_real("readout_std", readout_std)
        V.choice("readout", readout, ("gaussian", "sign", "ones"))
        if not isinstance(batch, tuple):
            raise TypeError("batch must be a tuple of ints")
        batch = tuple(V.positive_int("batch", b) for b in batch)
        N = self.width
        if symmetric and N % 2:
            raise ValueError(f"symmetric initialisation needs an even width; got {N}")
        n_draw = N // 2 if symmetric else N
        W = ws * rng.standard_normal(batch + (n_draw, self.dim))
        if readout == "gaussian":
            A = rs * rng.standard_normal(batch + (self.n_out, n_draw))
        elif readout == "sign":
            A = rs * rng.choice(np.array([-1.0, 1.0]), size=batch + (self.n_out, n_draw))
        else:
            A = np.full(batch + (self.n_out, n_draw), rs)
        if symmetric:
            W = np.concatenate([W, W], axis=-2)
            A = np.concatenate([A, -A], axis=-1)
        return self.pack(W, A)

    # ---------------------------------------------------------- outputs --
    def forward(self, theta, X) -> np.ndarray:
        """Outputs, ``theta`` (..., P), ``X`` (..., n, dim) -> (..., n, n_out)."""
        return self.net.forward(theta, X)

    def preacts(self, theta, X) -> np.ndarray:
        r"""Hidden pre-activations :math:`c\,w_i\cdot x`, (..., n, N)."""
        return self.net.layer_stats(theta, X).preacts[0]

    def hidden(self, theta, X) -> np.ndarray:
        r"""Hidden representation :math:`\phi(c\,w_i\cdot x)`, (..., n, N)."""
        return self.net.hidden(theta, X)[0]

    def ntk(self, theta, X, X2=None, *, train_first: bool = True, train_readout: bool = True) -> np.ndarray:
        r"""Empirical NTK :math:`\hat\Theta(x, x') = \partial_\theta f(x)\cdot\partial_\theta f(x')`
        over the trained parameters, (..., n, n2); scalar output only. From the exact
        per-example Jacobians of :meth:`theorylab.nets.dense.DenseNet.jacobian`."""
        if self.n_out != 1:
            raise ValueError(f"ntk is implemented for n_out = 1; got {self.n_out}")
        mask = self.mask(train_first=train_first, train_readout=train_readout)
        J = self.net.jacobian(theta, X)[..., 0, :][..., mask]
        J2 = J if X2 is None else self.net.jacobian(theta, X2)[..., 0, :][..., mask]
        return np.matmul(J, np.swapaxes(J2, -1, -2))


def _duals(activation: str, eps: float, k11, k12, k22, *, deriv: bool, n_nodes: int):
    """E[phi phi] or E[phi' phi'] for the model's activation (closed forms where they exist)."""
    if activation == "quadratic":
        # phi = h + eps h^2 / 2: Isserlis gives E = k12 + eps^2/4 (k11 k22 + 2 k12^2),
        # E' = 1 + eps^2 k12 -- identity + (eps^2/4) * square, through kernels.dual
        f = _dual.dual_deriv_exact if deriv else _dual.dual_exact
        return f("identity", k11, k12, k22) + 0.25 * eps * eps * f("square", k11, k12, k22)
    name = _KERNEL_NAMES.get(activation, activation)
    table = _dual.EXACT_DERIV_DUALS if deriv else _dual.EXACT_DUALS
    if name in table:
        return (_dual.dual_deriv_exact if deriv else _dual.dual_exact)(name, k11, k12, k22)
    if name in _dual.ACTIVATIONS:
        return (_dual.dual_deriv_quad if deriv else _dual.dual_quad)(name, k11, k12, k22, n_nodes=n_nodes)
    raise ValueError(f"activation {activation!r} has no dual activation in theorylab.kernels.dual")


def ntk_analytic(X, X2=None, *, activation: str = "relu", weight_std: float = 1.0, readout_std: float = 1.0,
                 input_scale: float = 1.0, alpha: float = 1.0, eps: float = 0.0, train_first: bool = True,
                 train_readout: bool = True, n_nodes: int = 100) -> np.ndarray:
    r"""Infinite-width NTK of :class:`TwoLayer` in the ``ntk`` scaling, (n, n2).

    With :math:`u = c\,w\cdot x`, :math:`v = c\,w\cdot x'`, :math:`w\sim N(0,\sigma_w^2 I)`,
    so :math:`(u, v)` is centred Gaussian with covariance
    :math:`\sigma_w^2c^2\begin{pmatrix}|x|^2 & x\cdot x'\\ x\cdot x' & |x'|^2\end{pmatrix}`,

    .. math:: \Theta(x, x') = \alpha^2\Big[\mathbb 1_{\text{first}}\,\sigma_a^2c^2\,(x\cdot x')\,
              \mathbb E\,\phi'(u)\phi'(v) + \mathbb 1_{\text{readout}}\,\mathbb E\,\phi(u)\phi(v)\Big]

    (Jacot et al. 2018), the limit of :meth:`TwoLayer.ntk` as :math:`N\to\infty` for i.i.d.
    read-outs of variance :math:`\sigma_a^2` (``readout_std``:sup:`2`; also for ``sign``
    read-outs). The dual activations come from :mod:`theorylab.kernels.dual` (closed forms for
    ``relu``, ``linear``, ``square``, ``erf``, ``sin``, ``quadratic``; Gauss-Hermite otherwise).
    For ReLU with a frozen read-out, :math:`\Theta = \sigma_a^2c^2(x\cdot x')(\pi-\vartheta)/(2\pi)`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> K = ntk_analytic(X, activation="relu", train_readout=False)
    >>> np.round(K, 6).tolist()                       # (x.x') (pi - theta)/(2 pi)
    [[0.5, 0.0], [0.0, 0.5]]
    """
    Xa = V.real_array("X", X, ndim=2)
    X2a = Xa if X2 is None else V.real_array("X2", X2, ndim=2, last=Xa.shape[1])
    sw, sa = V.nonneg_real("weight_std", weight_std), V.nonneg_real("readout_std", readout_std)
    c, al = V.positive_real("input_scale", input_scale), V.positive_real("alpha", alpha)
    e = V.nonneg_real("eps", eps)
    train_first, train_readout = V.flag("train_first", train_first), V.flag("train_readout", train_readout)
    n_nodes = V.count("n_nodes", n_nodes, high=150)
    if not isinstance(activation, str):
        raise TypeError("activation must be a name")
    G = Xa @ X2a.T
    s = (sw * c) ** 2
    k11 = s * np.einsum("ij,ij->i", Xa, Xa)[:, None]
    k22 = s * np.einsum("ij,ij->i", X2a, X2a)[None, :]
    k12 = s * G
    out = np.zeros_like(G)
    if train_first:
        out += sa * sa * c * c * G * _duals(activation, e, k11, k12, k22, deriv=True, n_nodes=n_nodes)
    if train_readout:
        out += _duals(activation, e, k11, k12, k22, deriv=False, n_nodes=n_nodes)
    if X2 is None:
        out = 0.5 * (out + out.T)                  # quadrature duals are symmetric only to round-off
    return al * al * out


# ------------------------------------------------------------------ training --
@dataclass(frozen=True)
class GDResult:
    """Outcome of :func:`gd`.

    Attributes
    ----------
    theta : (..., P) final parameters.
    loss : (n_steps + 1, ...) training loss before each step and after the last.
    steps : (k,) the recorded steps.
    records : dict name -> array (k, ...) of the ``record`` callback's outputs (always holds
        ``"theta"`` when ``keep_theta`` was set).
    """

    theta: np.ndarray
    loss: np.ndarray
    steps: np.ndarray
    records: dict


def _loss_and_cot(F, Y, loss: str):
    n = F.shape[-2]
    if loss == "mse":
        R = F - Y
        return 0.5 * np.sum(R * R, axis=(-2, -1)) / n, R / n
    z = Y * F
    return np.sum(np.logaddexp(0.0, -z), axis=(-2, -1)) / n, -Y * special.expit(-z) / n


def _steps(name: str, record_steps, n_steps: int) -> np.ndarray:
    if record_steps is None:
        return np.array([n_steps])
    s = np.unique(V.int_array(name, record_steps, ndim=1, nonempty=True, low=0))
    if s.max() > n_steps:
        raise ValueError(f"{name} must lie in [0, n_steps] = [0, {n_steps}]; got max {s.max()}")
    return s


def _model(model) -> "TwoLayer":
    return V.instance("model", model, TwoLayer, hint="build one with TwoLayer(dim=..., width=...)")


def _batch(th, Xa, Y):
    """Broadcast ``theta0`` (..., P), ``X`` (..., n, d) and ``y`` (..., n, o) to one batch shape."""
    lead = th.shape[:-1]
    for name, shp in (("X", Xa.shape[:-2]), ("y", Y.shape[:-2])):
        try:
            lead = np.broadcast_shapes(lead, shp)
        except ValueError:
            raise ValueError(f"{name} has leading (batch) dimensions {shp} that do not broadcast against "
                             f"theta0's {th.shape[:-1]}") from None
    return np.broadcast_to(th, lead + th.shape[-1:]).copy(), Xa, Y


def _targets(model: TwoLayer, y, loss: str, lead_n: tuple) -> np.ndarray:
    Y = V.real_array("y", y, min_ndim=1)
    if model.n_out == 1 and (Y.ndim == 1 or Y.shape[-1] != 1):
        Y = Y[..., None]
    if Y.ndim < 2 or Y.shape[-1] != model.n_out:
        raise ValueError(f"y must have trailing size n_out = {model.n_out}; got {Y.shape}")
    if Y.shape[-2] != lead_n[-1]:
        raise ValueError(f"y must have {lead_n[-1]} rows (one per input); got {Y.shape}")
    if loss == "logistic" and not np.all(np.abs(Y) == 1):
        raise ValueError("logistic loss needs labels y in {-1, +1}")
    return Y


def gd(model: TwoLayer, theta0, X, y, *, lr: float, n_steps: int, loss: str = "mse", train_first: bool = True,
       train_readout: bool = True, centred: bool = False, record_steps: Sequence[int] | None = None,
       record: Callable | None = None, keep_theta: bool = False) -> GDResult:
    r"""Full-batch gradient descent :math:`\theta \leftarrow \theta - \eta\,\nabla L(\theta)` on

    - ``loss="mse"``: :math:`L = \frac1{2n}\sum_i\lVert F(x_i) - y_i\rVert^2`;
    - ``loss="logistic"`` (``n_out = 1``, :math:`y\in\{\pm1\}`): :math:`L = \frac1n\sum_i \log(1+e^{-y_iF(x_i)})`,

    with :math:`F = f(\cdot;\theta)`, or :math:`F = f(\cdot;\theta) - f(\cdot;\theta_0)` when
    ``centred`` (the centred predictor of Chizat et al. 2019, used by Kumar et al. 2024 App. 8.1).
    The gradient is the exact vector-Jacobian product of :meth:`theorylab.nets.dense.DenseNet.vjp`
    (public API only: one forward pass for the loss, one for the product);
    frozen layers are masked. ``theta0`` may carry leading batch dimensions (seeds or
    variants, trained in one vectorised pass), ``X`` is (n, dim) or batched like ``theta0``.

    Parameters
    ----------
    model : the architecture.
    theta0 : (..., P) initial parameters.
    X : (n, dim) or (..., n, dim) training inputs;  y : (n,), (n, n_out) or batched targets.
    lr : step size :math:`\eta > 0`.  n_steps : number of steps (>= 0).
    record_steps : steps (0..n_steps) at which ``record(theta, step) -> dict`` is called
        (and ``theta`` kept if ``keep_theta``); default: the last.

    Returns
    -------
    GDResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> m = TwoLayer(dim=2, width=8, activation="tanh")
    >>> X = rng.normal(size=(6, 2)); y = np.sin(X[:, 0])
    >>> res = gd(m, m.init(rng=rng), X, y, lr=0.5, n_steps=200)
    >>> bool(res.loss[-1] < 0.2 * res.loss[0])
    True
    """
    model = _model(model)
    V.choice("loss", loss, ("mse", "logistic"))
    if loss == "logistic" and model.n_out != 1:
        raise ValueError("the logistic loss needs n_out = 1")
    eta = V.positive_real("lr", lr)
    T = V.count("n_steps", n_steps, low=0, high=_MAX_STEPS)
    train_first, train_readout = V.flag("train_first", train_first), V.flag("train_readout", train_readout)
    centred, keep_theta = V.flag("centred", centred), V.flag("keep_theta", keep_theta)
    record = V.optional(V.function, "record", record, what="(theta, step) -> dict")
    th = np.array(model.check_theta(theta0, "theta0"), dtype=float)
    Xa = model.check_inputs(X)
    Y = _targets(model, y, loss, Xa.shape[:-1])
    th, Xa, Y = _batch(th, Xa, Y)
    steps = _steps("record_steps", record_steps, T)
    mask = model.mask(train_first=train_first, train_readout=train_readout).astype(float)
    F0 = model.net.forward(th, Xa) if centred else 0.0
    losses, recs = [], {}
    keep = set(steps.tolist())
    for t in range(T + 1):
        if t in keep:
            out = dict(record(th, t)) if record is not None else {}
            if keep_theta:
                out["theta"] = th.copy()
            for k, v in out.items():
                recs.setdefault(k, []).append(np.asarray(v))
        L, U = _loss_and_cot(model.net.forward(th, Xa) - F0, Y, loss)
        losses.append(L)
        if not np.all(np.isfinite(L)):
            raise ValueError(f"GD diverged at step {t} (non-finite loss): reduce lr")
        if t == T:
            break
        th = th - eta * mask * model.net.vjp(th, Xa, U)
    return GDResult(theta=th, loss=np.array(losses), steps=steps,
                    records={k: np.stack(v) for k, v in recs.items()})


@dataclass(frozen=True)
class FixedReadoutResult:
    r"""Outcome of :func:`gd_fixed_readout`: the first layer at each recorded step is
    :math:`W_t = W_0 + c\,C_t^\top X`.

    Attributes
    ----------
    C : (k, ..., n, N) span coefficients at the recorded steps.
    Z : (k, ..., n, N) training pre-activations :math:`c\,X W_t^\top` at the recorded steps.
    loss : (n_steps + 1, ...) training loss.
    steps : (k,) recorded steps.
    """

    C: np.ndarray
    Z: np.ndarray
    loss: np.ndarray
    steps: np.ndarray


def gd_fixed_readout(model: TwoLayer, theta0, X, y, *, lr: float, n_steps: int, loss: str = "mse",
                     record_steps: Sequence[int] | None = None) -> FixedReadoutResult:
    r"""Full-batch GD of the first layer only (read-out frozen), exactly, in the span of the data.

    The gradient of :math:`L` with respect to :math:`w_j` is
    :math:`c\sum_i D_{ij}\,x_i` with :math:`D_{ij} = \phi'(z_{ij})\,(u_i\cdot \bar a_j)`,
    :math:`u_i = \partial L/\partial F_i`, :math:`\bar a = (\alpha/N^\gamma)A`. Hence
    :math:`W_t = W_0 + c\,C_t^\top X` with :math:`C_{t+1} = C_t - \eta D_t`, and the
    pre-activations evolve by :math:`Z_{t+1} = Z_t - \eta c^2\,(XX^\top) D_t` -- the same
    iterates as :func:`gd` with ``train_readout=False`` (to round-off), at :math:`O(n^2N)` per
    step. Same losses and batching as :func:`gd` (no centring).

    Returns
    -------
    FixedReadoutResult; test pre-activations via :func:`fixed_readout_preacts`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> m = TwoLayer(dim=50, width=6, activation="relu")
    >>> th = m.init(rng=rng, readout="sign"); X = rng.normal(size=(4, 50)); y = np.array([1., -1, 1, -1])
    >>> a = gd_fixed_readout(m, th, X, y, lr=0.1, n_steps=5, loss="logistic")
    >>> b = gd(m, th, X, y, lr=0.1, n_steps=5, loss="logistic", train_readout=False)
    >>> bool(np.allclose(a.loss, b.loss, rtol=1e-12))
    True
    """
    model = _model(model)
    V.choice("loss", loss, ("mse", "logistic"))
    if loss == "logistic" and model.n_out != 1:
        raise ValueError("the logistic loss needs n_out = 1")
    eta = V.positive_real("lr", lr)
    T = V.count("n_steps", n_steps, low=0, high=_MAX_STEPS)
    th = model.check_theta(theta0, "theta0")
    Xa = model.check_inputs(X)
    Y = _targets(model, y, loss, Xa.shape[:-1])
    th, Xa, Y = _batch(th, Xa, Y)
    steps = _steps("record_steps", record_steps, T)
    W0, A = model.unpack(th)
    Abar = model.readout_mult * A                                    # (..., n_out, N)
    c = float(model.input_scale)
    phi, dphi, _ = model.phi
    Gram = np.matmul(Xa, np.swapaxes(Xa, -1, -2))                    # (..., n, n)
    Z = c * np.matmul(Xa, np.swapaxes(W0, -1, -2))                   # (..., n, N)
    C = np.zeros(np.broadcast_shapes(Z.shape, Abar.shape[:-2] + (1, 1)))
    Z = np.broadcast_to(Z, C.shape).copy()
    Cs, Zs, losses = [], [], []
    keep = set(steps.tolist())
    for t in range(T + 1):
        if t in keep:
            Cs.append(C.copy())
            Zs.append(Z.copy())
        F = np.matmul(phi(Z), np.swapaxes(Abar, -1, -2))
        L, U = _loss_and_cot(F, Y, loss)
        losses.append(L)
        if not np.all(np.isfinite(L)):
            raise ValueError(f"GD diverged at step {t} (non-finite loss): reduce lr")
        if t == T:
            break
        D = dphi(Z) * np.matmul(U, Abar)                              # (..., n, N)
        C = C - eta * D
        Z = Z - eta * c * c * np.matmul(Gram, D)
    return FixedReadoutResult(C=np.stack(Cs), Z=np.stack(Zs), loss=np.array(losses), steps=steps)


def gd_first_layer(model: TwoLayer, theta0, X, y, *, lr: float, n_steps: int, loss: str = "mse",
                   record_steps: Sequence[int] | None = None) -> GDResult:
    r"""Full-batch GD of the first layer only, read-out frozen, in the weight space: the
    iterates of :func:`gd` with ``train_readout=False`` (to round-off; tested), with the
    two-layer backward pass written out, :math:`\nabla_{W}L = c\,D^\top X`,
    :math:`D = \phi'(Z)\circ(U\bar A)` -- about three times fewer passes over the
    :math:`n\times N` arrays than the general dense backprop, for wide networks on
    low-dimensional inputs (the score network of ``diffusion-score-ntk``). ``theta`` is kept
    at ``record_steps`` in ``records["theta"]``.
    """
    model = _model(model)
    V.choice("loss", loss, ("mse", "logistic"))
    if loss == "logistic" and model.n_out != 1:
        raise ValueError("the logistic loss needs n_out = 1")
    eta = V.positive_real("lr", lr)
    T = V.count("n_steps", n_steps, low=0, high=_MAX_STEPS)
    th = model.check_theta(theta0, "theta0")
    Xa = model.check_inputs(X)
    Y = _targets(model, y, loss, Xa.shape[:-1])
    th, Xa, Y = _batch(th, Xa, Y)
    steps = _steps("record_steps", record_steps, T)
    W, A = model.unpack(th)
    Abar = model.readout_mult * A
    c = float(model.input_scale)
    if model.activation == "relu":
        phi, dphi = (lambda z: np.maximum(z, 0.0)), (lambda z: (z > 0).astype(float))
    else:
        phi, dphi, _ = model.phi
    Xc = c * Xa
    XcT = np.swapaxes(Xc, -1, -2)
    keep = set(steps.tolist())
    thetas, losses = [], []
    for t in range(T + 1):
        if t in keep:
            thetas.append(model.pack(W, A))
        Z = np.matmul(Xc, np.swapaxes(W, -1, -2))
        F = np.matmul(phi(Z), np.swapaxes(Abar, -1, -2))
        L, U = _loss_and_cot(F, Y, loss)
        losses.append(L)
        if not np.all(np.isfinite(L)):
            raise ValueError(f"GD diverged at step {t} (non-finite loss): reduce lr")
        if t == T:
            break
        if model.n_out == 1:                       # X^T (phi'(Z) o u a^T) = ((u o X)^T phi'(Z)) o a
            G = np.matmul(np.swapaxes(Xc * U, -1, -2), dphi(Z)) * Abar
        else:
            G = np.matmul(XcT, dphi(Z) * np.matmul(U, Abar))
        W = W - eta * np.swapaxes(G, -1, -2)
    return GDResult(theta=model.pack(W, A), loss=np.array(losses), steps=steps,
                    records={"theta": np.stack(thetas)})


def fixed_readout_preacts(model: TwoLayer, theta0, X, C, X_new) -> np.ndarray:
    r"""Pre-activations :math:`c\,X_{new}W_t^\top = c\,X_{new}W_0^\top + c^2(X_{new}X^\top)C_t`
    of new inputs for span coefficients ``C`` (..., n, N) from :func:`gd_fixed_readout`;
    returns (..., n_new, N)."""
    model = _model(model)
    th = model.check_theta(theta0, "theta0")
    Xa, Xn = model.check_inputs(X), model.check_inputs(X_new, "X_new")
    Ca = V.real_array("C", C, min_ndim=2, last=model.width)
    W0, _ = model.unpack(th)
    c = float(model.input_scale)
    return c * np.matmul(Xn, np.swapaxes(W0, -1, -2)) + c * c * np.matmul(np.matmul(Xn, np.swapaxes(Xa, -1, -2)), Ca)


# ------------------------------------------------- the committee machine closure --
def _positive_array(name: str, v, *, strict: bool = True) -> np.ndarray:
    """A float or array of finite values > 0 (>= 0 unless ``strict``)."""
    a = V.array(name, v)
    if np.any(a < 0) or (strict and np.any(a == 0)):
        raise ValueError(f"{name} must be {'>' if strict else '>='} 0 everywhere")
    return a


def committee_moments(W) -> tuple[np.ndarray, np.ndarray]:
    r"""Sufficient statistics :math:`\bar w = \frac1N\sum_i w_i` (..., D) and
    :math:`M = \frac1N\sum_i w_iw_i^\top` (..., D, D) of first-layer weights ``W`` (..., N, D)
    (Kumar et al. 2024, sec. 3: :math:`f(x) = \alpha\,\bar w\cdot x + \frac{\alpha\varepsilon}{2}x^\top Mx`)."""
    Wa = V.real_array("W", W, min_ndim=2)
    N = Wa.shape[-2]
    return Wa.mean(axis=-2), np.matmul(np.swapaxes(Wa, -1, -2), Wa) / N


def committee_predict(wbar, M, X, *, alpha, eps: float, wbar0=None, M0=None) -> np.ndarray:
    r"""Committee output :math:`\alpha[(\bar w - \bar w_0)\cdot x + \frac\varepsilon2 x^\top(M - M_0)x]`
    (centred when ``wbar0, M0`` are given), (..., n) for ``X`` (n, D); ``alpha`` broadcasts
    against the leading dimensions of ``wbar``."""
    wb, Mm = V.real_array("wbar", wbar, min_ndim=1), V.real_array("M", M, min_ndim=2)
    Xa = V.real_array("X", X, ndim=2, last=wb.shape[-1])
    al = _positive_array("alpha", alpha)
    ea = _positive_array("eps", eps, strict=False)
    if wbar0 is not None:
        wb = wb - V.real_array("wbar0", wbar0, min_ndim=1)
    if M0 is not None:
        Mm = Mm - V.real_array("M0", M0, min_ndim=2)
    lin = np.matmul(wb, Xa.T)
    quad = np.sum(np.matmul(Xa, Mm) * Xa, axis=-1)
    return al[..., None] * (lin + 0.5 * ea[..., None] * quad)


def committee_closure_gd(wbar0, M0, X, y, *, alpha, eps: float, lr0: float = 2.0, n_steps: int,
                         record_steps: Sequence[int] | None = None) -> dict:
    r"""Exact GD of the centred quadratic committee machine on its sufficient statistics.

    Model :math:`F(x) = \alpha[f(x) - f_0(x)]`, :math:`f = \frac1N\sum_i\phi(w_i\cdot x)`,
    :math:`\phi(h) = h + \frac\varepsilon2h^2`, loss :math:`\frac1{2P}\sum_\mu r_\mu^2`,
    step :math:`\eta = \eta_0 N/\alpha^2`. Every neuron moves by the same affine map,
    :math:`w_i \leftarrow A w_i - b` with

    .. math:: A = I - \frac{\eta_0\varepsilon}{\alpha}G,\quad b = \frac{\eta_0}{\alpha}g,\quad
              g = \frac1P\sum_\mu r_\mu x_\mu,\quad G = \frac1P\sum_\mu r_\mu x_\mu x_\mu^\top,

    so :math:`\bar w \leftarrow A\bar w - b` and
    :math:`M \leftarrow AMA^\top - (A\bar w)b^\top - b(A\bar w)^\top + bb^\top`: the dynamics
    closes exactly on :math:`(\bar w, M)` at cost :math:`O(PD^2 + D^3)` per step, independent
    of :math:`N` [derived; the statistics are those of Kumar et al. 2024, sec. 3]. The authors'
    code (torch MSE = mean :math:`r^2`, :math:`\eta = N/\alpha^2`) is ``lr0 = 2``.

    Parameters
    ----------
    wbar0 : (D,) or (..., D);  M0 : (D, D) or (..., D, D) initial statistics.
    X : (P, D) training inputs;  y : (P,) targets.
    alpha, eps : laziness :math:`\alpha > 0` and :math:`\varepsilon \ge 0`, floats or arrays
        broadcasting against the leading dimensions (several variants in one vectorised run).
    lr0 : :math:`\eta_0`;  n_steps : number of steps.
    record_steps : steps at which :math:`(\bar w, M)` are kept (default: the last).

    Returns
    -------
    dict with ``steps`` (k,), ``wbar`` (k, ..., D), ``M`` (k, ..., D, D) and ``train_loss``
    (n_steps + 1, ...) -- the loss :math:`\frac1P\sum r^2` (mean squared residual).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> W = rng.normal(size=(20, 3)); X = rng.normal(size=(10, 3)) / np.sqrt(3); y = X[:, 0] ** 2
    >>> wb, M = committee_moments(W)
    >>> out = committee_closure_gd(wb, M, X, y, alpha=1.0, eps=0.5, n_steps=100)
    >>> bool(out["train_loss"][-1] < out["train_loss"][0])
    True
    """
    wb0 = V.real_array("wbar0", wbar0, min_ndim=1)
    Mm0 = V.real_array("M0", M0, min_ndim=2)
    D = wb0.shape[-1]
    if Mm0.shape[-2:] != (D, D):
        raise ValueError(f"M0 must have trailing shape ({D}, {D}); got {Mm0.shape}")
    Xa = V.real_array("X", X, ndim=2, last=D)
    ya = V.real_array("y", y, ndim=1)
    if ya.shape[0] != Xa.shape[0]:
        raise ValueError(f"y must have {Xa.shape[0]} entries; got {ya.shape[0]}")
    al = _positive_array("alpha", alpha)
    ea = _positive_array("eps", eps, strict=False)
    eta0 = V.positive_real("lr0", lr0)
    T = V.count("n_steps", n_steps, low=0, high=_MAX_STEPS)
    steps = _steps("record_steps", record_steps, T)
    P = Xa.shape[0]
    lead = np.broadcast_shapes(wb0.shape[:-1], Mm0.shape[:-2], al.shape, ea.shape)
    wb = np.broadcast_to(wb0, lead + (D,)).copy()
    M = np.broadcast_to(Mm0, lead + (D, D)).copy()
    wb_ref, M_ref = wb.copy(), M.copy()
    al_b = np.broadcast_to(al, lead)
    e = np.broadcast_to(ea, lead)[..., None]
    I = np.eye(D)
    rec_w, rec_M, losses = [], [], []
    keep = set(steps.tolist())
    for t in range(T + 1):
        if t in keep:
            rec_w.append(wb.copy())
            rec_M.append(M.copy())
        dM, dw = M - M_ref, wb - wb_ref
        F = al_b[..., None] * (dw @ Xa.T + 0.5 * e * np.sum(np.matmul(Xa, dM) * Xa, axis=-1))
        r = F - ya
        losses.append(np.mean(r * r, axis=-1))
        if not np.all(np.isfinite(losses[-1])):
            raise ValueError(f"GD diverged at step {t} (non-finite residuals): the step lr0 * N / alpha^2 is too "
                             f"large for this alpha and data; reduce lr0 or increase alpha")
        if t == T:
            break
        g = r @ Xa / P
        G = np.matmul(np.swapaxes(Xa * r[..., :, None], -1, -2), Xa) / P
        A = I - (eta0 * e[..., 0] / al_b)[..., None, None] * G
        b = (eta0 / al_b)[..., None] * g
        Aw = np.einsum("...ij,...j->...i", A, wb)
        M = A @ M @ np.swapaxes(A, -1, -2) - Aw[..., :, None] * b[..., None, :] - b[..., :, None] * Aw[..., None, :] \
            + b[..., :, None] * b[..., None, :]
        wb = Aw - b
    return {"steps": steps, "wbar": np.stack(rec_w), "M": np.stack(rec_M), "train_loss": np.array(losses)}


def committee_test_loss(wbar, M, beta, *, alpha, eps: float, wbar0=None, M0=None) -> dict:
    r"""Exact population test loss of the committee on :math:`y = \frac12(\beta\cdot x)^2`,
    :math:`x\sim N(0, I/D)` (Kumar et al. 2024, eq. 6), split into its three terms:

    .. math:: \mathbb E(F - y)^2 = \underbrace{\tfrac14\Big(\tfrac{|\beta|^2 - \alpha\varepsilon\operatorname{tr}\Delta M}{D}\Big)^2}_{\text{variance}}
              + \underbrace{\tfrac1{2D^2}\lVert\alpha\varepsilon\Delta M - \beta\beta^\top\rVert_F^2}_{\text{misalignment}}
              + \underbrace{\tfrac{\alpha^2}{D}|\Delta\bar w|^2}_{\text{linear power}},

    with :math:`\Delta M = M - M_0`, :math:`\Delta\bar w = \bar w - \bar w_0` (zero references
    when not given). It follows from :math:`\mathbb E[(x^\top Qx)^2] = ((\operatorname{tr}Q)^2 +
    2\lVert Q\rVert_F^2)/D^2` (Isserlis) and vanishing odd moments.

    Returns
    -------
    dict of arrays over the leading dimensions: ``variance``, ``misalignment``, ``linear``, ``total``.
    """
    wb, Mm = V.real_array("wbar", wbar, min_ndim=1), V.real_array("M", M, min_ndim=2)
    bt = V.real_array("beta", beta, ndim=1, last=wb.shape[-1])
    D = bt.shape[0]
    if wbar0 is not None:
        wb = wb - V.real_array("wbar0", wbar0, min_ndim=1)
    if M0 is not None:
        Mm = Mm - V.real_array("M0", M0, min_ndim=2)
    al = _positive_array("alpha", alpha)
    Q = (al * _positive_array("eps", eps, strict=False))[..., None, None] * Mm - np.outer(bt, bt)
    tr = np.trace(Q, axis1=-2, axis2=-1)
    var = 0.25 * (tr / D) ** 2
    mis = np.sum(Q * Q, axis=(-2, -1)) / (2 * D * D)
    lin = al * al * np.sum(wb * wb, axis=-1) / D
    return {"variance": var, "misalignment": mis, "linear": lin, "total": var + mis + lin}


def isserlis_moment4(cov) -> np.ndarray:
    r"""Fourth moments :math:`\mathbb E[x_ix_jx_kx_l] = \Sigma_{ij}\Sigma_{kl} + \Sigma_{ik}\Sigma_{jl}
    + \Sigma_{il}\Sigma_{jk}` of :math:`x\sim N(0,\Sigma)` (Isserlis 1918), (D, D) -> (D, D, D, D).

    Examples
    --------
    >>> float(isserlis_moment4([[2.0]])[0, 0, 0, 0])          # E x^4 = 3 sigma^4
    12.0
    """
    S = V.real_array("cov", cov, ndim=2)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"cov must be square; got {S.shape}")
    return (np.einsum("ij,kl->ijkl", S, S) + np.einsum("ik,jl->ijkl", S, S) + np.einsum("il,jk->ijkl", S, S))


def quadratic_feature_moment(cov, eps: float) -> np.ndarray:
    r"""Second-moment matrix :math:`\mathbb E[\psi\psi^\top]` of the feature map
    :math:`\psi(x) = [x,\ \varepsilon\operatorname{vec}(xx^\top)]` for :math:`x\sim N(0,\Sigma)`,
    (D + D², D + D²). Its eigenvalues are those of the kernel integral operator of
    :math:`K(x,x') = \psi(x)\cdot\psi(x') = x\cdot x' + \varepsilon^2(x\cdot x')^2` -- the
    initial NTK of the infinite committee (Kumar et al. 2024, sec. 3 and App. eqs. 13-16).
    The cross block vanishes (odd moments); the quadratic block is :math:`\varepsilon^2` times
    :func:`isserlis_moment4` reshaped.
    """
    S = V.real_array("cov", cov, ndim=2)
    e = V.nonneg_real("eps", eps)
    D = S.shape[0]
    out = np.zeros((D + D * D, D + D * D))
    out[:D, :D] = S
    out[D:, D:] = e * e * isserlis_moment4(S).reshape(D * D, D * D)
    return out


# ------------------------------------------------------------------------ data --
def xor_clusters(n: int, dim: int, *, mu_norm: float, flip: float, rng: np.random.Generator,
                 basis: np.ndarray | None = None) -> dict:
    r"""XOR-cluster data of Xu et al. (2024, sec. 2): clean label :math:`\tilde y = \pm1` with
    probability 1/2; :math:`x\sim\frac12N(\pm\mu_1, I)` if :math:`\tilde y = +1`,
    :math:`\frac12N(\pm\mu_2, I)` if :math:`\tilde y = -1`, with :math:`\mu_1\perp\mu_2`,
    :math:`\lVert\mu_k\rVert` = ``mu_norm``; the observed :math:`y` is :math:`\tilde y` flipped with
    probability ``flip``.

    Parameters
    ----------
    basis : optional (2, dim) orthonormal rows :math:`(\mu_1, \mu_2)/\lVert\mu\rVert`; default
        the first two coordinate axes.

    Returns
    -------
    dict with ``X`` (n, dim), ``y`` (n,) observed labels, ``y_clean`` (n,), ``flipped`` (n,) bool,
    ``mu1``, ``mu2`` (dim,).
    """
    n = V.count("n", n)
    d = V.count("dim", dim, low=2)
    V.elements("n * dim", (n, d))
    mn = V.positive_real("mu_norm", mu_norm)
    fl = V.unit_interval("flip", flip)
    V.generator("rng", rng)
    if basis is None:
        B = np.zeros((2, d))
        B[0, 0] = B[1, 1] = 1.0
    else:
        B = V.real_array("basis", basis, ndim=2, last=d)
        if B.shape[0] != 2 or not np.allclose(B @ B.T, np.eye(2), atol=1e-10):
            raise ValueError("basis must be 2 orthonormal rows")
    mu1, mu2 = mn * B[0], mn * B[1]
    yc = rng.choice(np.array([-1.0, 1.0]), size=n)
    sign = rng.choice(np.array([-1.0, 1.0]), size=n)
    centres = np.where((yc > 0)[:, None], mu1, mu2) * sign[:, None]
    X = centres + rng.standard_normal((n, d))
    flipped = rng.random(n) < fl
    y = np.where(flipped, -yc, yc)
    return {"X": X, "y": y, "y_clean": yc, "flipped": flipped, "mu1": mu1, "mu2": mu2}
