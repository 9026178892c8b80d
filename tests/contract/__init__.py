"""The API contract of theorylab: one registered valid call per public function, and
what every bad variant of that call must do.

How it works (see CONTRIBUTING.md, "Adding a public function: its contract case")
------------------------------------------------------------------------------------
:func:`public_api` walks every public module of ``theorylab`` (no path component
starting with ``_``) and lists the public functions and classes *defined* there (names
in ``__all__``, or without a leading underscore when a module has no ``__all__``;
exception classes are left out). A name re-exported by a package is keyed by the
module that defines it; a name defined in a private sub-module
(``theorylab/losses/_core.py``) is keyed by its public parent (``theorylab.losses``).

Every public module ``theorylab.a.b`` has a case file ``tests/contract/a_b.py`` with a
dict ``CASES`` mapping each public name to either

* ``ok(*args, **kwargs)`` -- one valid call, fast (milliseconds) and with a finite
  result, optionally refined with ``.invalid(arg=[values that must be refused])``,
  ``.legal(arg=[values that are legal and must give a finite result])``,
  ``.allow_inf("arg", ...)``, ``.nonfinite("why the output may hold nan/inf")``,
  ``.fix("arg", ...)`` (not perturbed, with a reason in a comment), ``.on(instance)``
  (for ``"Class.method"`` keys); or
* ``skip("reason")`` -- not an input boundary (a result container, an abstract base).

A case file of a module owned by someone else may also define ``AWAITING_OWNER =
{"name": "owner, issue"}``: those names' bad-input tests are strict xfails until the
owner validates them (then the entry must go).

Use :data:`RNG` wherever the call takes a Generator: each call gets a fresh
``numpy.random.default_rng(12345)``, so calls are reproducible and comparable.

The suite (``tests/test_api_contract.py``) then

1. fails if a public name has no case (saying which file and key to add);
2. runs the valid call twice: it must return a finite result, identical both times;
3. perturbs every argument of the call (also the defaults it did not pass) one at a
   time -- NaN/inf, numeric strings, ``None``, wrong types, empty arrays, an extra or a
   missing axis, zero/negative/huge (10**12) sizes, a float for an integer, an
   unknown choice, a non-callable for a callable, a non-Generator for ``rng`` -- and
   each outcome must be either a ``ValueError``/``TypeError`` whose message names the
   argument, or a finite result. NaN, numeric strings, wrong types, unknown choices and
   the values listed in ``.invalid`` must be refused; anything else may be legal. A
   float accepted for an integer and giving the same result as its truncation counts
   as a silently accepted bad value; so does a call that hangs (> a few seconds),
   allocates absurdly (``MemoryError``) or raises any other exception;
4. draws further perturbations with hypothesis (random shapes and values).

``python -m tests.contract.report [module ...]`` prints the outcome counts per module
and every bad call.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import importlib
import inspect
import math
import pkgutil
import re
import signal
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

__all__ = [
    "RNG",
    "Case",
    "Skip",
    "ok",
    "skip",
    "public_api",
    "case_file",
    "load_cases",
    "perturbations",
    "classify",
    "Outcome",
    "PENDING",
]

# --------------------------------------------------------------------------- #
# modules whose cases are not written yet, with the owner who will write them
# --------------------------------------------------------------------------- #
PENDING: dict[str, str] = {
    "theorylab.runner": "the lead (runner/cli are being rewritten for claims v2, issue 12)",
    "theorylab.cli": "the lead (runner/cli are being rewritten for claims v2, issue 12)",
    "theorylab.plotting": "the book helper (plotting is being extended)",
}
"""Public modules exempt from the 'every public name has a case' rule until their owner
lands a case file. Delete the entry when you add ``tests/contract/<module>.py``."""

HUGE = 10**12
"""An absurd size: must be refused at once (or computed in closed form), never
allocated or looped over."""

TIME_LIMIT = 3.0
"""CPU seconds a perturbed call may take before it counts as a hang."""


class _RngSentinel:
    def __repr__(self) -> str:
        return "RNG"

    def __deepcopy__(self, memo):
        return self


RNG: Any = _RngSentinel()
"""Placeholder for ``numpy.random.default_rng(12345)``, fresh at every call."""


@dataclass
class Case:
    """One valid call of a public function, and how its bad variants must behave."""

    args: tuple
    kwargs: dict
    invalid_values: dict[str, list] = field(default_factory=dict)
    legal_values: dict[str, list] = field(default_factory=dict)
    inf_ok: tuple[str, ...] = ()
    nonfinite_reason: str = ""
    fixed: tuple[str, ...] = ()
    instance: Any = None
    time_limit: float = TIME_LIMIT
    nondet_reason: str = ""

    def invalid(self, **values: list) -> "Case":
        """Values of an argument that must be refused (``ValueError``/``TypeError`` naming it)."""
        for k, v in values.items():
            self.invalid_values.setdefault(k, []).extend(v)
        return self

    def legal(self, **values: list) -> "Case":
        """Values (or perturbation labels) that are legal: the call must return a finite result."""
        for k, v in values.items():
            self.legal_values.setdefault(k, []).extend(v)
        return self

    def allow_inf(self, *names: str) -> "Case":
        """Arguments for which +-inf is a legal (documented) value."""
        self.inf_ok = self.inf_ok + names
        return self

    def nonfinite(self, reason: str) -> "Case":
        """The output may legitimately hold nan/inf (say why, as the docstring does)."""
        self.nonfinite_reason = reason
        return self

    def fix(self, *names: str) -> "Case":
        """Arguments not to perturb (give the reason in a comment next to the case)."""
        self.fixed = self.fixed + names
        return self

    def on(self, instance: Any) -> "Case":
        """For a ``"Class.method"`` key: the instance whose method is called."""
        self.instance = instance
        return self

    def nondeterministic(self, reason: str) -> "Case":
        """Two calls with the same seed may differ (say why, e.g. a wall-time column)."""
        self.nondet_reason = reason
        return self

    def slow(self, seconds: float) -> "Case":
        """A larger time limit for the perturbed calls of this case."""
        self.time_limit = seconds
        return self


@dataclass(frozen=True)
class Skip:
    """A public name that is not an input boundary."""

    reason: str


def ok(*args: Any, **kwargs: Any) -> Case:
    """A valid call ``f(*args, **kwargs)``."""
    return Case(args=args, kwargs=kwargs)


def skip(reason: str) -> Skip:
    """Exempt a public name, with the reason (shown in the test report)."""
    if not reason:
        raise ValueError("skip needs a reason")
    return Skip(reason)


# --------------------------------------------------------------------------- #
# discovering the public API
# --------------------------------------------------------------------------- #
def _public_module_name(modname: str) -> str:
    """``theorylab.losses._core`` -> ``theorylab.losses`` (strip private components)."""
    parts = modname.split(".")
    for i, p in enumerate(parts):
        if p.startswith("_"):
            return ".".join(parts[:i])
    return modname


def _public_modules() -> list[str]:
    import theorylab

    names = ["theorylab"]
    for info in pkgutil.walk_packages(theorylab.__path__, "theorylab."):
        if any(p.startswith("_") for p in info.name.split(".")):
            continue
        names.append(info.name)
    return sorted(names)


def _public_names(mod) -> list[str]:
    if hasattr(mod, "__all__"):
        return [n for n in mod.__all__ if not n.startswith("_")]
    return [n for n in vars(mod) if not n.startswith("_")]


def public_api() -> dict[str, dict[str, Any]]:
    """``{module: {name: object}}`` for every public function and class of theorylab,
    keyed by the public module that defines it."""
    out: dict[str, dict[str, Any]] = {}
    for modname in _public_modules():
        mod = importlib.import_module(modname)
        for name in _public_names(mod):
            obj = getattr(mod, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            home = _public_module_name(getattr(obj, "__module__", "") or "")
            if home != modname:
                continue  # a re-export: keyed where it is defined
            out.setdefault(modname, {})[name] = obj
    return out


def case_file(modname: str) -> str:
    """The case file of a module: ``theorylab.kernels.fc`` -> ``tests/contract/kernels_fc.py``."""
    rest = modname.split(".", 1)[1] if "." in modname else "theorylab"
    return f"tests/contract/{rest.replace('.', '_')}.py"


def load_cases(modname: str) -> dict[str, Case | Skip] | None:
    """The ``CASES`` dict of a module's case file, or ``None`` if there is none."""
    target = case_file(modname)[:-3].replace("/", ".")
    try:
        mod = importlib.import_module(target)
    except ModuleNotFoundError as exc:
        if exc.name == target:
            return None
        raise
    return mod.CASES


