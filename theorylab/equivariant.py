r"""Rotation-equivariant constitutive laws and a 1-D elastic chain, after Ma et al. (2023),
"Learning Neural Constitutive Laws From Motion Observations for Generalizable PDE Dynamics"
(NCLaw, ICML 2023).

**Polar decomposition.** For a deformation gradient :math:`F = U\Sigma V^\top` (SVD) with
:math:`\det F > 0`, :math:`F = RS` with the rotation :math:`R = UV^\top \in SO(d)` and the
stretch :math:`S = V\Sigma V^\top` (symmetric positive definite). Both are unique for
invertible :math:`F`, even when singular values repeat (:func:`polar`).

**Invariant inputs** (the released code's ``InvariantFullMetaElasticity``):
:math:`\psi(F) = (\sigma - 1,\ \operatorname{vec}(F^\top F - I),\ \det F - 1)`, which is
unchanged by :math:`F \mapsto QF` for :math:`Q \in SO(d)` and vanishes at every rotation
(:func:`invariants`).

**Invariant law** (:class:`ConstitutiveMLP`, ``kind="invariant"``): a bias-free GELU MLP
:math:`\phi` (so :math:`\phi(0) = 0`), the first Piola stress

.. math:: P(F) = R\,\mathrm{sym}\,\phi(\psi(F)),\qquad \mathrm{sym}\,A = \tfrac12(A + A^\top),

and the Kirchhoff-type stress :math:`\tau = PF^\top` the code returns. Then
:math:`P(QF) = QP(F)`, :math:`\tau(QF) = Q\tau(F)Q^\top` and :math:`P(Q) = 0` for every
rotation. The plasticity law is :math:`F \mapsto F + \alpha R\,\mathrm{sym}\,\phi(\psi(F))`
(:math:`\alpha = 10^{-3}` in the code's configs), so :math:`F_{new}(Q) = Q`.
``kind="plain"`` is the code's ``PlainMetaElasticity``: :math:`P = \phi(\operatorname{vec}(F - I))`
reshaped, with no rotation and no symmetrisation (the contrast of the notebook).

**1-D chain** (the notebook's mechanism toy, not the paper's MPM): nodes at positions
:math:`x_0, \dots, x_{N-1}`, rest spacing :math:`h_0`, stretches
:math:`\lambda_i = (x_{i+1} - x_i)/h_0`, nodal forces
:math:`f_i = P(\lambda_i) - P(\lambda_{i-1})` (missing terms at free ends), which is
:math:`-\partial E/\partial x_i` for :math:`E = h_0\sum_i W(\lambda_i)`, :math:`W' = P`.
Time stepping is symplectic Euler, :math:`v \leftarrow v + \Delta t\, f/m`,
:math:`x \leftarrow x + \Delta t\, v`, so the accelerations of a recorded trajectory are
exactly its second differences divided by :math:`\Delta t^2` (:func:`chain_accelerations`).
A learned law :math:`\hat P(\lambda) = \sum_{k=1}^K c_k(\lambda - 1)^k` has no constant term,
so :math:`\hat P(1) = 0` by construction; it is fitted by linear least squares to those
accelerations (:func:`fit_chain_law`).

Used by ``mechanisms/neural-constitutive-laws``.

Examples
--------
>>> import numpy as np
>>> from theorylab import equivariant as eq
>>> rng = np.random.default_rng(0)
>>> F = np.eye(3) + 0.3 * rng.normal(size=(5, 3, 3))
>>> R, S = eq.polar(F)
>>> bool(np.allclose(R @ S, F)), bool(np.allclose(np.linalg.det(R), 1.0))
(True, True)
>>> Q = eq.random_rotations(5, rng=rng)
>>> bool(np.allclose(eq.invariants(Q @ F), eq.invariants(F)))
True
>>> law = eq.ConstitutiveMLP()
>>> theta = law.init(rng=rng)
>>> float(np.abs(law.stress(theta, Q @ F) - Q @ law.stress(theta, F)).max()) < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from . import _validate as V
from .nets.dense import DenseNet

__all__ = [
    "GELU",
    "ConstitutiveMLP",
    "ChainTrajectory",
    "chain_accelerations",
    "chain_forces",
    "fit_chain_law",
    "gelu",
    "invariants",
    "neo_hookean_1d",
    "polar",
    "polynomial_law",
    "random_rotations",
    "rotation_angle",
    "simulate_chain",
]

_SQRT2 = np.sqrt(2.0)
_INV_SQRT2PI = 1.0 / np.sqrt(2.0 * np.pi)


# --------------------------------------------------------------------------- GELU
def _gelu(z):
    return 0.5 * z * (1.0 + special.erf(z / _SQRT2))


def _gelu_d(z):
    return 0.5 * (1.0 + special.erf(z / _SQRT2)) + z * _INV_SQRT2PI * np.exp(-0.5 * z * z)


def _gelu_dd(z):
    return _INV_SQRT2PI * np.exp(-0.5 * z * z) * (2.0 - z * z)


GELU = (_gelu, _gelu_d, _gelu_dd)
"""GELU :math:`z\\Phi(z)` and its first two derivatives, a ``(phi, dphi, d2phi)`` triple
for :class:`theorylab.nets.dense.DenseNet` (complex-step safe: ``scipy.special.erf``
accepts complex arguments)."""


def gelu(z) -> np.ndarray:
    r"""GELU :math:`z\,\Phi(z) = \tfrac12 z\,(1 + \operatorname{erf}(z/\sqrt2))`, elementwise.

    Examples
    --------
    >>> round(float(gelu(1.0)), 6)
    0.841345
    """
    return _gelu(V.real_array("z", z))


# --------------------------------------------------------------------------- matrices
def _mats(name: str, F, *, square: bool = True) -> np.ndarray:
    a = V.real_array(name, F, min_ndim=2)
    if square and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name} must be a (batch of) square matrices (..., d, d); got shape {a.shape}")
    return a


def polar(F) -> tuple[np.ndarray, np.ndarray]:
    r"""Right polar decomposition :math:`F = RS`, batched: ``F`` (..., d, d) ->
    ``(R, S)``, each (..., d, d), with :math:`R = UV^\top` and :math:`S = V\Sigma V^\top`
    from the SVD :math:`F = U\Sigma V^\top`.

    :math:`R` is a rotation (det +1) when :math:`\det F > 0`, which the caller must
    ensure (``ValueError`` otherwise: the proper rotation of a reflection does not exist).

    Examples
    --------
    >>> import numpy as np
    >>> R, S = polar(np.diag([2.0, 3.0, 1.0]))
    >>> bool(np.allclose(R, np.eye(3))), np.diag(S).tolist()
    (True, [2.0, 3.0, 1.0])
    """
    Fa = _mats("F", F)
    if np.any(np.linalg.det(Fa) <= 0):
        raise ValueError("F must have det F > 0 (a deformation gradient); got a matrix with det <= 0")
    U, s, Vh = np.linalg.svd(Fa)
    R = U @ Vh
    S = np.swapaxes(Vh, -1, -2) @ (s[..., :, None] * Vh)
    return R, 0.5 * (S + np.swapaxes(S, -1, -2))


def random_rotations(n: int, *, rng: np.random.Generator, dim: int = 3) -> np.ndarray:
    r"""``n`` rotations drawn from the Haar (uniform) distribution on :math:`SO(d)`,
    shape (n, d, d).

    QR of a standard Gaussian matrix with the signs of :math:`\operatorname{diag}(R)` moved
    into :math:`Q` (Mezzadri 2007) gives Haar on :math:`O(d)`; multiplying the first column by
    :math:`\det Q` maps it to Haar on :math:`SO(d)`.

    Examples
    --------
    >>> import numpy as np
    >>> Q = random_rotations(4, rng=np.random.default_rng(0))
    >>> bool(np.allclose(Q @ np.swapaxes(Q, 1, 2), np.eye(3))), bool(np.allclose(np.linalg.det(Q), 1))
    (True, True)
    """
    m = V.count("n", n)
    d = V.count("dim", dim, low=2)
    V.elements("n * dim * dim", (m, d, d))
    V.generator("rng", rng)
    Z = rng.standard_normal((m, d, d))
    Q, Rm = np.linalg.qr(Z)
    Q = Q * np.sign(np.diagonal(Rm, axis1=-2, axis2=-1))[:, None, :]
    Q[:, :, 0] *= np.sign(np.linalg.det(Q))[:, None]
    return Q


def rotation_angle(R) -> np.ndarray:
    r"""Rotation angle :math:`\omega = \arccos((\operatorname{tr}R - 1)/2) \in [0, \pi]` of
    3-D rotations (..., 3, 3) -> (...). Under the Haar measure its density is
    :math:`(1 - \cos\omega)/\pi`.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(rotation_angle(np.array([[0., -1, 0], [1, 0, 0], [0, 0, 1]]))), 12)
    1.570796326795
    """
    Ra = _mats("R", R)
    if Ra.shape[-1] != 3:
        raise ValueError(f"R must be 3 x 3 rotations; got shape {Ra.shape}")
    return np.arccos(np.clip((np.trace(Ra, axis1=-2, axis2=-1) - 1.0) / 2.0, -1.0, 1.0))


def invariants(F) -> np.ndarray:
    r"""Rotation-invariant features :math:`(\sigma - 1,\ \operatorname{vec}(F^\top F - I),\
    \det F - 1)` of ``F`` (..., d, d) -> (..., d + d^2 + 1): singular values (descending),
    the right Cauchy-Green tensor and the volume ratio, each shifted to vanish at
    :math:`F = I` (NCLaw code, ``InvariantFullMetaElasticity``).

    Examples
    --------
    >>> import numpy as np
    >>> invariants(np.eye(3)).shape, float(abs(invariants(np.eye(3))).max())
    ((13,), 0.0)
    """
    Fa = _mats("F", F)
    d = Fa.shape[-1]
    s = np.linalg.svd(Fa, compute_uv=False)
    C = np.swapaxes(Fa, -1, -2) @ Fa - np.eye(d)
    det = np.linalg.det(Fa)[..., None]
    return np.concatenate([s - 1.0, C.reshape(C.shape[:-2] + (d * d,)), det - 1.0], axis=-1)


def _sym(A):
    return 0.5 * (A + np.swapaxes(A, -1, -2))


@dataclass(frozen=True)
class ConstitutiveMLP:
    r"""A neural constitutive law: an MLP (:class:`theorylab.nets.dense.DenseNet`, GELU)
    mapping a deformation gradient to a stress, with parameters a flat vector ``theta``.

    Parameters
    ----------
    kind : ``"invariant"`` (NCLaw: :math:`P = R\,\mathrm{sym}\,\phi(\psi(F))`) or ``"plain"``
        (:math:`P = \phi(\operatorname{vec}(F - I))`, the code's unconstrained contrast).
    hidden : hidden widths (the NCLaw configs use (64, 64)).
    bias : whether the dense layers have biases (NCLaw: none, so :math:`\phi(0) = 0`).
    dim : spatial dimension ``d``.

    Examples
    --------
    >>> import numpy as np
    >>> law = ConstitutiveMLP()
    >>> th = law.init(rng=np.random.default_rng(1))
    >>> float(abs(law.stress(th, np.eye(3))).max())          # undeformed state: no stress
    0.0
    """

    kind: str = "invariant"
    hidden: tuple = (64, 64)
    bias: bool = False
    dim: int = 3
    net: DenseNet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        V.choice("kind", self.kind, ("invariant", "plain"))
        d = V.count("dim", self.dim, low=2)
        if not isinstance(self.hidden, (tuple, list)) or not self.hidden:
            raise ValueError("hidden must be a non-empty tuple of widths")
        hid = tuple(V.count("hidden", h) for h in self.hidden)
        if not isinstance(self.bias, (bool, np.bool_)):
            raise TypeError(f"bias must be a bool; got {type(self.bias).__name__}")
        n_in = d + d * d + 1 if self.kind == "invariant" else d * d
        widths = (n_in,) + hid + (d * d,)
        V.elements("the parameters set by dim and hidden",
                   sum((widths[i] + 1) * widths[i + 1] for i in range(len(widths) - 1)))
        object.__setattr__(self, "hidden", hid)
        object.__setattr__(self, "net", DenseNet((n_in,) + hid + (d * d,), activation=GELU, bias=bool(self.bias)))

    @property
    def n_params(self) -> int:
        """Length of ``theta``."""
        return self.net.n_params

    def init(self, *, rng: np.random.Generator, weight_var: float = 1.0, bias_var: float = 0.0) -> np.ndarray:
        """Random parameters (P,): weights :math:`N(0, \\text{weight\\_var}/\\text{fan-in})`,
        biases :math:`N(0, \\text{bias\\_var})` (ignored without biases)."""
        return self.net.init(rng=rng, weight_var=weight_var, bias_var=bias_var)

    def _F(self, F) -> np.ndarray:
        Fa = _mats("F", F)
        if Fa.shape[-1] != self.dim:
            raise ValueError(f"F must be (..., {self.dim}, {self.dim}); got {Fa.shape}")
        return Fa

    def _phi(self, theta, feats) -> np.ndarray:
        lead = feats.shape[:-1]
        out = self.net.forward(theta, feats.reshape(-1, feats.shape[-1]))
        return out.reshape(lead + (self.dim, self.dim))

    def _core(self, theta, Fa):
        """(R or None, raw matrix output)."""
        if self.kind == "invariant":
            R, _ = polar(Fa)
            return R, _sym(self._phi(theta, invariants(Fa)))
        return None, self._phi(theta, (Fa - np.eye(self.dim)).reshape(Fa.shape[:-2] + (-1,)))

    def stress(self, theta, F) -> np.ndarray:
        """First Piola stress :math:`P(F)`, ``F`` (..., d, d) -> (..., d, d)."""
        Fa = self._F(F)
        R, A = self._core(theta, Fa)
        return A if R is None else R @ A

    def kirchhoff(self, theta, F) -> np.ndarray:
        """:math:`\\tau = P(F)F^\\top` (the quantity the NCLaw code returns), (..., d, d)."""
        Fa = self._F(F)
        return self.stress(theta, Fa) @ np.swapaxes(Fa, -1, -2)

    def plastic_update(self, theta, F, *, alpha: float = 1e-3) -> np.ndarray:
        r"""Plastic return :math:`F + \alpha R\,\mathrm{sym}\,\phi(\psi(F))` (invariant) or
        :math:`F + \alpha\,\phi(\operatorname{vec}(F - I))` (plain), (..., d, d)."""
        Fa = self._F(F)
        a = V.nonneg_real("alpha", alpha)
        R, A = self._core(theta, Fa)
        return Fa + a * (A if R is None else R @ A)


# --------------------------------------------------------------------------- 1-D chain
def neo_hookean_1d(lam, mu: float = 1.0) -> np.ndarray:
    r"""1-D compressible neo-Hookean first Piola stress :math:`P(\lambda) = \mu(\lambda - 1/\lambda)`
    (the catalogue's ground truth; energy :math:`W = \mu(\lambda^2/2 - \log\lambda - 1/2)`).

    Examples
    --------
    >>> float(neo_hookean_1d(1.0)), float(neo_hookean_1d(2.0, mu=2.0))
    (0.0, 3.0)
    """
    la = V.real_array("lam", lam)
    if np.any(la <= 0):
        raise ValueError("lam must be > 0 (a compressed-through spring has no stress)")
    return V.positive_real("mu", mu) * (la - 1.0 / la)


def polynomial_law(coef) -> Callable[[np.ndarray], np.ndarray]:
    r"""The bias-free polynomial law :math:`\hat P(\lambda) = \sum_{k=1}^{K} c_k (\lambda - 1)^k`
    for ``coef`` :math:`(c_1, \dots, c_K)`; :math:`\hat P(1) = 0` by construction.

    Examples
    --------
    >>> P = polynomial_law([2.0, -1.0])
    >>> float(P(1.0)), float(P(2.0))
    (0.0, 1.0)
    """
    c = V.real_array("coef", coef, ndim=1)
    K = c.size

    def law(lam):
        u = np.asarray(lam, dtype=float) - 1.0
        return np.polynomial.polynomial.polyval(u, np.concatenate([[0.0], c]))

    law.coef = c  # type: ignore[attr-defined]
    law.degree = K  # type: ignore[attr-defined]
    return law


_BCS = ("fixed-free", "free-fixed", "fixed-fixed", "free-free")


def _free_mask(N: int, bc: str) -> np.ndarray:
    V.choice("bc", bc, _BCS)
    m = np.ones(N, dtype=bool)
    if bc in ("fixed-free", "fixed-fixed"):
        m[0] = False
    if bc in ("free-fixed", "fixed-fixed"):
        m[-1] = False
    return m


def _springs_to_nodes(T: np.ndarray) -> np.ndarray:
    """Spring tensions (..., N-1) -> nodal forces (..., N): f_i = T_i - T_{i-1}."""
    pad = [(0, 0)] * (T.ndim - 1)
    return np.pad(T, pad + [(0, 1)]) - np.pad(T, pad + [(1, 0)])


def chain_forces(x, stress: Callable, *, h0: float) -> np.ndarray:
    r"""Nodal forces :math:`f_i = P(\lambda_i) - P(\lambda_{i-1})` of a chain with node
    positions ``x`` (..., N), :math:`\lambda_i = (x_{i+1} - x_i)/h_0`; the end nodes feel
    only their one spring (boundary conditions are applied by :func:`simulate_chain`)."""
    xa = V.real_array("x", x, min_ndim=1)
    if xa.shape[-1] < 2:
        raise ValueError("x must hold at least 2 nodes on its last axis")
    V.function("stress", stress, what="lam -> P(lam)")
    h = V.positive_real("h0", h0)
    return _forces(xa, stress, h, "x")


def _forces(xa: np.ndarray, stress: Callable, h: float, what: str) -> np.ndarray:
    """Nodal forces of checked positions; an error of ``stress`` on the stretches, or an output
    of the wrong shape or with nan/inf, is reported naming ``what`` (the positions' argument)
    and ``stress``."""
    lam = np.diff(xa, axis=-1) / h
    try:
        P = np.asarray(stress(lam), dtype=float)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"stress refused the stretches of {what} (min stretch {lam.min():.3g}): {exc}") from exc
    if P.shape != lam.shape:
        raise ValueError(f"stress must return one stress per spring, shape {lam.shape}; got {P.shape}")
    if not np.all(np.isfinite(P)):
        raise ValueError(f"stress returned nan/inf on the stretches of {what} (min stretch {lam.min():.3g}, "
                         f"max {lam.max():.3g})")
    return _springs_to_nodes(P)


@dataclass(frozen=True)
class ChainTrajectory:
    """Positions ``x`` and velocities ``v`` (T+1, ..., N) of :func:`simulate_chain`, the time
    step ``dt`` and the rest spacing ``h0``; ``stretch`` (T+1, ..., N-1) are the stretches."""

    x: np.ndarray
    v: np.ndarray
    dt: float
    h0: float
    bc: str

    @property
    def stretch(self) -> np.ndarray:
        return np.diff(self.x, axis=-1) / self.h0


def simulate_chain(x0, v0, stress: Callable, *, h0: float, mass: float, dt: float, n_steps: int,
                   bc: str = "fixed-free") -> ChainTrajectory:
    r"""Symplectic Euler for the chain: :math:`v \leftarrow v + \Delta t\,f(x)/m` on free
    nodes, :math:`x \leftarrow x + \Delta t\,v`. ``x0``, ``v0`` (..., N) (leading axes are
    independent chains, all stepped at once); ``bc`` one of ``fixed-free``, ``free-fixed``,
    ``fixed-fixed``, ``free-free`` (fixed nodes keep zero velocity).

    Examples
    --------
    >>> import numpy as np
    >>> x0 = np.linspace(0.0, 1.0, 11) * 1.05          # uniformly stretched by 5 %
    >>> tr = simulate_chain(x0, np.zeros(11), neo_hookean_1d, h0=0.1, mass=0.1, dt=0.01,
    ...                     n_steps=50, bc="fixed-fixed")
    >>> bool(abs(tr.x[-1] - x0).max() < 1e-14)         # an equilibrium stays put
    True
    """
    xa = V.real_array("x0", x0, min_ndim=1).copy()
    va = V.real_array("v0", v0, min_ndim=1).copy()
    if xa.shape != va.shape:
        raise ValueError(f"v0 must have the shape of x0 {xa.shape}; got {va.shape}")
    h = V.positive_real("h0", h0)
    m = V.positive_real("mass", mass)
    step = V.positive_real("dt", dt)
    T = V.count("n_steps", n_steps, low=0)
    V.function("stress", stress, what="lam -> P(lam)")
    V.elements("(n_steps + 1) * x0.size", (T + 1, xa.size))
    free = _free_mask(xa.shape[-1], bc)
    if xa.shape[-1] < 2:
        raise ValueError("x0 must hold at least 2 nodes on its last axis")
    va[..., ~free] = 0.0
    xs, vs = [xa.copy()], [va.copy()]
    for _ in range(T):
        f = _forces(xa, stress, h, "x0 (or the trajectory started from it)")
        va = va + step * np.where(free, f, 0.0) / m
        xa = xa + step * va
        xs.append(xa.copy())
        vs.append(va.copy())
    return ChainTrajectory(np.stack(xs), np.stack(vs), step, h, bc)


def chain_accelerations(traj: ChainTrajectory) -> np.ndarray:
    r"""Accelerations :math:`a_t = (x_{t+1} - 2x_t + x_{t-1})/\Delta t^2` at the interior
    times ``t = 1 .. T-1``, shape (T-1, ..., N): exact (up to round-off) for a symplectic
    Euler trajectory, where :math:`x_{t+1} - x_t = \Delta t\,v_{t+1}`."""
    if not isinstance(traj, ChainTrajectory):
        raise TypeError("traj must be a ChainTrajectory (see simulate_chain)")
    if traj.x.shape[0] < 3:
        raise ValueError("traj must hold at least 3 time points")
    return (traj.x[2:] - 2 * traj.x[1:-1] + traj.x[:-2]) / traj.dt ** 2


def fit_chain_law(traj: ChainTrajectory, *, mass: float, degree: int) -> np.ndarray:
    r"""Least-squares coefficients :math:`c_1..c_K` of the bias-free polynomial law
    :math:`\hat P(\lambda) = \sum_k c_k(\lambda - 1)^k` that best explains the accelerations
    of ``traj`` on its free nodes: :math:`m\,a_{t,i} = \sum_k c_k[(\lambda_{t,i} - 1)^k -
    (\lambda_{t,i-1} - 1)^k]` (the "learn only the constitutive law" idea of NCLaw, in 1-D).

    Examples
    --------
    >>> import numpy as np
    >>> x0 = np.linspace(0.0, 1.0, 11) + 0.02 * np.sin(np.linspace(0, np.pi, 11))
    >>> law = polynomial_law([1.0, 0.5])
    >>> tr = simulate_chain(x0, np.zeros(11), law, h0=0.1, mass=0.1, dt=0.01, n_steps=40)
    >>> fit_chain_law(tr, mass=0.1, degree=2).round(8).tolist()
    [1.0, 0.5]
    """
    if not isinstance(traj, ChainTrajectory):
        raise TypeError("traj must be a ChainTrajectory (see simulate_chain)")
    m = V.positive_real("mass", mass)
    K = V.count("degree", degree)
    acc = chain_accelerations(traj)
    V.elements("degree * the number of equations", (K, acc.size))
    x = traj.x[1:-1]
    u = np.diff(x, axis=-1) / traj.h0 - 1.0                       # (T-1, ..., N-1)
    free = _free_mask(x.shape[-1], traj.bc)
    cols = [_springs_to_nodes(u ** k)[..., free].ravel() for k in range(1, K + 1)]
    A = np.stack(cols, axis=1)
    b = (m * acc[..., free]).ravel()
    coef, *_ = np.linalg.lstsq(A, b, rcond=None)
    return coef
