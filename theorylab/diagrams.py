r"""String diagrams evaluated in Mat, dual-number tensors, diagrammatic differentiation and a
small statevector simulator with the parameter-shift rule, after Toumi (2022), *Category
Theory for Quantum Natural Language Processing* (DPhil thesis, arXiv:2212.06615) and Toumi,
Yeung & de Felice (2021), *Diagrammatic Differentiation for Quantum Machine Learning*
(arXiv:2103.07960).

**Diagrams.** A :class:`Diagram` from wires ``dom`` to wires ``cod`` (tuples of
dimensions) is a list of layers ``(left, box, right)``, each standing for
:math:`\mathrm{id}_{left}\otimes\mathrm{box}\otimes\mathrm{id}_{right}` (the "premonoidal"
encoding DisCoPy uses). Composition :math:`d \mathbin{;} d'` concatenates layers; the tensor
:math:`d\otimes d'` whiskers both. The functor :math:`F:\mathbf{Diag}\to\mathbf{Mat}`
(:func:`evaluate`) sends a box to its matrix (``prod(cod) x prod(dom)``) and a layer to
:math:`I\otimes M\otimes I`; functoriality :math:`F(d;d') = F(d')F(d)`,
:math:`F(d\otimes d') = F(d)\otimes F(d')` is then the mixed-product property of ``kron``.
Cups :math:`n\otimes n\to 1` and caps :math:`1\to n\otimes n` are the identity matrix
read as a row or a column, so the snake equations hold.

**DisCoCat.** Words are states :math:`1\to T(w)` (a noun :math:`n`, a transitive verb
:math:`n\otimes s\otimes n`), grammar is cups: the meaning of "Alice loves Bob" is
:math:`(\cup\otimes\mathrm{id}_s\otimes\cup)\circ(A\otimes L\otimes B)`, the contraction
``einsum('i,isj,j->s', A, L, B)`` (:func:`sentence_diagram`).

**Diagrammatic differentiation** (Toumi et al. 2021, Definition / Proposition on dual
diagrams [statement inferred from the abstract and the author's notebook]). Boxes depend on
a scalar :math:`\theta`; the gradient of a diagram is the formal sum
:math:`\partial d = \sum_i d[\mathrm{box}_i \mapsto \partial\mathrm{box}_i]`, obtained from
:math:`\partial(d;d') = \partial d;d' + d;\partial d'` and
:math:`\partial(d\otimes d') = \partial d\otimes d' + d\otimes\partial d'`
(:func:`gradient_terms`), and :math:`F(\partial d) = \partial F(d)`. Equivalently, evaluate
with dual numbers :math:`(A, A')` composed by :math:`(A,A')(B,B') = (AB, A'B + AB')` and
:math:`(A,A')\otimes(B,B') = (A\otimes B, A'\otimes B + A\otimes B')` (:class:`Dual`,
:func:`evaluate_dual`). A **bubble** applies an elementwise function to a sub-diagram;
its derivative is the chain rule :math:`\partial f(d) = f'(d)\odot\partial d`, the
elementwise product being a pair of spiders (:func:`spider`, :func:`hadamard_via_spiders`).

**Parameter shift.** For :math:`U(\theta) = e^{-i\theta P/2}` with :math:`P^2 = I`
(:math:`R_x, R_y, R_z`) and :math:`E(\theta) = \langle\psi|U^\dagger O U|\psi\rangle`,
:math:`\partial E/\partial\theta = \tfrac12[E(\theta + \pi/2) - E(\theta - \pi/2)]` exactly;
a parameter used by several gates gets one shifted pair per occurrence (product rule)
(:func:`parameter_shift`). Angles here are **radians**; DisCoPy uses half-turns
(:math:`R_z(\phi) = \mathrm{diag}(e^{-i\pi\phi}, e^{i\pi\phi})`), where the rule reads
:math:`\partial E/\partial\phi = \pi[E(\phi + \tfrac14) - E(\phi - \tfrac14)]`.

The expectation is written holomorphically in the angles (the bra is propagated with
"coefficient-conjugated" gates, not by conjugating the ket), so complex-step derivatives
(:mod:`theorylab.numdiff`) are exact references.

Used by ``mechanisms/toumi-qnlp-category-theory``.

Examples
--------
>>> import numpy as np
>>> from theorylab import diagrams as dg
>>> n = 2
>>> snake = dg.identity((n,)).tensor(dg.cap(n)).then(dg.cup(n).tensor(dg.identity((n,))))
>>> bool(np.array_equal(dg.evaluate(snake), np.eye(n)))
True
>>> c = dg.Circuit(1, [("ry", (0,), 0)])
>>> Z = np.diag([1.0, -1.0])
>>> th = np.array([0.3])
>>> bool(np.allclose(dg.parameter_shift(c, th, Z), -np.sin(0.3)))       # d/dθ cos θ
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import _validate as V

__all__ = [
    "Box",
    "Bubble",
    "Circuit",
    "Diagram",
    "Dual",
    "cap",
    "cup",
    "evaluate",
    "evaluate_dual",
    "evaluate_terms",
    "expectation",
    "gradient_terms",
    "hadamard_via_spiders",
    "identity",
    "parameter_shift",
    "shift_gradients",
    "sentence_diagram",
    "spider",
    "state",
    "statevector",
]


def _dims(name: str, dims) -> tuple[int, ...]:
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of wire dimensions; got {type(dims).__name__}")
    return tuple(V.positive_int(name, d) for d in dims)


def _size(dims: tuple[int, ...]) -> int:
    return int(np.prod(dims, dtype=int)) if dims else 1


def _theta(theta):
    """The scalar parameter of a diagram: a finite real or complex (complex step) number."""
    return V.scalar_param("theta", theta)


def _diagram(name: str, d) -> "Diagram":
    return V.instance(name, d, Diagram)


# --------------------------------------------------------------------------- boxes
@dataclass(frozen=True)
class Box:
    r"""A generator of the free monoidal category, with its image in Mat.

    ``value(theta)`` returns the matrix of shape ``(prod(cod), prod(dom))`` at the scalar
    parameter ``theta`` (written with complex-safe numpy, so a complex ``theta`` gives the
    holomorphic extension); ``deriv(theta)`` its elementwise derivative, or ``None`` for a
    box that does not depend on ``theta``.

    Examples
    --------
    >>> import numpy as np
    >>> b = Box("R", (2,), (2,), lambda t: np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]),
    ...         lambda t: np.array([[-np.sin(t), -np.cos(t)], [np.cos(t), -np.sin(t)]]))
    >>> b.value(0.0).tolist()
    [[1.0, -0.0], [0.0, 1.0]]
    """

    name: str
    dom: tuple
    cod: tuple
    value: Callable
    deriv: Callable | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError("name must be a string")
        object.__setattr__(self, "dom", _dims("dom", self.dom))
        object.__setattr__(self, "cod", _dims("cod", self.cod))
        if not callable(self.value):
            raise TypeError("value must be a callable theta -> matrix")
        if self.deriv is not None and not callable(self.deriv):
            raise TypeError("deriv must be a callable theta -> matrix or None")

    @property
    def is_constant(self) -> bool:
        return self.deriv is None

    def matrix(self, theta) -> np.ndarray:
        M = np.asarray(self.value(_theta(theta)))
        want = (_size(self.cod), _size(self.dom))
        if M.shape != want:
            raise ValueError(f"box {self.name!r} returned shape {M.shape}; expected {want}")
        return M

    def d_matrix(self, theta) -> np.ndarray:
        theta = _theta(theta)
        if self.deriv is None:
            return np.zeros((_size(self.cod), _size(self.dom)))
        return np.asarray(self.deriv(theta))

    def diagram(self) -> "Diagram":
        """The one-box diagram."""
        return Diagram(self.dom, self.cod, (((), self, ()),))

    def derivative_box(self) -> "Box":
        """The box :math:`\\partial\\mathrm{box}` with matrix ``deriv(theta)`` (constant zero box
        for a constant box)."""
        d = self.deriv
        return Box(f"d{self.name}", self.dom, self.cod, (lambda t: self.d_matrix(t)) if d is not None
                   else (lambda t: np.zeros((_size(self.cod), _size(self.dom)))), None)


def _const(name: str, dom, cod, M) -> Box:
    M = np.asarray(M, dtype=float)
    return Box(name, dom, cod, lambda t, M=M: M, None)


def state(name: str, vector, *, dims=None) -> "Diagram":
    """A constant state (word) :math:`1 \\to` ``dims`` with the given entries (flattened row-major)."""
    v = V.real_array("vector", vector)
    dd = _dims("dims", dims if dims is not None else v.shape)
    if v.size != _size(dd):
        raise ValueError(f"vector has {v.size} entries; dims {dd} need {_size(dd)}")
    return _const(name, (), dd, v.reshape(-1, 1)).diagram()


def cup(n: int) -> "Diagram":
    """The cup :math:`n\\otimes n \\to 1`: the identity matrix as a row vector."""
    m = V.count("n", n)
    V.elements("n * n", (m, m))
    return _const(f"cup{m}", (m, m), (), np.eye(m).reshape(1, -1)).diagram()


def cap(n: int) -> "Diagram":
    """The cap :math:`1 \\to n\\otimes n`: the identity matrix as a column vector."""
    m = V.count("n", n)
    V.elements("n * n", (m, m))
    return _const(f"cap{m}", (), (m, m), np.eye(m).reshape(-1, 1)).diagram()


def identity(dims) -> "Diagram":
    """The identity diagram on ``dims`` (no layers)."""
    d = _dims("dims", dims)
    return Diagram(d, d)


def spider(n: int, n_in: int, n_out: int) -> "Diagram":
    r"""The spider :math:`n^{\otimes n_{in}} \to n^{\otimes n_{out}}` with entries 1 where all
    indices agree (the copy/merge maps of the Frobenius algebra of the computational basis)."""
    m = V.count("n", n)
    a = V.count("n_in", n_in, low=0, high=32)
    b = V.count("n_out", n_out, low=0, high=32)
    if (a + b) * np.log2(m) > np.log2(V.MAX_ELEMENTS):
        raise ValueError(f"n ** (n_in + n_out) = {m} ** {a + b} is too large: the spider's tensor would have "
                         f"more than {V.MAX_ELEMENTS:.3g} elements")
    T = np.zeros((m,) * (a + b))
    idx = np.arange(m)
    T[(idx,) * (a + b)] = 1.0
    return _const(f"spider{m}_{a}_{b}", (m,) * a, (m,) * b, T.reshape(m ** b, m ** a)).diagram()


# --------------------------------------------------------------------------- diagrams
@dataclass(frozen=True)
class Diagram:
    """A string diagram ``dom -> cod``: ``layers`` is a tuple of ``(left, box, right)``
    triples applied from first to last (see the module docstring); the wires are checked
    to match layer by layer."""

    dom: tuple
    cod: tuple
    layers: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "dom", _dims("dom", self.dom))
        object.__setattr__(self, "cod", _dims("cod", self.cod))
        if not isinstance(self.layers, tuple):
            raise TypeError(f"layers must be a tuple of (left, box, right) triples; got {type(self.layers).__name__}")
        cur = self.dom
        lays = []
        for k, lay in enumerate(self.layers):
            if not (isinstance(lay, tuple) and len(lay) == 3 and isinstance(lay[1], Box)):
                raise TypeError(f"layers[{k}] must be a (left, box, right) triple with a Box; got {lay!r}"[:200])
            if not all(isinstance(w, (tuple, list)) for w in (lay[0], lay[2])):
                raise TypeError(f"layers[{k}]: left and right must be tuples of wire dimensions")
            left, box, right = tuple(lay[0]), lay[1], tuple(lay[2])
            if cur != left + box.dom + right:
                raise ValueError(f"layers[{k}] ({box.name!r}) expects wires {left + box.dom + right}; got {cur}")
            cur = left + box.cod + right
            lays.append((left, box, right))
        if cur != self.cod:
            raise ValueError(f"layers end on wires {cur}; cod is {self.cod}")
        object.__setattr__(self, "layers", tuple(lays))

    @property
    def boxes(self) -> list[Box]:
        return [b for _, b, _ in self.layers]

    def then(self, other: "Diagram") -> "Diagram":
        """Sequential composition: ``self`` first, then ``other`` (``other`` ∘ ``self``)."""
        _diagram("other", other)
        if self.cod != other.dom:
            raise ValueError(f"cannot compose: cod {self.cod} != other.dom {other.dom}")
        return Diagram(self.dom, other.cod, self.layers + other.layers)

    def tensor(self, other: "Diagram") -> "Diagram":
        """Monoidal product: ``self`` on the left wires, then ``other`` on the right wires."""
        _diagram("other", other)
        a = tuple((l, b, r + other.dom) for l, b, r in self.layers)
        b2 = tuple((self.cod + l, b, r) for l, b, r in other.layers)
        return Diagram(self.dom + other.dom, self.cod + other.cod, a + b2)

    def replace(self, i: int, box: Box) -> "Diagram":
        """The diagram with its ``i``-th box replaced by ``box`` (same dom and cod)."""
        if not self.layers:
            raise ValueError("i: a diagram without boxes has nothing to replace")
        i = V.integer("i", i, low=0, high=len(self.layers) - 1)
        V.instance("box", box, Box)
        l, b, r = self.layers[i]
        if (box.dom, box.cod) != (b.dom, b.cod):
            raise ValueError(f"box must have the dom and cod of box {i} ({b.dom} -> {b.cod}); "
                             f"got {box.dom} -> {box.cod}")
        lays = list(self.layers)
        lays[i] = (l, box, r)
        return Diagram(self.dom, self.cod, tuple(lays))


class Bubble(Box):
    r"""A bubble: the elementwise function ``f`` (with derivative ``df``) applied to the matrix
    of the diagram ``inner``; it is a box with the same dom and cod. Its derivative box has
    matrix :math:`f'(F(d))\odot F(\partial d)` (the chain rule)."""

    def __init__(self, inner: Diagram, f: Callable, df: Callable, name: str = "bubble") -> None:
        _diagram("inner", inner)
        V.function("f", f, what="(elementwise)")
        V.function("df", df, what="(elementwise)")
        super().__init__(name, inner.dom, inner.cod,
                         lambda t: f(evaluate(inner, t)),
                         lambda t: df(evaluate(inner, t)) * evaluate_terms(gradient_terms(inner), t,
                                                                        shape=(_size(inner.cod), _size(inner.dom))))
        object.__setattr__(self, "inner", inner)
        object.__setattr__(self, "f", f)
        object.__setattr__(self, "df", df)


def _layer_matrix(left, M, right):
    return np.kron(np.kron(np.eye(_size(left)), M), np.eye(_size(right)))


def evaluate(d: Diagram, theta=0.0) -> np.ndarray:
    r"""The functor :math:`F(d)` at the parameter ``theta``: a matrix
    ``(prod(cod), prod(dom))``, the product of the layer matrices
    :math:`I_{left}\otimes F(\mathrm{box})\otimes I_{right}` (last layer leftmost)."""
    _diagram("d", d)
    theta = _theta(theta)
    M = np.eye(_size(d.dom))
    for l, b, r in d.layers:
        M = _layer_matrix(l, b.matrix(theta), r) @ M
    return M


def gradient_terms(d: Diagram) -> list[Diagram]:
    r"""The formal sum :math:`\partial d = \sum_i d[\mathrm{box}_i \mapsto \partial\mathrm{box}_i]`
    over the parametrised boxes (the product rule for ``;`` and ``⊗`` unrolled); an empty
    list for a constant diagram."""
    _diagram("d", d)
    return [d.replace(i, b.derivative_box()) for i, (_, b, _) in enumerate(d.layers) if not b.is_constant]


def evaluate_terms(terms: Sequence[Diagram], theta=0.0, *, shape=None) -> np.ndarray:
    """:math:`\\sum_k F(d_k)` of a formal sum of parallel diagrams (zeros of ``shape`` if empty)."""
    if isinstance(terms, (str, bytes, Diagram)) or not isinstance(terms, (Sequence, np.ndarray)):
        raise TypeError(f"terms must be a list of Diagrams; got {type(terms).__name__}")
    terms = list(terms)
    for k, t in enumerate(terms):
        _diagram(f"terms[{k}]", t)
        if (t.dom, t.cod) != (terms[0].dom, terms[0].cod):
            raise ValueError(f"terms must be parallel diagrams; terms[{k}] is {t.dom} -> {t.cod}, "
                             f"terms[0] is {terms[0].dom} -> {terms[0].cod}")
    theta = _theta(theta)
    if shape is not None:
        shape = V.int_sequence("shape", shape, low=0, min_length=2)
        if len(shape) != 2:
            raise ValueError(f"shape must be a pair (rows, cols); got {shape}")
        V.elements("shape", shape)
        if terms and shape != (_size(terms[0].cod), _size(terms[0].dom)):
            raise ValueError(f"shape {shape} does not match the terms' matrices "
                             f"{(_size(terms[0].cod), _size(terms[0].dom))}")
    if not terms:
        if shape is None:
            raise ValueError("an empty formal sum needs shape=")
        return np.zeros(shape)
    return sum(evaluate(t, theta) for t in terms)


# --------------------------------------------------------------------------- dual numbers
@dataclass(frozen=True)
class Dual:
    r"""A dual-number tensor :math:`A + \varepsilon A'` with :math:`\varepsilon^2 = 0`:
    ``re`` and ``eps`` arrays of one shape.

    Examples
    --------
    >>> import numpy as np
    >>> a = Dual(np.array([[2.0]]), np.array([[1.0]]))    # x = 2, dx = 1
    >>> (a @ a).eps.item(), a.kron(a).eps.item()          # d(x^2) = 2x dx, both ways
    (4.0, 4.0)
    """

    re: np.ndarray
    eps: np.ndarray

    def __post_init__(self) -> None:
        r = V.real_array("re", self.re, allow_complex=True)
        e = V.real_array("eps", self.eps, allow_complex=True)
        if r.shape != e.shape:
            raise ValueError(f"re {r.shape} and eps {e.shape} must have the same shape")
        object.__setattr__(self, "re", r)
        object.__setattr__(self, "eps", e)

    def __matmul__(self, other: "Dual") -> "Dual":
        V.instance("other", other, Dual)
        return Dual(self.re @ other.re, self.eps @ other.re + self.re @ other.eps)

    def kron(self, other: "Dual") -> "Dual":
        V.instance("other", other, Dual)
        return Dual(np.kron(self.re, other.re), np.kron(self.eps, other.re) + np.kron(self.re, other.eps))

    def __add__(self, other: "Dual") -> "Dual":
        V.instance("other", other, Dual)
        return Dual(self.re + other.re, self.eps + other.eps)

    def __mul__(self, other: "Dual") -> "Dual":
        """Elementwise (Hadamard) product."""
        V.instance("other", other, Dual)
        return Dual(self.re * other.re, self.eps * other.re + self.re * other.eps)

    def apply(self, f: Callable, df: Callable) -> "Dual":
        """Elementwise function: :math:`(f(A), f'(A)\\odot A')`."""
        V.function("f", f, what="(elementwise)")
        V.function("df", df, what="(elementwise)")
        return Dual(f(self.re), df(self.re) * self.eps)

    @staticmethod
    def constant(A) -> "Dual":
        A = V.real_array("A", A, allow_complex=True)
        return Dual(A, np.zeros_like(A))


def _box_dual(b: Box, theta) -> Dual:
    if isinstance(b, Bubble):
        return evaluate_dual(b.inner, theta).apply(b.f, b.df)
    return Dual(b.matrix(theta), b.d_matrix(theta))


def evaluate_dual(d: Diagram, theta=0.0) -> Dual:
    r"""The functor into dual-number matrices: each box :math:`\mapsto (F(b), F(\partial b))`,
    layers by :meth:`Dual.kron` with identities, composition by ``@``; ``.eps`` is
    :math:`\partial F(d)/\partial\theta`."""
    _diagram("d", d)
    theta = _theta(theta)
    M = Dual.constant(np.eye(_size(d.dom)))
    for l, b, r in d.layers:
        lay = Dual.constant(np.eye(_size(l))).kron(_box_dual(b, theta)).kron(Dual.constant(np.eye(_size(r))))
        M = lay @ M
    return M


# --------------------------------------------------------------------------- DisCoCat
def sentence_diagram(subject: Diagram, verb: Diagram, obj: Diagram) -> Diagram:
    r"""Subject-verb-object sentence :math:`(\cup_n\otimes\mathrm{id}_s\otimes\cup_n)\circ
    (\text{subject}\otimes\text{verb}\otimes\text{object})`: ``subject``, ``obj`` states on
    ``(n,)``, ``verb`` a state on ``(n, s, n)``; the result is a state on ``(s,)``."""
    for nm, w in (("subject", subject), ("verb", verb), ("obj", obj)):
        if not isinstance(w, Diagram) or w.dom != ():
            raise TypeError(f"{nm} must be a state diagram (dom = ())")
    if len(subject.cod) != 1 or len(obj.cod) != 1 or len(verb.cod) != 3:
        raise ValueError("subject and obj must be states on (n,), verb on (n, s, n)")
    n, s, n2 = verb.cod
    if subject.cod != (n,) or obj.cod != (n2,):
        raise ValueError(f"subject {subject.cod} and obj {obj.cod} must be states on the verb's noun wires "
                         f"({n},) and ({n2},) (verb is on {verb.cod})")
    words = subject.tensor(verb).tensor(obj)
    grammar = cup(n).tensor(identity((s,))).tensor(cup(n2))
    return words.then(grammar)


def hadamard_via_spiders(a: Diagram, b: Diagram) -> Diagram:
    r"""The elementwise product of two states on ``(n,)`` as a diagram: the merge spider
    :math:`n\otimes n\to n` after :math:`a\otimes b`."""
    _diagram("a", a)
    _diagram("b", b)
    if a.dom != () or b.dom != () or a.cod != b.cod or len(a.cod) != 1:
        raise ValueError("a and b must be states on the same single wire (n,)")
    return a.tensor(b).then(spider(a.cod[0], 2, 1))


# --------------------------------------------------------------------------- circuits
# Amplitudes are held as pairs (real part, imaginary part) of real arrays, so that the only
# complex unit in a computation is that of a complex-step perturbation of an angle: E(theta)
# is then real-analytic with E(real) exactly real, and Im E(theta + ih)/h is exact.
_X = np.array([[0.0, 1.0], [1.0, 0.0]])
_Z = np.array([[1.0, 0.0], [0.0, -1.0]])
_J = np.array([[0.0, -1.0], [1.0, 0.0]])          # -i Y
_FIXED = {
    "h": np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2),
    "x": _X,
    "cnot": np.array([[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]),
    "cz": np.diag([1.0, 1.0, 1.0, -1.0]),
}
_ROT = ("rx", "ry", "rz")


def _rotation(kind: str, angles):
    r"""(Re U, Im U) of :math:`e^{-i a P/2} = \cos(a/2) I - i\sin(a/2) P` for a batch of
    angles (...,) -> two (..., 2, 2) arrays."""
    a = np.asarray(angles)[..., None, None]
    c, s = np.cos(a / 2), np.sin(a / 2)
    if kind == "ry":                                 # -i sin Y = sin (-iY), real
        return c * np.eye(2) + s * _J, None
    P = _X if kind == "rx" else _Z
    return c * np.eye(2), -s * P


@dataclass(frozen=True)
class Circuit:
    """A parametrised circuit on ``n_qubits`` qubits: ``gates`` is a list of
    ``(name, qubits, p)`` with ``name`` in ``rx, ry, rz`` (``p`` the index of the angle in
    the parameter vector) or ``h, x, cnot, cz`` (``p = None``). Qubit 0 is the most
    significant bit of the statevector index."""

    n_qubits: int
    gates: tuple = field(default_factory=tuple)

    def __post_init__(self) -> None:
        n = V.count("n_qubits", self.n_qubits, high=int(np.log2(V.MAX_ELEMENTS)))
        if isinstance(self.gates, (str, bytes)) or not isinstance(self.gates, (tuple, list)):
            raise TypeError(f"gates must be a list of (name, qubits, p) triples; got {type(self.gates).__name__}")
        gs = []
        for k, g in enumerate(self.gates):
            if not (isinstance(g, (tuple, list)) and len(g) == 3):
                raise ValueError(f"gates[{k}] must be a triple (name, qubits, p); got {g!r}")
            name, qs, p = g
            if not isinstance(name, str):
                raise TypeError(f"gates[{k}]: the gate name must be a string; got {name!r}")
            if isinstance(qs, (str, bytes)) or not isinstance(qs, (tuple, list)):
                raise TypeError(f"gates[{k}]: qubits must be a tuple of qubit indices; got {qs!r}")
            if name in _ROT:
                if len(qs) != 1:
                    raise ValueError(f"gates[{k}]: {name} acts on one qubit; got {qs}")
                p = V.integer("p", p, 0)
            elif name in _FIXED:
                if len(qs) != (2 if name in ("cnot", "cz") else 1) or p is not None:
                    raise ValueError(f"gates[{k}]: {name}: wrong qubits {qs} or a parameter given")
            else:
                raise ValueError(f"gates[{k}]: the gate name must be one of {sorted(_ROT) + sorted(_FIXED)}; "
                                 f"got {name!r}")
            qs = tuple(V.integer("qubit", q, 0) for q in qs)
            if any(q >= n for q in qs) or len(set(qs)) != len(qs):
                raise ValueError(f"gates[{k}]: qubits {qs} out of range for n_qubits = {n} or repeated")
            gs.append((name, qs, p))
        object.__setattr__(self, "n_qubits", n)
        object.__setattr__(self, "gates", tuple(gs))

    @property
    def occurrences(self) -> np.ndarray:
        """Parameter index of each parametrised gate, in circuit order (n_occ,)."""
        return np.array([p for name, _, p in self.gates if name in _ROT], dtype=int)

    @property
    def n_params(self) -> int:
        """Number of parameters the circuit reads (largest index + 1)."""
        occ = self.occurrences
        return int(occ.max()) + 1 if occ.size else 0


def _apply(psi, U, qs, n):
    """Apply a real matrix U (..., 2^k, 2^k) or (2^k, 2^k) on qubits qs of psi (..., 2^n)."""
    k = len(qs)
    lead = psi.shape[:-1]
    T = psi.reshape(lead + (2,) * n)
    axes = [len(lead) + q for q in qs]
    front = list(range(len(lead), len(lead) + k))
    T = np.moveaxis(T, axes, front)
    sh = T.shape
    T = np.matmul(U, T.reshape(lead + (2 ** k, -1))).reshape(sh)
    return np.moveaxis(T, front, axes).reshape(lead + (2 ** n,))


def _run(circ: Circuit, occ_angles, psi0):
    """(Re psi, Im psi) after the circuit, each (..., 2^n)."""
    n = circ.n_qubits
    lead = occ_angles.shape[:-1]
    dt = np.result_type(occ_angles, float)
    re = np.broadcast_to(psi0.real, lead + psi0.shape[-1:]).astype(dt)
    im = np.broadcast_to(psi0.imag, lead + psi0.shape[-1:]).astype(dt)
    j = 0
    for name, qs, _ in circ.gates:
        if name in _ROT:
            Ur, Ui = _rotation(name, occ_angles[..., j])
            j += 1
        else:
            Ur, Ui = _FIXED[name], None
        if Ui is None:
            re, im = _apply(re, Ur, qs, n), _apply(im, Ur, qs, n)
        else:
            re, im = (_apply(re, Ur, qs, n) - _apply(im, Ui, qs, n),
                      _apply(im, Ur, qs, n) + _apply(re, Ui, qs, n))
    return re, im


def _initial(circ: Circuit, init_state) -> np.ndarray:
    dim = 2 ** circ.n_qubits
    if init_state is None:
        e = np.zeros(dim, dtype=complex)
        e[0] = 1.0
        return e
    s = V.real_array("init_state", init_state, ndim=1, allow_complex=True)
    if s.shape[-1] != dim:
        raise ValueError(f"init_state must have trailing size {dim}; got {s.shape}")
    return s.astype(complex)


def _occ_angles(circ: Circuit, theta, occ_angles):
    if occ_angles is not None:
        a = V.real_array("occ_angles", occ_angles, min_ndim=1, allow_complex=True)
        if a.shape[-1] != circ.occurrences.size:
            raise ValueError(f"occ_angles must have trailing size {circ.occurrences.size}; got {a.shape}")
        return a
    th = V.real_array("theta", theta, min_ndim=1, allow_complex=True)
    if th.shape[-1] < circ.n_params:
        raise ValueError(f"theta must have at least {circ.n_params} entries on its last axis; got {th.shape}")
    return th[..., circ.occurrences]


def statevector(circ: Circuit, theta=None, *, occ_angles=None, init_state=None) -> np.ndarray:
    """The state :math:`U(\\theta)|\\psi_0\\rangle` (..., 2^n) as a complex array, for real
    angles ``theta`` (..., P) or per-occurrence angles ``occ_angles`` (..., n_occ);
    ``init_state`` default :math:`|0\\dots0\\rangle`."""
    if not isinstance(circ, Circuit):
        raise TypeError("circ must be a Circuit")
    a = _occ_angles(circ, theta, occ_angles)
    if np.iscomplexobj(a):
        raise TypeError("statevector needs real angles (use expectation for complex-step derivatives)")
    re, im = _run(circ, a, _initial(circ, init_state))
    return re + 1j * im


def _observable(circ: Circuit, observable) -> tuple[np.ndarray, np.ndarray]:
    O = V.real_array("observable", observable, ndim=2, allow_complex=True)
    dim = 2 ** circ.n_qubits
    if O.shape != (dim, dim):
        raise ValueError(f"observable must be ({dim}, {dim}); got {O.shape}")
    if not np.allclose(O, np.conj(O.T), atol=1e-12):
        raise ValueError("observable must be Hermitian")
    O = O.astype(complex)
    return O.real.copy(), O.imag.copy()


def expectation(circ: Circuit, theta=None, observable=None, *, occ_angles=None, init_state=None) -> np.ndarray:
    r""":math:`E(\theta) = \langle\psi_0|U(\theta)^\dagger O U(\theta)|\psi_0\rangle`, shape
    ``theta.shape[:-1]``, computed in real arithmetic on (real, imaginary) pairs:
    :math:`E = \psi_r\cdot(O_r\psi_r - O_i\psi_i) + \psi_i\cdot(O_r\psi_i + O_i\psi_r)`. It is
    exactly real for real angles and analytic in them, so complex angles give the
    complex-step derivative :math:`\operatorname{Im}E(\theta + ih)/h` to round-off."""
    if not isinstance(circ, Circuit):
        raise TypeError("circ must be a Circuit")
    if observable is None:
        raise ValueError("observable is required (a Hermitian 2^n x 2^n matrix)")
    Or, Oi = _observable(circ, observable)
    a = _occ_angles(circ, theta, occ_angles)
    re, im = _run(circ, a, _initial(circ, init_state))
    are = re @ Or.T - im @ Oi.T
    aim = im @ Or.T + re @ Oi.T
    return np.sum(re * are + im * aim, axis=-1)


def parameter_shift(circ: Circuit, theta, observable, *, init_state=None, shift: float = np.pi / 2) -> np.ndarray:
    r"""Gradient of :func:`expectation` by the parameter-shift rule: for each occurrence
    :math:`j` of a rotation, :math:`\tfrac{1}{2\sin s}[E(a_j + s) - E(a_j - s)]` (exact for
    any shift :math:`s \notin \pi\mathbb Z`; :math:`s = \pi/2` is the usual rule), summed into
    the parameters the occurrences use. All :math:`2\,n_{occ}` shifted circuits run as one
    batch. ``theta`` (P,) -> (P,)."""
    if not isinstance(circ, Circuit):
        raise TypeError("circ must be a Circuit")
    th = V.real_array("theta", theta, ndim=1)
    s = V.positive_real("shift", shift)
    if abs(np.sin(s)) < 1e-8:
        raise ValueError("shift must not be a multiple of pi")
    if th.size < circ.n_params:
        raise ValueError(f"theta must have at least {circ.n_params} entries; got {th.size}")
    occ = circ.occurrences
    a = th[occ]
    m = occ.size
    shifts = np.concatenate([np.eye(m), -np.eye(m)]) * s
    E = expectation(circ, None, observable, occ_angles=a[None, :] + shifts, init_state=init_state)
    g_occ = (E[:m] - E[m:]) / (2 * np.sin(s))
    g = np.zeros(th.size)
    np.add.at(g, occ, g_occ)
    return g


def shift_gradients(circ: Circuit, occ_angles, observable, *, init_state=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Expectations and parameter-shift derivatives with respect to every gate occurrence,
    for a batch of angle vectors: ``occ_angles`` (B, n_occ) -> ``(E (B,), G (B, n_occ))``
    with :math:`G_{bj} = \tfrac12[E(a_b + \tfrac\pi2 e_j) - E(a_b - \tfrac\pi2 e_j)]`, all
    :math:`B(1 + 2n_{occ})` circuits in one batched simulation. Sum ``G`` into parameters with
    the occurrence map (``np.add.at``) when occurrences share a parameter."""
    if not isinstance(circ, Circuit):
        raise TypeError("circ must be a Circuit")
    a = V.real_array("occ_angles", occ_angles, ndim=2)
    m = circ.occurrences.size
    if a.shape[1] != m:
        raise ValueError(f"occ_angles must be (B, {m}); got {a.shape}")
    shifts = np.concatenate([np.zeros((1, m)), np.eye(m), -np.eye(m)]) * (np.pi / 2)
    E = expectation(circ, None, observable, occ_angles=a[:, None, :] + shifts[None], init_state=init_state)
    return E[:, 0], (E[:, 1:1 + m] - E[:, 1 + m:]) / 2