def awaiting_owner(modname: str) -> dict[str, str]:
    """``AWAITING_OWNER`` of a module's case file: public names whose bad calls are known
    to get the wrong outcome and which the module's owner has yet to validate (name ->
    who and where). Their perturbation tests are strict xfails: they pass once the owner
    fixes the function, which then fails the suite until the entry is removed."""
    target = case_file(modname)[:-3].replace("/", ".")
    try:
        mod = importlib.import_module(target)
    except ModuleNotFoundError:
        return {}
    return dict(getattr(mod, "AWAITING_OWNER", {}))


def resolve(modname: str, key: str) -> Callable:
    """The callable a case key names: ``"f"`` or ``"Class.method"``."""
    obj: Any = importlib.import_module(modname)
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


@contextlib.contextmanager
def isolated_outputs() -> Iterator[str]:
    """Point the build, figures and sweep-cache folders at a temporary directory, so
    that no perturbed call writes into (or clears) the repository's outputs."""
    import os
    import tempfile

    names = ("THEORYLAB_BUILD_DIR", "THEORYLAB_FIGURES_DIR", "THEORYLAB_CACHE_DIR")
    old = {k: os.environ.get(k) for k in names}
    with tempfile.TemporaryDirectory(prefix="theorylab-contract-") as tmp:
        for k in names:
            os.environ[k] = os.path.join(tmp, k.split("_", 1)[1].lower())
        try:
            yield tmp
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@contextlib.contextmanager
def bounded_memory(cap_bytes: int = 8 * 2**30) -> Iterator[None]:
    """Cap the address space, so that a call trying to allocate terabytes fails with
    ``MemoryError`` instead of swapping a shared machine."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > cap_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# --------------------------------------------------------------------------- #
# making calls
# --------------------------------------------------------------------------- #
class CallTimeout(BaseException):
    """A call exceeded its time limit (derives from BaseException so that no
    ``except Exception`` inside the library swallows it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CallTimeout` after ``seconds`` of *CPU* time (``ITIMER_PROF``), so a
    loaded shared machine does not turn a slow call into a 'hang'."""
    def handler(signum, frame):  # pragma: no cover - only on a hang
        raise CallTimeout(f"call took more than {seconds} s of CPU time")

    old = signal.signal(signal.SIGPROF, handler)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def _materialise(v: Any) -> Any:
    if v is RNG:
        return np.random.default_rng(12345)
    return v


def target_of(modname: str, key: str, case: Case) -> Callable:
    if "." in key:
        _, meth = key.split(".", 1)
        if case.instance is None:
            raise ValueError(f"case {modname}.{key} is a method case: give the instance with .on(instance)")
        return getattr(case.instance, meth)
    return resolve(modname, key)


def bind(fn: Callable, case: Case) -> inspect.BoundArguments:
    sig = inspect.signature(fn)
    ba = sig.bind(*case.args, **case.kwargs)
    ba.apply_defaults()
    return ba


def call(fn: Callable, arguments: dict[str, Any], sig: inspect.Signature, seconds: float) -> Any:
    """``fn`` called with ``arguments`` (deep-copied, RNG materialised) under a time limit."""
    args, kwargs = [], {}
    for name, p in sig.parameters.items():
        if name not in arguments:
            continue
        v = _materialise(copy.deepcopy(arguments[name]))
        if p.kind is p.VAR_POSITIONAL:
            args.extend(v)
        elif p.kind is p.VAR_KEYWORD:
            kwargs.update(v)
        elif p.kind is p.POSITIONAL_ONLY or (p.kind is p.POSITIONAL_OR_KEYWORD and not kwargs):
            args.append(v)
        else:
            kwargs[name] = v
    if inspect.ismethod(fn):  # a fresh copy of the instance for every call
        fn = type(fn)(fn.__func__, copy.deepcopy(fn.__self__))
    with warnings.catch_warnings(), np.errstate(all="ignore"), time_limit(seconds):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# --------------------------------------------------------------------------- #
# inspecting results
# --------------------------------------------------------------------------- #
def nonfinite_paths(x: Any, path: str = "result", depth: int = 0) -> list[str]:
    """Where a result holds nan/inf (arrays, scalars, containers, dataclasses)."""
    if depth > 4 or x is None or isinstance(x, (str, bytes, bool, np.bool_)) or callable(x) and not hasattr(x, "__dict__"):
        return []
    if isinstance(x, np.random.Generator) or inspect.isclass(x) or inspect.isroutine(x):
        return []
    if isinstance(x, (int, np.integer)):
        return []
    if isinstance(x, (float, np.floating, complex, np.complexfloating)):
        return [] if np.isfinite(x) else [f"{path} = {x}"]
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "fc":
            bad = ~np.isfinite(x)
            return [f"{path} has {int(bad.sum())} non-finite of {x.size}"] if bad.any() else []
        if x.dtype.kind == "O":
            out: list[str] = []
            for i, v in enumerate(x.ravel()[:64]):
                out += nonfinite_paths(v, f"{path}[{i}]", depth + 1)
            return out
        return []
    if isinstance(x, dict):
        out = []
        for k, v in x.items():
            out += nonfinite_paths(v, f"{path}[{k!r}]", depth + 1)
        return out
    if isinstance(x, (list, tuple)):
        out = []
        for i, v in enumerate(x[:64]):
            out += nonfinite_paths(v, f"{path}[{i}]", depth + 1)
        return out
    if dataclasses.is_dataclass(x):
        out = []
        for f in dataclasses.fields(x):
            out += nonfinite_paths(getattr(x, f.name), f"{path}.{f.name}", depth + 1)
        return out
    if hasattr(x, "__dict__"):
        out = []
        for k, v in vars(x).items():
            if not k.startswith("_"):
                out += nonfinite_paths(v, f"{path}.{k}", depth + 1)
        return out
    return []


def same(a: Any, b: Any, depth: int = 0) -> bool:
    """Exact equality of two results (nan == nan; callables and Generators ignored)."""
    if depth > 5:
        return True
    if isinstance(a, np.random.Generator) or inspect.isroutine(a) or (callable(a) and not hasattr(a, "__dict__")):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, np.random.SeedSequence):
        return bool(np.array_equal(a.generate_state(4), b.generate_state(4)))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (float, np.floating)):
        return (a == b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (int, str, bytes, bool, np.integer, np.bool_, type(None))):
        return a == b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], depth + 1) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, depth + 1) for x, y in zip(a, b))
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name), depth + 1) for f in dataclasses.fields(a))
    if hasattr(a, "__dict__"):
        return same({k: v for k, v in vars(a).items()}, {k: v for k, v in vars(b).items()}, depth + 1)
    return a == b


# --------------------------------------------------------------------------- #
# perturbations
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Perturbation:
    label: str
    value: Any
    strict: bool  # must be refused
    truncation_of: Any = None  # for a float given to an integer argument: the int it truncates to


class _Opaque:
    """An object of no expected type."""

    def __repr__(self) -> str:
        return "<opaque object>"


def _numeric_array(v: Any) -> np.ndarray | None:
    if isinstance(v, np.ndarray):
        return v if v.dtype.kind in "biuf" else None
    if isinstance(v, (list, tuple)) and len(v) > 0:
        try:
            a = np.asarray(v)
        except (ValueError, TypeError):
            return None
        if a.dtype.kind in "iuf" and a.ndim >= 1:
            return a
    return None


def _is_plain_callable(value: Any) -> bool:
    return (inspect.isfunction(value) or inspect.isbuiltin(value) or inspect.ismethod(value)
            or isinstance(value, (np.ufunc, functools.partial)))


def perturbations(name: str, value: Any, case: Case) -> list[Perturbation]:
    """The deterministic perturbations of one argument, from the type of its valid value."""
    P = Perturbation
    inf_strict = name not in case.inf_ok
    out: list[Perturbation] = []
    if value is None:
        return out
    if value is RNG or isinstance(value, np.random.Generator):
        return [P("None for rng", None, True), P("int seed for rng", 0, True), P("string for rng", "0", True)]
    if isinstance(value, (bool, np.bool_)):
        return [P("string for a flag", "yes", True), P("None for a flag", None, False)]
    if isinstance(value, (int, np.integer)):
        v = int(value)
        out = [
            P("zero", 0, False),
            P("negative", -1, False),
            P("huge", HUGE, False),
            P("float for an integer", v + 0.5, False, truncation_of=v),
            P("numeric string", str(v), True),
            P("nan", math.nan, True),
            P("None", None, False),
            P("wrong type", _Opaque(), True),
        ]
        return out
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return [
            P("nan", math.nan, True),
            P("+inf", math.inf, inf_strict),
            P("-inf", -math.inf, inf_strict),
            P("zero", 0.0, False),
            P("negative", -abs(v) - 1.0, False),
            P("numeric string", repr(v), True),
            P("None", None, False),
            P("wrong type", _Opaque(), True),
        ]
    if isinstance(value, str):
        return [
            P("unknown choice", "no-such-choice", True),
            P("non-string", 3, True),
            P("None", None, False),
        ]
    arr = _numeric_array(value)
    if arr is not None:
        a = np.array(arr)
        if a.ndim == 0:
            return perturbations(name, a.item(), case)
        out = []
        fa = a.astype(float)
        if fa.size:
            idx = (0,) * fa.ndim
            nan_a = fa.copy()
            nan_a[idx] = np.nan
            inf_a = fa.copy()
            inf_a[idx] = np.inf
            out += [P("nan entry", nan_a, True), P("inf entry", inf_a, inf_strict)]
            out.append(P("numeric strings", a.astype(str), True))
        if a.dtype.kind in "iu" and a.size:
            out.append(P("float entries", a + 0.5, False, truncation_of=a))
        out += [
            P("empty", a[:0], False),
            P("extra axis", a[None], False),
            P("fewer axes", a.reshape(-1)[0] if a.ndim == 1 else a.reshape(-1), False),
            P("None", None, False),
            P("wrong type", _Opaque(), True),
        ]
        return out
    if _is_plain_callable(value):
        return [P("not callable", 3, True), P("None", None, False)]
    # any other object: a theorylab instance, a dict, a tuple of callables, ...
    return [P("None", None, False), P("wrong type", _Opaque(), True), P("string", "x", True)]


# --------------------------------------------------------------------------- #
# outcomes
# --------------------------------------------------------------------------- #
GOOD = ("clear error", "finite result")
BAD = (
    "error not naming the argument",
    "other exception",
    "MemoryError",
    "hang",
    "silent nan/inf",
    "bad value accepted",
    "numeric string accepted",
)


@dataclass(frozen=True)
class Outcome:
    kind: str  # one of GOOD + BAD
    detail: str = ""

    @property
    def good(self) -> bool:
        return self.kind in GOOD


def names_argument(message: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


def classify(fn: Callable, arguments: dict[str, Any], sig: inspect.Signature, name: str,
             pert: Perturbation, case: Case, reference: Any) -> Outcome:
    """Call ``fn`` with ``arguments[name]`` replaced by the perturbation and classify."""
    trial = dict(arguments)
    trial[name] = pert.value
    strict = pert.strict
    legal = case.legal_values.get(name, [])
    if pert.label in legal:
        strict = False
    try:
        result = call(fn, trial, sig, case.time_limit)
    except CallTimeout:
        return Outcome("hang", f"> {case.time_limit} s")
    except MemoryError as exc:
        return Outcome("MemoryError", str(exc)[:120])
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        if names_argument(msg, name):
            return Outcome("clear error", f"{type(exc).__name__}: {msg[:160]}")
        return Outcome("error not naming the argument", f"{type(exc).__name__}: {msg[:160]}")
    except Exception as exc:  # noqa: BLE001 - classifying any failure is the point
        return Outcome("other exception", f"{type(exc).__name__}: {str(exc)[:160]}")
    bad = [] if case.nonfinite_reason else nonfinite_paths(result)
    if bad:
        return Outcome("silent nan/inf", "; ".join(bad[:3]))
    if strict:
        kind = "numeric string accepted" if pert.label in ("numeric string", "numeric strings") \
            else "bad value accepted"
        return Outcome(kind, f"returned a finite result for {pert.label}")
    if pert.truncation_of is not None and reference is not None and same(result, reference):
        return Outcome("bad value accepted", f"{pert.label} silently truncated (same result as the integer)")
    return Outcome("finite result")


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"array{v.shape}" if v.size > 6 else repr(v.tolist())
    r = repr(v)
    return r if len(r) < 60 else r[:57] + "..."


def invalid_perturbations(case: Case, name: str) -> list[Perturbation]:
    return [Perturbation(f"invalid value {_short(v)}", v, True) for v in case.invalid_values.get(name, [])]


def legal_perturbations(case: Case, name: str) -> list[Perturbation]:
    return [Perturbation(f"legal value {_short(v)}", v, False) for v in case.legal_values.get(name, [])
            if not isinstance(v, str) or not _is_label(v)]


_LABELS = {"zero", "negative", "huge", "float for an integer", "numeric string", "nan", "None", "wrong type",
           "+inf", "-inf", "unknown choice", "non-string", "nan entry", "inf entry", "numeric strings",
           "float entries", "empty", "extra axis", "fewer axes", "not callable", "string",
           "string for a flag", "None for a flag"}


def _is_label(v: str) -> bool:
    return v in _LABELS


def perturbable(arguments: dict[str, Any], sig: inspect.Signature, case: Case) -> list[str]:
    names = []
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or name in case.fixed:
            continue
        if name in arguments and (arguments[name] is not None or name in case.invalid_values):
            names.append(name)
    return names


def run_case(modname: str, key: str, case: Case) -> list[tuple[str, Perturbation, Outcome]]:
    """Every deterministic perturbation of one case and its outcome."""
    fn = target_of(modname, key, case)
    sig = inspect.signature(fn)
    ba = bind(fn, case)
    arguments = dict(ba.arguments)
    reference = call(fn, arguments, sig, max(case.time_limit, 30.0))
    results = []
    for name in perturbable(arguments, sig, case):
        perts = [] if arguments[name] is None else perturbations(name, arguments[name], case)
        perts += invalid_perturbations(case, name) + legal_perturbations(case, name)
        for pert in perts:
            results.append((name, pert, classify(fn, arguments, sig, name, pert, case, reference)))
    return results


# --------------------------------------------------------------------------- #
# random perturbations (hypothesis)
# --------------------------------------------------------------------------- #
def _has_nan(v: Any) -> bool:
    try:
        a = np.asarray(v)
    except Exception:  # noqa: BLE001
        return False
    return a.dtype.kind in "fc" and bool(np.isnan(a).any())


def _is_text(v: Any) -> bool:
    return isinstance(v, str) or (isinstance(v, np.ndarray) and v.dtype.kind in "US")


def strategy_for(name: str, value: Any, case: Case):
    """A hypothesis strategy of :class:`Perturbation` for one argument: random values
    of the argument's kind (floats in [-1e6, 1e6] and the special values, integers
    around the valid range and absurd ones, arrays of random shape with entries of
    moderate size, nan and inf, numeric strings, wrong types)."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    specials = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0])
    texts = st.one_of(st.text(max_size=6), st.floats(-100, 100).map(repr), st.integers(-5, 50).map(str))

    free_text = isinstance(value, str) and "unknown choice" in case.legal_values.get(name, [])

    def wrap(values):
        def make(v):
            strict = _has_nan(v) or (_is_text(v) and not free_text)
            if not strict and name not in case.inf_ok:
                try:
                    a = np.asarray(v, dtype=float)
                    strict = bool(np.isinf(a).any())
                except (TypeError, ValueError):
                    pass
            return Perturbation("hypothesis", v, strict)
        return values.map(make)

    if value is RNG or isinstance(value, np.random.Generator):
        return wrap(st.sampled_from([None, 0, "0", 1.5, [1, 2]]))
    if isinstance(value, (bool, np.bool_)):
        return wrap(st.one_of(st.sampled_from([2, 0.5, None]), texts))
    if isinstance(value, (int, np.integer)):
        return wrap(st.one_of(st.integers(-3, 40), st.sampled_from([HUGE, -HUGE, 2**63]), st.floats(-5, 40),
                              specials, texts))
    if isinstance(value, (float, np.floating)):
        return wrap(st.one_of(st.floats(-1e6, 1e6), specials, st.integers(-5, 5), texts))
    if isinstance(value, str):
        return wrap(st.one_of(st.text(max_size=8), st.integers(-2, 2), st.none()))
    arr = _numeric_array(value)
    if arr is not None:
        a = np.asarray(arr)
        elements = st.one_of(st.floats(-3, 3), specials)
        same_shape = hnp.arrays(np.float64, a.shape, elements=elements) if a.size <= 400 else st.nothing()
        shapes = hnp.array_shapes(min_dims=0, max_dims=max(a.ndim + 1, 1), min_side=0, max_side=5)
        other_shape = hnp.arrays(np.float64, shapes, elements=elements)
        ints = hnp.arrays(np.int64, a.shape, elements=st.integers(-3, 12)) if a.size <= 400 else st.nothing()
        return wrap(st.one_of(same_shape, other_shape, ints, texts, st.none()))
    if _is_plain_callable(value):
        return wrap(st.sampled_from([3, "f", None]))
    return wrap(st.sampled_from([None, 0, 1.5, "x", (1, 2)]))
