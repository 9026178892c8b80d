r"""The claims ledger: every checked statement of every paper, with its evidence.

A notebook opens one :class:`Ledger` for its paper and routes every check through one
of its methods. Each check

1. evaluates a pass criterion on measured numbers (the *method* fixes the kind of
   check: there is no free "kind" label);
2. computes an **evidence grade** (``strong`` / ``moderate`` / ``weak``) from the check
   itself — the author does not choose it (rules in :data:`GRADE_RULES`);
3. re-evaluates the *same* criterion on a deliberately wrong variant, the **negative
   control** (:class:`Control`), which must be rejected: a check that cannot reject a
   wrong answer has no power;
4. appends a :class:`Record` — slug, claim id, statement, **role** (``claim`` for a
   statement of the paper, ``implementation`` for our own derivations, tautologies and
   code invariants), kind, grade, measured values, criterion, tolerance and the noise
   scale it came from, control, verdict, expected verdict, profile, seed, wall time — and
   rewrites ``<build>/ledger/<slug>.json``;
5. raises :class:`ClaimFailed` (an ``AssertionError``) when a check that should
   reproduce does not, :class:`ControlNotRejected` when its negative control passes, and
   :class:`UnexpectedlyReproduced` when a check declared not reproduced passes (a strict
   xfail), so nbmake / ``pytest`` fail on the notebook.

Kinds of check, strongest evidence first::

    identity    measured == expected within atol + rtol*|expected|
    limit       a sequence approaches a target: final distance within tol, and shrinking
    scaling     a fitted log-log slope lies in a two-sided window
    interval    a scalar (e.g. a bootstrapped statistic) lies in [lo, hi]
    bound       lhs <= rhs + tol everywhere (or >=); the slack relative to |rhs| is stored
    comparison  one method beats another: paired interval across replicates, or every case
    invariant   a property holds in every case (an explicit boolean array)
    custom      anything else (always graded weak)
    report      shown, not asserted (claims that cannot be checked at this scale)

Tolerances are computed, not typed
----------------------------------
Every non-zero tolerance is a :class:`Tolerance` built by :func:`tol_se` (k × a standard
error measured in the notebook), :func:`tol_roundoff` (float64 round-off of the
computation), :func:`tol_truncation` (a derived bound on a deterministic numerical error:
series truncation, a cap, a solver's stopping rule), :func:`tol_catalogue` (the frozen pass window of the paper catalogue) or
:func:`tol_exact` (zero). The record stores where it came from. A bare float is refused.

Not reproduced
--------------
A claim that honestly does not reproduce is declared with ``expect="not-reproduced",
reason="..."`` (or per profile, ``expect={"quick": "not-reproduced"}``). Its verdict is
then ``not-reproduced`` and the notebook still runs; if the check starts to pass, the
ledger raises :class:`UnexpectedlyReproduced`. The catalogue's criterion is frozen: a
better-founded replacement gets a new id and names the one it replaces
(``replaces="C4a"``); both stay in the ledger.

Example
-------
>>> import numpy as np
>>> from theorylab import claims
>>> led = claims.Ledger("example", seed=0, write=False)
>>> rec = led.identity("C1", "1 + 1 = 2", role="implementation", measured=1.0 + 1.0,
...                    expected=2.0, atol=claims.tol_roundoff(2.0), reference="arithmetic")
>>> rec.verdict, rec.grade
('reproduced', 'strong')
>>> x = np.array([10.0, 100.0, 1000.0, 10000.0])
>>> rec = led.scaling("C2", "error ~ n^-1/2", role="claim", x=x, y=x**-0.5,
...                   expected=-0.5, tol=claims.tol_catalogue(0.05, "catalogue: slope within 0.05"),
...                   control=claims.Control("a 1/n rate", y=1 / x))
>>> rec.verdict, rec.control["rejected"]
('reproduced', True)
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

import numpy as np

from . import config

__all__ = [
    "KINDS",
    "ROLES",
    "GRADES",
    "VERDICTS",
    "GRADE_RULES",
    "ClaimFailed",
    "ControlNotRejected",
    "UnexpectedlyReproduced",
    "Tolerance",
    "tol_exact",
    "tol_roundoff",
    "tol_se",
    "tol_catalogue",
    "tol_truncation",
    "Control",
    "Record",
    "Ledger",
    "fit_loglog",
    "load_records",
    "load_all_records",
    "records_table",
    "paper_status",
    "verdict_label",
]

KINDS: tuple[str, ...] = (
    "identity", "limit", "scaling", "interval", "bound", "comparison", "invariant", "custom", "report",
)
"""Kinds of record, one per check method. ``report`` is shown but not asserted."""

ROLES: tuple[str, ...] = ("claim", "implementation")
"""``claim``: a statement of the paper (counts towards its verdict). ``implementation``:
our own derivation, a tautology, a code invariant or a textbook pathwise inequality."""

GRADES: tuple[str, ...] = ("strong", "moderate", "weak")
"""Evidence grades, computed by the ledger (see :data:`GRADE_RULES`)."""

VERDICTS: tuple[str, ...] = ("reproduced", "not-reproduced", "reported")
"""Possible verdicts. ``reported`` only for :meth:`Ledger.report` records."""

GRADE_RULES: dict[str, str] = {
    "identity": "strong at round-off/exact tolerance (or a derived truncation bound <= 1e-6 of the scale), or within k <= 4 standard errors with "
                "tolerance <= 50% of |expected|; moderate for k <= 6 or a catalogue window <= 50% "
                "of |expected|; weak otherwise",
    "limit": "weak with < 4 points; strong when the distance is non-increasing over the tail and "
             "the tolerance is round-off or <= 4 SE; moderate otherwise",
    "scaling": "weak over < 1 decade, < 4 points, or a window half-width > 50% of |expected|; "
               "strong when the slope's confidence interval lies inside the window; moderate otherwise",
    "interval": "weak when one-sided or half-width > 50% of |centre|; strong when the confidence "
                "interval lies inside; moderate otherwise",
    "bound": "strong when the bound is nearly attained (smallest relative slack <= 10% of the "
             "scale of the two sides), moderate <= 50%, weak when loose everywhere; a violated bound is "
             "strong evidence of failure when violated by > 10% of the scale, moderate > 1%, weak otherwise",
    "comparison": "moderate with >= 5 replicates (paired interval, or every case); weak with fewer",
    "invariant": "moderate with >= 10 cases; weak with fewer",
    "custom": "always weak (prefer a typed check)",
    "no-control": "an asserted claim without a negative control is capped at weak",
}
"""How :class:`Ledger` computes the grade of each kind of check."""

Expect = Literal["reproduced", "not-reproduced"]
_EPS = float(np.finfo(float).eps)
_GRADE_ORDER = {"strong": 0, "moderate": 1, "weak": 2}


class ClaimFailed(AssertionError):
    """A check expected to reproduce did not meet its criterion."""


class UnexpectedlyReproduced(AssertionError):
    """A check declared *not reproduced* now meets its criterion (strict xfail)."""


class ControlNotRejected(AssertionError):
    """The negative control of a check passed too: the check has no power."""


# --------------------------------------------------------------------------- #
# tolerances
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Tolerance:
    """A tolerance with its provenance.

    Build it with :func:`tol_exact`, :func:`tol_roundoff`, :func:`tol_se` or
    :func:`tol_catalogue`; add two with ``+`` (e.g. round-off plus Monte-Carlo error).

    Attributes
    ----------
    value : float
        The tolerance itself (>= 0).
    source : str
        ``exact``, ``roundoff``, ``truncation``, ``se``, ``catalogue``, ``combined`` or ``typed`` (legacy).
    detail : str
        Where the number came from, in words.
    se, k : float or None
        For ``se`` tolerances: the standard error and the multiplier (value = k·se).
    """

    value: float
    source: str
    detail: str = ""
    se: float | None = None
    k: float | None = None
    parts: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        v = self.value
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"value (a tolerance) must be a real number; got {type(v).__name__} {v!r:.40}")
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"value (a tolerance) must be finite and >= 0; got {v!r}")
        for name in ("source", "detail"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str; got {type(getattr(self, name)).__name__}")
        for name in ("se", "k"):
            x = getattr(self, name)
            if x is not None:
                _real(name, x)
        if not isinstance(self.parts, tuple) or not all(
                isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in self.parts):
            raise TypeError("parts must be a tuple of (source, value) pairs")
        for _, x in self.parts:
            _real("parts", x)

    def __add__(self, other: "Tolerance") -> "Tolerance":
        if not isinstance(other, Tolerance):
            return NotImplemented
        parts = (self.parts or ((self.source, self.value),)) + (other.parts or ((other.source, other.value),))
        se = self.se if self.se is not None else other.se
        k = self.k if self.k is not None else other.k
        return Tolerance(self.value + other.value, "combined", f"{self.detail} + {other.detail}",
                         se=se, k=k, parts=parts)

    @property
    def dominant(self) -> str:
        """The source contributing most of the value (``source`` unless combined)."""
        if not self.parts:
            return self.source
        return max(self.parts, key=lambda p: p[1])[0]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "source": self.source, "detail": self.detail}
        if self.se is not None:
            out["se"] = self.se
            out["k"] = self.k
        if self.parts:
            out["dominant"] = self.dominant
        return out


def _real(name: str, v: Any, *, positive: bool = False) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    f = float(v)
    if not math.isfinite(f) or f < 0 or (positive and f == 0):
        raise ValueError(f"{name} must be finite and {'> 0' if positive else '>= 0'}; got {v!r}")
    return f


def tol_exact() -> Tolerance:
    """Zero tolerance: the two sides must agree exactly."""
    return Tolerance(0.0, "exact", "exact")


def tol_roundoff(scale: Any, n_ops: float = 1.0) -> Tolerance:
    """Float64 round-off: ``n_ops · eps · max|scale|`` with eps = 2.2e-16.

    ``scale`` is the magnitude of the quantities compared (a number or an array, whose
    largest absolute value is used); ``n_ops`` a bound on the number of rounding steps
    that accumulate (e.g. the length of a sum).
    """
    n = _real("n_ops", n_ops, positive=True)
    s = float(np.max(np.abs(_finite_array("scale", scale))))
    return Tolerance(n * _EPS * s, "roundoff", f"float64 round-off: {_fmt(n)}·eps·{_fmt(s)}")


def tol_se(se: Any, k: float = 3.0, *, source: str) -> Tolerance:
    """``k`` standard errors: ``se`` is a standard error measured in the notebook
    (a number, or an array whose largest value is used); ``source`` says what it is the
    standard error of (e.g. "Monte-Carlo SE of the mean over 400 seeds")."""
    kk = _real("k", k, positive=True)
    if kk > 10:
        raise ValueError(f"k must be <= 10 standard errors (a wider band has no power); got {k!r}")
    s = float(np.max(np.abs(_finite_array("se", se))))
    if not isinstance(source, str) or not source.strip():
        raise ValueError("source must say what the standard error was measured on")
    return Tolerance(kk * s, "se", f"{_fmt(kk)} × SE {_fmt(s)} ({source.strip()})", se=s, k=kk)


def tol_truncation(value: float, source: str) -> Tolerance:
    """A bound on a deterministic numerical error derived in the notebook: a truncated
    series, a score cap, a solver's stopping rule, a bisection bracket. ``source`` gives the
    derivation in one line (e.g. "scores capped at -30: mass <= (n-2)e^-30 ~ 3e-12")."""
    v = _real("value", value)
    if not isinstance(source, str) or not source.strip():
        raise ValueError("source must give the derivation of the truncation bound")
    return Tolerance(v, "truncation", source.strip())


def tol_catalogue(value: float, source: str) -> Tolerance:
    """The paper catalogue's own (frozen) pass window, quoted in ``source``."""
    v = _real("value", value)
    if not isinstance(source, str) or not source.strip():
        raise ValueError("source must quote the catalogue criterion the tolerance comes from")
    return Tolerance(v, "catalogue", source.strip())


def _as_tol(name: str, value: Any, *, legacy: bool) -> Tolerance:
    if isinstance(value, Tolerance):
        return value
    if value is None:
        return tol_exact()
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        v = _real(name, value)
        if v == 0.0:
            return tol_exact()
        if legacy:
            return Tolerance(v, "typed", "typed in the notebook (legacy contract)")
        raise TypeError(
            f"{name}={value!r}: a tolerance must be computed, not typed — use claims.tol_se(se, k, "
            "source=...), claims.tol_roundoff(scale, n_ops), claims.tol_catalogue(value, source=...) "
            "or claims.tol_exact()"
        )
    raise TypeError(f"{name} must be a claims.Tolerance; got {type(value).__name__}")


# --------------------------------------------------------------------------- #
# controls
# --------------------------------------------------------------------------- #
class Control:
    """A deliberately wrong variant for a check's negative control.

    ``Control("a sqrt(T) learner", y=regret_sqrt)`` re-evaluates the check it is passed
    to with ``y`` replaced; every keyword must be one of the check's data arguments
    (``measured``, ``expected``, ``x``, ``y``, ``lhs``, ``rhs``, ``target``, ``better``,
    ``worse``, ``holds``, ``passed``, ``lo``, ``hi``, ``ci`` — whichever the check takes).
    The control must *fail* the same criterion.
    """

    def __init__(self, variant: str, **overrides: Any) -> None:
        if not isinstance(variant, str) or not variant.strip():
            raise ValueError("variant must describe the deliberately wrong variant")
        if not overrides:
            raise ValueError("a Control needs at least one overridden input, e.g. Control('...', y=y_wrong)")
        self.variant = " ".join(variant.split())
        self.overrides = overrides

    def __repr__(self) -> str:
        return f"Control({self.variant!r}, {', '.join(self.overrides)})"


# --------------------------------------------------------------------------- #
# records
# --------------------------------------------------------------------------- #
@dataclass
class Record:
    """One ledger line. All fields are JSON-serialisable."""

    slug: str
    claim: str
    statement: str
    role: str
    kind: str
    grade: str | None
    grade_reason: str
    measured: Any
    criterion: str
    verdict: str
    expected: str
    passed: bool | None
    profile: str
    seed: int | None
    seconds: float
    tolerance: dict[str, Any] | None = None
    control: dict[str, Any] | None = None
    reference: str = ""
    replaces: str = ""
    expect_by_profile: dict[str, str] | None = None
    contract: str = "v2"
    rationale: str = ""
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One readable line: claim, role, grade, criterion, control, verdict."""
        return record_line(self.to_json())

    def __repr__(self) -> str:
        return f"<{self.line()}>"

    def _repr_markdown_(self) -> str:  # notebook display: one line, not a dataclass repr
        return record_line(self.to_json(), markdown=True)


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def _jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays (and nested containers) to plain Python."""
    if isinstance(value, Tolerance):
        return value.to_json()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, (int, str)) or value is None:
        return value
    return str(value)


def _fmt(x: float) -> str:
    """Compact number formatting for criterion strings."""
    x = float(x)
    if x == 0 or math.isnan(x) or math.isinf(x):
        return f"{x:g}"
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.4g}"
    return f"{x:.3e}"


def _finite_array(name: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric (array-like of floats); got a string")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):  # ragged: reported by the conversion below
        raw = None
    if raw is not None and (raw.dtype.kind in "USV" or (
            raw.dtype.kind == "O" and any(isinstance(e, (str, bytes)) for e in raw.ravel()))):
        raise TypeError(f"{name} must be numeric (array-like of floats); got strings")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric (array-like of floats); got {type(value).__name__}") from exc
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values (nan or inf)")
    return arr


def _scalar(name: str, value: Any) -> float:
    arr = _finite_array(name, value)
    if arr.size != 1:
        raise ValueError(f"{name} must be a scalar; got shape {arr.shape}")
    return float(arr.ravel()[0])


def _small(a: np.ndarray, limit: int = 64) -> Any:
    a = np.asarray(a)
    if a.size <= limit:
        return a if a.ndim else a.item()
    return {"shape": list(a.shape), "min": float(a.min()), "max": float(a.max()), "mean": float(a.mean())}


def _cap(grade: str, cap: str) -> str:
    return grade if _GRADE_ORDER[grade] >= _GRADE_ORDER[cap] else cap


def fit_loglog(x: Sequence[float], y: Sequence[float], *, level: float = 0.95) -> dict[str, float]:
    """Least-squares fit of ``log y = a + b log x``.

    Returns a dict with ``slope``, ``intercept``, ``stderr`` (of the slope),
    ``lo``/``hi`` (the two-sided ``level`` Student-t interval of the slope, n − 2
    degrees of freedom), ``r2`` and ``n``.

    Parameters
    ----------
    x, y
        Positive, finite, same length, at least 3 points.
    level
        Confidence level of the interval, in (0, 1).

    Examples
    --------
    >>> fit = fit_loglog([1, 10, 100], [2, 0.2, 0.02])
    >>> round(fit["slope"], 12)
    -1.0
    """
    from scipy import stats

    lv = _real("level", level, positive=True)
    if not lv < 1:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    xa = _finite_array("x", x).ravel()
    ya = _finite_array("y", y).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length; got {xa.size} and {ya.size}")
    if xa.size < 3:
        raise ValueError(f"a log-log fit needs at least 3 points; got {xa.size}")
    if np.any(xa <= 0) or np.any(ya <= 0):
        raise ValueError("x and y must be strictly positive for a log-log fit")
    if np.ptp(xa) == 0:
        raise ValueError("x must take at least two distinct values")
    lx, ly = np.log(xa), np.log(ya)
    res = stats.linregress(lx, ly)
    dof = xa.size - 2
    tq = stats.t.ppf(0.5 + lv / 2, dof)
    return {
        "slope": float(res.slope),
        "intercept": float(res.intercept),
        "stderr": float(res.stderr),
        "lo": float(res.slope - tq * res.stderr),
        "hi": float(res.slope + tq * res.stderr),
        "r2": float(res.rvalue**2),
        "n": int(xa.size),
    }


# --------------------------------------------------------------------------- #
# evaluators: pure functions (data -> outcome), shared by a check and its control
# --------------------------------------------------------------------------- #
@dataclass
class _Outcome:
    passed: bool
    measured: Any
    criterion: str
    grade: str
    grade_reason: str


def _tol_grade(tol: Tolerance, allowed_max: float, scale: float) -> tuple[str, str]:
    """Grade of an identity-like comparison from its tolerance's provenance."""
    src = tol.dominant
    if src in ("exact", "roundoff") or tol.value == 0:
        return "strong", f"tolerance from {src}"
    too_wide = scale > 0 and allowed_max > 0.5 * scale
    if too_wide:
        return "weak", f"tolerance {_fmt(allowed_max)} > 50% of |expected| {_fmt(scale)}"
    if src == "truncation":
        if allowed_max <= 1e-6 * max(1.0, scale):
            return "strong", "derived numerical-error bound <= 1e-6 of the scale"
        return "moderate", "derived numerical-error bound > 1e-6 of the scale"
    if src == "se":
        k = tol.k or 0.0
        if k <= 4:
            return "strong", f"within {_fmt(k)} standard errors"
        if k <= 6:
            return "moderate", f"within {_fmt(k)} standard errors (> 4)"
        return "weak", f"{_fmt(k)} standard errors (> 6)"
    if src == "catalogue":
        return "moderate", "catalogue window <= 50% of |expected|"
    return "weak", f"tolerance source {src!r} (typed)"


def _eval_identity(d: dict[str, Any]) -> _Outcome:
    m = _finite_array("measured", d["measured"])
    e = _finite_array("expected", d["expected"])
    try:
        m_b, e_b = np.broadcast_arrays(m, e)
    except ValueError as exc:
        raise ValueError(f"measured {m.shape} and expected {e.shape} do not broadcast") from exc
    atol: Tolerance = d["atol"]
    rtol: Tolerance = d["rtol"]
    dev = np.abs(m_b - e_b)
    allowed = atol.value + rtol.value * np.abs(e_b)
    passed = bool(np.all(dev <= allowed))
    worst = int(np.argmax(dev - allowed))
    parts = [t for t in ((_fmt(atol.value) if atol.value else ""),
                         (f"{_fmt(rtol.value)}·|expected|" if rtol.value else "")) if t]
    tol_txt = " + ".join(parts) or "0"
    if m_b.size == 1:
        criterion = f"|{_fmt(m_b.ravel()[0])} − {_fmt(e_b.ravel()[0])}| = {_fmt(dev.max())} ≤ {tol_txt}"
        meas: Any = float(m_b.ravel()[0])
    else:
        criterion = f"max |measured − expected| = {_fmt(dev.max())} ≤ {tol_txt} over {m_b.size} values"
        meas = {"max_abs_dev": float(dev.max()), "worst_index": worst}
        if m_b.size <= 64:
            meas["values"] = m_b
        else:
            meas["shape"] = list(m_b.shape)
    dom = atol if atol.value * 1.0 >= float(np.max(rtol.value * np.abs(e_b))) else rtol
    grade, why = _tol_grade(dom, float(np.max(allowed)), float(np.max(np.abs(e_b))))
    return _Outcome(passed, meas, criterion, grade, why)


def _eval_limit(d: dict[str, Any]) -> _Outcome:
    seq = _finite_array("measured", d["measured"]).ravel()
    if seq.size < 3:
        raise ValueError(f"a limit check needs a sequence of at least 3 values; got {seq.size}")
    tgt = _scalar("target", d["target"])
    atol: Tolerance = d["atol"]
    rtol: Tolerance = d["rtol"]
    allowed = atol.value + rtol.value * abs(tgt)
    dist = np.abs(seq - tgt)
    tail = dist[seq.size // 2:]
    shrinking = bool(tail[-1] < tail[0] or np.all(tail <= allowed))
    passed = bool(dist[-1] <= allowed and shrinking)
    monotone = bool(np.all(np.diff(tail) <= allowed * 1e-9 + 0.0) or np.all(tail <= allowed))
    criterion = (
        f"|last − target| = |{_fmt(seq[-1])} − {_fmt(tgt)}| = {_fmt(dist[-1])} ≤ {_fmt(allowed)}, "
        f"distance {'shrinking' if shrinking else 'NOT shrinking'} over the last {tail.size} of {seq.size}"
    )
    dom = atol if atol.value >= rtol.value * abs(tgt) else rtol
    if seq.size < 4:
        grade, why = "weak", f"only {seq.size} points"
    else:
        g, why = _tol_grade(dom, allowed, abs(tgt))
        if g == "strong" and not monotone:
            grade, why = "moderate", "distance not monotone over the tail"
        else:
            grade = g
    meas = {"sequence": _small(seq), "last": float(seq[-1]), "target": tgt,
            "tail_distance": _small(tail), "shrinking": shrinking}
    return _Outcome(passed, meas, criterion, grade, why)


def _eval_scaling(d: dict[str, Any]) -> _Outcome:
    xa = _finite_array("x", d["x"]).ravel()
    fit = fit_loglog(xa, d["y"])
    expected = _scalar("expected", d["expected"])
    tol: Tolerance = d["tol"]
    lo_w, hi_w = expected - tol.value, expected + tol.value
    b = fit["slope"]
    ci = d.get("ci")
    if ci is not None:
        ci_arr = _finite_array("ci", ci).ravel()
        if ci_arr.size != 2 or not ci_arr[0] <= ci_arr[1]:
            raise ValueError(f"ci must be a pair (lo, hi) with lo <= hi; got {ci!r}")
        ci_lo, ci_hi = float(ci_arr[0]), float(ci_arr[1])
        ci_src = "given"
    else:
        ci_lo, ci_hi, ci_src = fit["lo"], fit["hi"], "t-interval of the fit"
    passed = bool(lo_w <= b <= hi_w)
    decades = float(np.log10(xa.max() / xa.min()))
    criterion = (
        f"fitted slope {_fmt(b)} ∈ [{_fmt(lo_w)}, {_fmt(hi_w)}] "
        f"(95% CI [{_fmt(ci_lo)}, {_fmt(ci_hi)}], {xa.size} points over {decades:.2g} decades)"
    )
    if decades < 1:
        grade, why = "weak", f"fit over {decades:.2g} < 1 decade"
    elif xa.size < 4:
        grade, why = "weak", f"only {xa.size} points"
    elif expected != 0 and tol.value > 0.5 * abs(expected):
        grade, why = "weak", f"window half-width {_fmt(tol.value)} > 50% of |expected|"
    elif lo_w <= ci_lo and ci_hi <= hi_w:
        grade, why = "strong", "confidence interval inside the window"
    else:
        grade, why = "moderate", "confidence interval not inside the window"
    meas = {**fit, "decades": decades, "ci_lo": ci_lo, "ci_hi": ci_hi, "ci_source": ci_src}
    return _Outcome(passed, meas, criterion, grade, why)


def _eval_interval(d: dict[str, Any]) -> _Outcome:
    v = _scalar("measured", d["measured"])
    lo, hi = d["lo"], d["hi"]
    for nm, val in (("lo", lo), ("hi", hi)):
        if isinstance(val, (bool, np.bool_)) or not isinstance(val, (int, float, np.integer, np.floating)):
            raise TypeError(f"{nm} must be a real number (±inf allowed); got {type(val).__name__}")
        if math.isnan(float(val)):
            raise ValueError(f"{nm} must not be nan")
    lo_f, hi_f = float(lo), float(hi)
    if not lo_f <= hi_f:
        raise ValueError(f"lo must be <= hi; got lo={lo!r}, hi={hi!r}")
    ci = d.get("ci")
    se = d.get("se")
    if ci is None and se is not None:
        s = _real("se", se)
        ci = (v - 1.96 * s, v + 1.96 * s)
    passed = bool(lo_f <= v <= hi_f)
    criterion = f"{_fmt(v)} ∈ [{_fmt(lo_f)}, {_fmt(hi_f)}]"
    meas: dict[str, Any] = {"value": v, "lo": lo_f, "hi": hi_f}
    if ci is not None:
        ca = _finite_array("ci", ci).ravel()
        if ca.size != 2 or not ca[0] <= ca[1]:
            raise ValueError(f"ci must be a pair (lo, hi) with lo <= hi; got {ci!r}")
        meas["ci"] = [float(ca[0]), float(ca[1])]
        criterion += f" (95% CI [{_fmt(ca[0])}, {_fmt(ca[1])}])"
    mid, half = (lo_f + hi_f) / 2, (hi_f - lo_f) / 2
    if not (math.isfinite(lo_f) and math.isfinite(hi_f)):
        grade, why = "weak", "one-sided interval"
    elif mid != 0 and half > 0.5 * abs(mid):
        grade, why = "weak", f"half-width {_fmt(half)} > 50% of |centre| {_fmt(abs(mid))}"
    elif ci is not None and lo_f <= meas["ci"][0] and meas["ci"][1] <= hi_f:
        grade, why = "strong", "confidence interval inside the interval"
    elif ci is not None:
        grade, why = "moderate", "confidence interval not inside the interval"
    else:
        grade, why = "moderate", "no confidence interval given"
    return _Outcome(passed, meas, criterion, grade, why)


def _eval_bound(d: dict[str, Any]) -> _Outcome:
    direction = d["direction"]
    tol: Tolerance = d["tol"]
    a = _finite_array("lhs", d["lhs"])
    b = _finite_array("rhs", d["rhs"])
    try:
        a, b = np.broadcast_arrays(a, b)
    except ValueError as exc:
        raise ValueError(f"lhs {a.shape} and rhs {b.shape} do not broadcast") from exc
    excess = (a - b) if direction == "<=" else (b - a)
    worst = float(excess.max())
    passed = bool(worst <= tol.value)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.finfo(float).tiny)
    rel_slack = -excess / scale
    tightest = float(rel_slack.min())
    sym = "≤" if direction == "<=" else "≥"
    criterion = (
        f"lhs {sym} rhs{' + ' if direction == '<=' else ' − '}{_fmt(tol.value)} in all {a.size} cases "
        f"(worst lhs − rhs = {_fmt(worst if direction == '<=' else -worst)}; "
        f"smallest relative slack {_fmt(tightest)})"
    )
    if not passed:
        viol = -tightest
        if viol > 0.1:
            grade, why = "strong", f"violated by {_fmt(viol)} of the scale (> 10%)"
        elif viol > 0.01:
            grade, why = "moderate", f"violated by {_fmt(viol)} of the scale (1-10%)"
        else:
            grade, why = "weak", f"violated by only {_fmt(viol)} of the scale"
    elif tightest <= 0.1:
        grade, why = "strong", f"bound nearly attained (relative slack {_fmt(tightest)} <= 10%)"
    elif tightest <= 0.5:
        grade, why = "moderate", f"smallest relative slack {_fmt(tightest)} <= 50%"
    else:
        grade, why = "weak", f"loose everywhere (smallest relative slack {_fmt(tightest)})"
    meas = {"worst_excess": worst, "n_cases": int(a.size), "n_violations": int(np.sum(excess > tol.value)),
            "min_relative_slack": tightest}
    return _Outcome(passed, meas, criterion, grade, why)


def _eval_comparison(d: dict[str, Any]) -> _Outcome:
    from scipy import stats

    names = d["names"]
    a = _finite_array(names[0], d["better"])
    b = _finite_array(names[1], d["worse"])
    try:
        a, b = np.broadcast_arrays(a, b)
    except ValueError as exc:
        raise ValueError(f"{names[0]} {a.shape} and {names[1]} {b.shape} do not broadcast") from exc
    a, b = a.ravel(), b.ravel()
    margin, factor, lower = d["margin"], d["factor"], d["lower_is_better"]
    gap = (factor * b - a - margin) if lower else (a - factor * b - margin)
    n = gap.size
    rel = "<" if lower else ">"
    fac = f"{_fmt(factor)}·" if factor != 1 else ""
    mar = f" by ≥ {_fmt(margin)}" if margin else ""
    rule = d["rule"]
    meas: dict[str, Any] = {names[0]: _small(a), names[1]: _small(b), "min_gap": float(gap.min()),
                            "mean_gap": float(gap.mean()), "n": int(n), "rule": rule}
    if rule == "paired" and n >= 2:
        se = float(gap.std(ddof=1) / math.sqrt(n))
        q = float(stats.t.ppf(0.975, n - 1))
        lo = float(gap.mean() - q * se)
        passed = bool(lo > 0)
        meas.update({"gap_se": se, "gap_ci_lo": lo, "gap_ci_hi": float(gap.mean() + q * se)})
        criterion = (
            f"{names[0]} {rel} {fac}{names[1]}{mar}: paired mean gap{' beyond the margin' if margin else ''} "
            f"{_fmt(gap.mean())}, "
            f"95% CI lower end {_fmt(lo)} > 0 over {n} replicates"
        )
    else:
        passed = bool(np.all(gap >= 0))
        criterion = (
            f"{names[0]} {rel} {fac}{names[1]}{mar} in all {n} cases (smallest gap"
            f"{' beyond the margin' if margin else ''} {_fmt(gap.min())})"
        )
    if n < 5:
        grade, why = "weak", f"only {n} replicates/cases"
    else:
        grade, why = "moderate", f"{'paired interval' if rule == 'paired' else 'every case'} over {n}"
    return _Outcome(passed, meas, criterion, grade, why)


def _eval_invariant(d: dict[str, Any]) -> _Outcome:
    h = np.asarray(d["holds"])
    if h.dtype != bool:
        raise TypeError(f"holds must be a boolean array; got dtype {h.dtype}")
    if h.size == 0:
        raise ValueError("holds must not be empty")
    passed = bool(np.all(h))
    crit = f"{d['criterion']}: {int(h.sum())}/{h.size} cases"
    meas = d.get("measured")
    if meas is None:
        meas = {"n_hold": int(h.sum()), "n_cases": int(h.size)}
    if h.size < 10:
        grade, why = "weak", f"only {h.size} cases"
    else:
        grade, why = "moderate", f"{h.size} cases"
    return _Outcome(passed, meas, crit, grade, why)


def _eval_custom(d: dict[str, Any]) -> _Outcome:
    p = d["passed"]
    if not isinstance(p, (bool, np.bool_)):
        raise TypeError(f"passed must be a bool; got {type(p).__name__}")
    return _Outcome(bool(p), d["measured"], d["criterion"], "weak", "custom criterion")


_EVALUATORS = {
    "identity": (_eval_identity, ("measured", "expected")),
    "limit": (_eval_limit, ("measured", "target")),
    "scaling": (_eval_scaling, ("x", "y", "expected", "ci")),
    "interval": (_eval_interval, ("measured", "lo", "hi", "ci", "se")),
    "bound": (_eval_bound, ("lhs", "rhs")),
    "comparison": (_eval_comparison, ("better", "worse")),
    "invariant": (_eval_invariant, ("holds", "measured")),
    "custom": (_eval_custom, ("passed", "measured")),
}


def _comparison_rule(paired: bool | None, legacy: bool) -> str:
    if paired is None:
        return "all" if legacy else "paired"
    if not isinstance(paired, (bool, np.bool_)):
        raise TypeError(f"paired must be a bool; got {type(paired).__name__}")
    return "paired" if paired else "all"


# --------------------------------------------------------------------------- #
# the ledger
# --------------------------------------------------------------------------- #
class Ledger:
    """Records the checks of one notebook.

    Parameters
    ----------
    slug
        The paper's slug (file name of its notebook).
    seed
        The notebook's master seed, recorded with every line.
    profile
        Profile name; default: the active :func:`theorylab.config.profile`.
    write
        Write ``<build>/ledger/<slug>.json`` after every check (default ``True``).
        Creating a ledger with ``write=True`` starts a fresh file, so records of an earlier
        run never linger.
    legacy
        Accept the pre-v2 contract (typed tolerances, no role, no control). Records are
        marked ``contract="legacy"`` and graded weak. For notebooks not yet brought up to
        the contract only.

    Notes
    -----
    Every check method returns its :class:`Record`; ``seconds`` is the wall time since the
    previous check (or since the ledger was created, or since the last :meth:`start`).

    Common keyword arguments of every check:

    ``role``
        ``"claim"`` or ``"implementation"`` (required).
    ``control`` / ``no_control``
        A :class:`Control` (required for an asserted claim unless it is an identity at
        round-off or exact tolerance), or a sentence saying why no sensible wrong variant
        exists (the grade is then capped at weak).
    ``expect`` / ``reason``
        ``"reproduced"`` (default), ``"not-reproduced"``, or a mapping profile → expectation
        (profiles not named expect ``"reproduced"``); a reason is required whenever a
        profile expects ``not-reproduced``.
    ``replaces``
        The id of an earlier check of this ledger that this one replaces (frozen criteria:
        both stay).
    ``rationale``
        One line on where the criterion and tolerance come from.
    """

    def __init__(
        self,
        slug: str,
        *,
        seed: int | None = None,
        profile: str | None = None,
        write: bool = True,
        legacy: bool = False,
    ) -> None:
        if not isinstance(slug, str) or not slug or any(c in slug for c in "/\\ "):
            raise ValueError(f"slug must be a non-empty file-name-safe string; got {slug!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"seed must be an int or None; got {type(seed).__name__}")
        self.slug = slug
        self.seed = None if seed is None else int(seed)
        self.profile = config.profile(profile).name
        for name, v in (("write", write), ("legacy", legacy)):
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False; got {type(v).__name__} {v!r:.40}")
        self.write = bool(write)
        self.legacy = bool(legacy)
        self.records: list[Record] = []
        self._t0 = time.perf_counter()
        if self.write:
            self._flush()

    # ------------------------------------------------------------------ io --
    @property
    def path(self) -> Path:
        """The JSON file this ledger writes."""
        return config.ledger_dir() / f"{self.slug}.json"

    def _flush(self) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "slug": self.slug,
            "profile": self.profile,
            "seed": self.seed,
            "contract": "legacy" if self.legacy else "v2",
            "records": [r.to_json() for r in self.records],
        }
        tmp = path.with_suffix(f".json.tmp{os.getpid()}")
        tmp.write_text(json.dumps(payload, indent=1, sort_keys=False, ensure_ascii=False) + "\n",
                       encoding="utf-8")
        tmp.replace(path)

    def start(self, claim: str | None = None) -> None:
        """Restart the wall-time clock (call at the top of a claim's section)."""
        self._t0 = time.perf_counter()

    def __getitem__(self, claim: str) -> Record:
        """The record of ``claim`` (to quote its numbers in generated prose)."""
        for r in self.records:
            if r.claim == claim:
                return r
        raise KeyError(f"no record {claim!r} in the ledger of {self.slug}")

    # ------------------------------------------------------------- core ----
    def _resolve_expect(self, expect: Any, reason: str) -> tuple[str, dict[str, str] | None]:
        by_profile: dict[str, str] | None = None
        if isinstance(expect, Mapping):
            valid = set(config.PROFILES)
            by_profile = {}
            for k, v in expect.items():
                if k not in valid:
                    raise ValueError(f"expect: unknown profile {k!r}; valid: {sorted(valid)}")
                if v not in ("reproduced", "not-reproduced"):
                    raise ValueError(f"expect[{k!r}] must be 'reproduced' or 'not-reproduced'; got {v!r}")
                by_profile[str(k)] = str(v)
            resolved = by_profile.get(self.profile, "reproduced")
        elif expect in ("reproduced", "not-reproduced"):
            resolved = str(expect)
        else:
            raise ValueError(f"expect must be 'reproduced', 'not-reproduced' or a profile mapping; got {expect!r}")
        needs_reason = resolved == "not-reproduced" or (by_profile and "not-reproduced" in by_profile.values())
        if needs_reason and not (isinstance(reason, str) and reason.strip()):
            raise ValueError("a check declared expect='not-reproduced' (at any profile) needs a reason='...'")
        return resolved, by_profile

    def _run(
        self,
        kind: str,
        claim: str,
        statement: str,
        data: dict[str, Any],
        *,
        role: str | None,
        control: Control | None,
        no_control: str,
        expect: Any,
        reason: str,
        replaces: str,
        rationale: str,
        reference: str = "",
        tolerance: Tolerance | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Record:
        if not isinstance(claim, str) or not claim.strip():
            raise ValueError(f"claim must be a non-empty id such as 'C1'; got {claim!r}")
        claim = claim.strip()
        if not isinstance(statement, str) or not statement.strip():
            raise ValueError("statement must be a non-empty sentence stating the claim")
        if role is None:
            if not self.legacy:
                raise TypeError(
                    f"[{claim}] role is required: 'claim' (a statement of the paper) or "
                    "'implementation' (our own derivation, a tautology, a code invariant)"
                )
            role = "claim"
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}; got {role!r}")
        resolved, by_profile = self._resolve_expect(expect, reason)
        if control is not None and not isinstance(control, Control):
            raise TypeError(f"control must be a claims.Control; got {type(control).__name__}")
        if not isinstance(no_control, str):
            raise TypeError("no_control must be a sentence (str) saying why no wrong variant exists")
        for name, text in (("reason", reason), ("rationale", rationale), ("reference", reference)):
            if not isinstance(text, str):
                raise TypeError(f"[{claim}] {name} must be a str; got {type(text).__name__}")
        if replaces:
            if not isinstance(replaces, str) or all(r.claim != replaces for r in self.records):
                raise ValueError(
                    f"[{claim}] replaces={replaces!r}: the replaced check must be recorded first in this "
                    "ledger (frozen criteria: both stay)"
                )
            if replaces == claim:
                raise ValueError(f"[{claim}] a check cannot replace itself; give the replacement a new id")

        evaluate, control_keys = _EVALUATORS[kind]
        out = evaluate(data)
        grade, grade_reason = out.grade, out.grade_reason

        ctrl_rec: dict[str, Any] | None = None
        control_needed = (
            role == "claim" and resolved == "reproduced"
            and not (kind == "identity" and grade == "strong" and tolerance is not None
                     and tolerance.dominant in ("exact", "roundoff", "truncation") and bool(reference.strip()))
        )
        if control is not None:
            bad = sorted(set(control.overrides) - set(control_keys))
            if bad:
                raise ValueError(
                    f"[{claim}] Control overrides {bad} are not inputs of a {kind} check; "
                    f"override one of {list(control_keys)}"
                )
            cdata = {**data, **control.overrides}
            cout = evaluate(cdata)
            ctrl_rec = {
                "variant": control.variant,
                "overrides": sorted(control.overrides),
                "measured": _jsonable(cout.measured),
                "criterion": cout.criterion,
                "rejected": not cout.passed,
            }
        elif no_control.strip():
            ctrl_rec = {"variant": None, "why_none": " ".join(no_control.split()), "rejected": None}
            if control_needed:
                grade, grade_reason = _cap(grade, "weak"), f"{grade_reason}; no negative control"
        elif control_needed:
            if not self.legacy:
                raise ValueError(
                    f"[{claim}] an asserted claim needs a negative control: control=claims.Control("
                    f"'what is wrong', <one of {list(control_keys)}>=...), or no_control='why none exists' "
                    "(only an identity at round-off/exact tolerance against an independent closed form "
                    "needs none)"
                )
            grade, grade_reason = _cap(grade, "weak"), f"{grade_reason}; no negative control (legacy)"
        if self.legacy:
            grade, grade_reason = _cap(grade, "weak"), f"{grade_reason}; legacy contract"

        now = time.perf_counter()
        seconds = now - self._t0
        self._t0 = now
        rec = Record(
            slug=self.slug,
            claim=claim,
            statement=" ".join(statement.split()),
            role=role,
            kind=kind,
            grade=grade,
            grade_reason=grade_reason,
            measured=_jsonable(out.measured),
            criterion=out.criterion,
            verdict="reproduced" if out.passed else "not-reproduced",
            expected=resolved,
            passed=bool(out.passed),
            profile=self.profile,
            seed=self.seed,
            seconds=round(float(seconds), 3),
            tolerance=None if tolerance is None else tolerance.to_json(),
            control=ctrl_rec,
            reference=" ".join(reference.split()) if reference else "",
            replaces=replaces or "",
            expect_by_profile=by_profile,
            contract="legacy" if self.legacy else "v2",
            rationale=" ".join(rationale.split()) if rationale else "",
            reason=" ".join(reason.split()) if reason else "",
            extra=_jsonable(extra or {}),
        )
        self._store(rec)
        if resolved == "reproduced" and not out.passed:
            raise ClaimFailed(
                f"[{self.slug} {rec.claim}] not reproduced: {rec.statement}\n"
                f"  criterion: {rec.criterion}\n  measured: {rec.measured}"
            )
        if resolved == "not-reproduced" and out.passed:
            raise UnexpectedlyReproduced(
                f"[{self.slug} {rec.claim}] declared not reproduced ({rec.reason}) but the check now "
                f"passes: {rec.criterion}. Re-examine and remove the declaration."
            )
        if ctrl_rec is not None and ctrl_rec["rejected"] is False and out.passed:
            raise ControlNotRejected(
                f"[{self.slug} {rec.claim}] the negative control ({ctrl_rec['variant']}) passes the same "
                f"criterion: {ctrl_rec['criterion']}. The check cannot tell a wrong answer from a right one."
            )
        return rec

    def _store(self, rec: Record) -> None:
        for i, old in enumerate(self.records):
            if old.claim == rec.claim:
                warnings.warn(
                    f"claim {rec.claim!r} checked again: the earlier record is replaced "
                    "(give each check of a notebook its own id, e.g. C1a, C1b)",
                    stacklevel=4,
                )
                self.records[i] = rec
                break
        else:
            self.records.append(rec)
        if self.write:
            self._flush()

    # ------------------------------------------------------- typed checks --
    def identity(
        self,
        claim: str,
        statement: str,
        *,
        measured: Any,
        expected: Any,
        atol: Tolerance | float = 0.0,
        rtol: Tolerance | float = 0.0,
        reference: str = "",
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
        kind: str | None = None,
    ) -> Record:
        """``|measured − expected| <= atol + rtol·|expected|`` elementwise.

        ``reference`` says where ``expected`` comes from (closed form and equation,
        sympy, quadrature, a published value). Graded strong at round-off or exact
        tolerance; such a claim needs no control when ``expected`` is independent of the
        computation of ``measured`` (say so in ``reference``).
        """
        self._legacy_kind(kind)
        at = _as_tol("atol", atol, legacy=self.legacy)
        rt = _as_tol("rtol", rtol, legacy=self.legacy)
        tol = at if at.value > 0 or rt.value == 0 else rt
        if at.value > 0 and rt.value > 0:
            tol = at + rt
        return self._run(
            "identity", claim, statement, {"measured": measured, "expected": expected, "atol": at, "rtol": rt},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale, reference=reference, tolerance=tol,
        )

    def limit(
        self,
        claim: str,
        statement: str,
        *,
        measured: Any,
        target: float,
        atol: Tolerance | float = 0.0,
        rtol: Tolerance | float = 0.0,
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
    ) -> Record:
        """A sequence approaches ``target``: its last element is within
        ``atol + rtol·|target|`` **and** its distance to the target shrinks over the tail
        (the second half of the sequence), or the whole tail is already within tolerance."""
        at = _as_tol("atol", atol, legacy=self.legacy)
        rt = _as_tol("rtol", rtol, legacy=self.legacy)
        tol = at if at.value > 0 or rt.value == 0 else rt
        return self._run(
            "limit", claim, statement, {"measured": measured, "target": target, "atol": at, "rtol": rt},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale, tolerance=tol,
        )

    def bound(
        self,
        claim: str,
        statement: str,
        *,
        lhs: Any,
        rhs: Any,
        tol: Tolerance | float = 0.0,
        direction: Literal["<=", ">="] = "<=",
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
    ) -> Record:
        """``lhs <= rhs + tol`` (or ``lhs >= rhs − tol``) for every element.

        Stores the worst excess and the smallest slack relative to ``max(|lhs|, |rhs|)``;
        a bound that is loose everywhere is graded weak. A natural control is the same
        bound with a smaller constant (``Control("constant / 2", rhs=rhs / 2)``).
        """
        if direction not in ("<=", ">="):
            raise ValueError(f"direction must be '<=' or '>='; got {direction!r}")
        t = _as_tol("tol", tol, legacy=self.legacy)
        return self._run(
            "bound", claim, statement, {"lhs": lhs, "rhs": rhs, "tol": t, "direction": direction},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale, tolerance=t,
        )

    def scaling(
        self,
        claim: str,
        statement: str,
        *,
        x: Any,
        y: Any,
        expected: float,
        tol: Tolerance | float,
        ci: tuple[float, float] | None = None,
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
    ) -> Record:
        """Fit ``log y = a + b log x`` and require ``b ∈ [expected − tol, expected + tol]``.

        ``ci`` overrides the fit's t-interval (e.g. a bootstrap over seeds) for grading:
        strong when the interval lies inside the window. ``x`` should span a decade.
        """
        t = _as_tol("tol", tol, legacy=self.legacy)
        return self._run(
            "scaling", claim, statement, {"x": x, "y": y, "expected": expected, "tol": t, "ci": ci},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale, tolerance=t,
        )

    def in_interval(
        self,
        claim: str,
        statement: str,
        *,
        measured: float,
        lo: float,
        hi: float,
        ci: tuple[float, float] | None = None,
        se: float | None = None,
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
        kind: str | None = None,
    ) -> Record:
        """A scalar ``measured`` lies in ``[lo, hi]`` (±inf allowed, graded weak).

        ``ci`` (a confidence interval of ``measured``) or ``se`` (its standard error,
        giving ±1.96 se) grade it: strong when the interval lies inside ``[lo, hi]``.
        """
        self._legacy_kind(kind)
        return self._run(
            "interval", claim, statement, {"measured": measured, "lo": lo, "hi": hi, "ci": ci, "se": se},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale,
        )

    def comparison(
        self,
        claim: str,
        statement: str,
        *,
        better: Any,
        worse: Any,
        margin: float = 0.0,
        factor: float = 1.0,
        lower_is_better: bool = True,
        paired: bool | None = None,
        names: tuple[str, str] = ("better", "worse"),
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
    ) -> Record:
        """``better`` beats ``worse``: with ``lower_is_better`` the gap per replicate is
        ``factor·worse − better − margin`` (otherwise ``better − factor·worse − margin``).

        ``paired=True`` (the default; replicates, e.g. seeds with common random numbers): the lower end
        of the two-sided 95% t-interval of the mean gap must be > 0. ``paired=False``
        (deterministic cases, e.g. grid points): the gap must be >= 0 in every case.
        ``margin`` must be >= 0 and ``factor`` > 0 (``factor=0.7``: "at most 0.7× worse").
        """
        m = _real("margin", margin)
        f = _real("factor", factor, positive=True)
        if not (isinstance(names, (tuple, list)) and len(names) == 2 and all(isinstance(s, str) for s in names)):
            raise TypeError("names must be a pair of strings (better, worse)")
        return self._run(
            "comparison", claim, statement,
            {"better": better, "worse": worse, "margin": m, "factor": f, "lower_is_better": bool(lower_is_better),
             "rule": _comparison_rule(paired, self.legacy), "names": tuple(names)},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale,
        )

    def invariant(
        self,
        claim: str,
        statement: str,
        *,
        holds: Any,
        criterion: str = "",
        measured: Any = None,
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
    ) -> Record:
        """A property (described by ``criterion``) holds in every case: ``holds`` is a
        boolean array, one entry per case."""
        if self.legacy and not criterion:
            criterion = "property holds"
        if not isinstance(criterion, str) or not criterion.strip():
            raise ValueError("criterion must describe the property that holds in every case")
        return self._run(
            "invariant", claim, statement, {"holds": holds, "criterion": criterion.strip(), "measured": measured},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale,
        )

    def check(
        self,
        claim: str,
        statement: str,
        *,
        passed: bool,
        measured: Any,
        criterion: str,
        role: str | None = None,
        control: Control | None = None,
        no_control: str = "",
        expect: Any = "reproduced",
        reason: str = "",
        replaces: str = "",
        rationale: str = "",
        kind: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Record:
        """Generic check: ``passed`` is a bool you computed, ``criterion`` its rule in
        words. Always graded weak; prefer a typed check. Its control overrides ``passed``
        (and ``measured``) with the wrong variant's outcome."""
        self._legacy_kind(kind)
        if not isinstance(criterion, str) or not criterion.strip():
            raise ValueError("criterion must be a non-empty description of the pass rule")
        return self._run(
            "custom", claim, statement, {"passed": passed, "measured": measured, "criterion": criterion},
            role=role, control=control, no_control=no_control, expect=expect, reason=reason,
            replaces=replaces, rationale=rationale, extra=extra,
        )

    def report(
        self,
        claim: str,
        statement: str,
        *,
        measured: Any,
        why: str = "",
        role: str | None = None,
        note: str = "",
    ) -> Record:
        """Numbers shown in the ledger but not asserted (verdict ``reported``).

        Only for claims that cannot be checked at this scale; ``why`` says why. A
        criterion that was tried and failed is declared not reproduced instead.
        """
        why = why or note
        if not isinstance(why, str) or not why.strip():
            raise ValueError("a report needs why='...': why the claim cannot be checked at this scale")
        if role is None:
            role = "claim"
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}; got {role!r}")
        now = time.perf_counter()
        seconds = now - self._t0
        self._t0 = now
        rec = Record(
            slug=self.slug, claim=str(claim).strip(), statement=" ".join(str(statement).split()), role=role,
            kind="report", grade=None, grade_reason="not asserted", measured=_jsonable(measured),
            criterion=" ".join(why.split()), verdict="reported", expected="reported", passed=None,
            profile=self.profile, seed=self.seed, seconds=round(float(seconds), 3),
            contract="legacy" if self.legacy else "v2",
        )
        if not rec.claim:
            raise ValueError("claim must be a non-empty id such as 'C1'")
        self._store(rec)
        return rec

    def _legacy_kind(self, kind: str | None) -> None:
        if kind is not None and not self.legacy:
            raise TypeError("kind is fixed by the check method; do not pass kind=")

    # ------------------------------------------------------------ views ----
    def summary(self) -> str:
        """A Markdown table of the records so far (for the notebook's Summary), followed by
        the paper status line."""
        st = paper_status(self.records)
        return records_table(self.records) + f"\n\n**Status:** {st['text']}\n"

    def _repr_markdown_(self) -> str:  # pragma: no cover - notebook display
        return self.summary()


# --------------------------------------------------------------------------- #
# reading records back, and views shared by the notebook, the CLI and the book
# --------------------------------------------------------------------------- #
def load_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Records of one ledger JSON file (a list of dicts)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "records" not in data:
        raise ValueError(f"{path} is not a theorylab ledger file")
    return [_upgrade(r) for r in data["records"]]


def _upgrade(r: dict[str, Any]) -> dict[str, Any]:
    """Fill the v2 fields of a record written by an older version."""
    if "role" not in r:
        r = {**r, "role": "claim", "grade": None if r.get("verdict") == "reported" else "weak",
             "grade_reason": "written before the v2 contract", "control": None, "contract": "legacy"}
    return r


def load_all_records(folder: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """All records under ``folder`` (default :func:`theorylab.config.ledger_dir`),
    sorted by slug then claim id."""
    base = Path(folder) if folder is not None else config.ledger_dir()
    out: list[dict[str, Any]] = []
    if base.is_dir():
        for p in sorted(base.glob("*.json")):
            out.extend(load_records(p))
    out.sort(key=lambda r: (r["slug"], _claim_key(r["claim"])))
    return out


def _claim_key(claim: str) -> tuple[Any, ...]:
    parts = re.split(r"(\d+)", claim)
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _as_dict(r: Record | dict[str, Any], name: str = "rec") -> dict[str, Any]:
    if isinstance(r, Record):
        return r.to_json()
    if not isinstance(r, Mapping) or "claim" not in r or "verdict" not in r:
        raise TypeError(f"{name} must be a claims.Record or a record dict (with 'claim' and 'verdict'); "
                        f"got {type(r).__name__}")
    return r


def _records(records: Any) -> list[dict[str, Any]]:
    if isinstance(records, (str, bytes, Mapping, Record)) or not isinstance(records, Iterable):
        raise TypeError(f"records must be an iterable of claims.Record or record dicts; got {type(records).__name__}")
    return [_as_dict(r, f"records[{i}]") for i, r in enumerate(records)]


def _bool(name: str, v: Any) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(v).__name__} {v!r:.40}")
    return bool(v)


def verdict_label(rec: Record | dict[str, Any], *, html: bool = False) -> str:
    """The verdict in words: ``reproduced``, ``not reproduced (declared)``,
    ``NOT REPRODUCED (unexpected)``, ``reported``, ``control passed (no power)``,
    ``reproduced unexpectedly``. With ``html`` it is wrapped in
    ``<span class="tl-verdict tl-<key>">`` for the book's stylesheet."""
    d = _as_dict(rec)
    html = _bool("html", html)
    v = d["verdict"]
    e = d.get("expected", v)
    ctrl = d.get("control") or {}
    if v == "reported":
        key, text = "reported", "reported"
    elif v == "reproduced" and e == "not-reproduced":
        key, text = "unexpected", "reproduced unexpectedly"
    elif v == "reproduced" and ctrl.get("rejected") is False:
        key, text = "unexpected", "control passed (no power)"
    elif v == "reproduced":
        key, text = "reproduced", "reproduced"
    elif e == "not-reproduced":
        key, text = "declared", "not reproduced (declared)"
    else:
        key, text = "unexpected", "NOT REPRODUCED (unexpected)"
    if html:
        return f'<span class="tl-verdict tl-{key}">{text}</span>'
    return text


def is_unexpected(rec: Record | dict[str, Any]) -> bool:
    """True when the record's verdict differs from the expected one, or its control passed."""
    d = _as_dict(rec)
    if d["verdict"] != d.get("expected", d["verdict"]):
        return True
    ctrl = d.get("control") or {}
    return d["verdict"] == "reproduced" and ctrl.get("rejected") is False


def control_text(rec: Record | dict[str, Any]) -> str:
    """The negative control in words ("rejected: <variant>", "none: <why>", "—")."""
    d = _as_dict(rec)
    c = d.get("control")
    if d.get("kind") == "report":
        return "—"
    if not c:
        if d.get("role") == "claim" and d.get("contract") != "legacy" and d.get("kind") == "identity":
            return "not needed (identity at round-off)"
        return "—" if d.get("role") == "implementation" else "none"
    if c.get("variant") is None:
        return f"none: {c.get('why_none', '')}"
    state = "rejected" if c.get("rejected") else "PASSED (no power)"
    return f"{state}: {c['variant']}"


def record_line(rec: Record | dict[str, Any], *, markdown: bool = False) -> str:
    """One readable line: ``C1 [claim, strong] criterion | control | verdict``."""
    d = _as_dict(rec)
    grade = d.get("grade") or "—"
    head = f"{d['claim']} [{d.get('role', 'claim')}, {d['kind']}, {grade}]"
    ctrl = control_text(d)
    if markdown:
        return (f"**{d['claim']}** · {d.get('role', 'claim')} · {d['kind']} · grade *{grade}* — "
                f"{_md(d['criterion'])} — control: {_md(ctrl)} — **{verdict_label(d)}**")
    return f"{head} {d['criterion']} | control: {ctrl} | {verdict_label(d)}"


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def records_table(records: Iterable[Record | dict[str, Any]], *, with_slug: bool = False,
                  html: bool = True) -> str:
    """Render records as a Markdown table: claim, role, kind, grade, measured → criterion,
    negative control, verdict (verdict as words, in a styled span when ``html``)."""
    head = ["claim", "role", "kind", "grade", "measured → criterion", "negative control", "verdict"]
    if with_slug:
        head = ["paper", *head]
    with_slug = _bool("with_slug", with_slug)
    html = _bool("html", html)
    rows = []
    for d in _records(records):
        crit = _md(d["criterion"])
        if d.get("replaces"):
            crit += f" *(replaces {d['replaces']})*"
        if d.get("reason"):
            crit += f" — *{_md(d['reason'])}*"
        cells = [d["claim"], d.get("role", "claim"), d["kind"], d.get("grade") or "—", crit,
                 _md(control_text(d)), verdict_label(d, html=html)]
        if with_slug:
            cells = [d["slug"], *cells]
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *rows]
    return "\n".join(lines)


def paper_status(records: Iterable[Record | dict[str, Any]]) -> dict[str, Any]:
    """The verdict of a paper from its records: claims only (implementation checks apart).

    Returns a dict with ``n_claims`` (asserted claim records), ``reproduced``,
    ``not_reproduced`` (ids, declared), ``unexpected`` (ids whose verdict differs from the
    expected one or whose control passed, all roles), ``reported`` (ids), ``n_implementation``,
    ``grades`` (grade → number of reproduced claims), ``legacy`` (bool) and ``text``:
    ``"reproduced (n of n claims)"`` only when every claim record reproduced and none is
    merely reported; otherwise ``"k of n claims reproduced; not reproduced: …; reported: …"``.
    """
    ds = _records(records)
    cl = [d for d in ds if d.get("role", "claim") == "claim"]
    asserted = [d for d in cl if d["verdict"] != "reported"]
    rep = [d["claim"] for d in asserted if d["verdict"] == "reproduced" and not is_unexpected(d)]
    nrep = [d["claim"] for d in asserted if d["verdict"] == "not-reproduced"]
    reported = [d["claim"] for d in cl if d["verdict"] == "reported"]
    unexpected = [d["claim"] for d in ds if is_unexpected(d)]
    grades: dict[str, int] = {}
    for d in asserted:
        if d["verdict"] == "reproduced":
            grades[d.get("grade") or "weak"] = grades.get(d.get("grade") or "weak", 0) + 1
    n_all = len(asserted) + len(reported)
    if not ds:
        text = "no records"
    elif not cl:
        text = "no claim checked (implementation checks only)"
    elif len(rep) == n_all and not unexpected:
        text = f"reproduced ({len(rep)} of {n_all} claims)"
    else:
        text = f"{len(rep)} of {n_all} claims reproduced"
        if nrep:
            text += "; not reproduced: " + ", ".join(nrep)
        if reported:
            text += "; reported only: " + ", ".join(reported)
        if unexpected:
            text += "; UNEXPECTED: " + ", ".join(unexpected)
    return {
        "n_claims": n_all,
        "reproduced": rep,
        "not_reproduced": nrep,
        "reported": reported,
        "unexpected": unexpected,
        "n_implementation": sum(1 for d in ds if d.get("role") == "implementation"),
        "grades": grades,
        "legacy": any(d.get("contract") == "legacy" for d in ds),
        "text": text,
    }


# backwards-compatible name used by older pages
VERDICT_MARK = {"reproduced": "reproduced", "not-reproduced": "not reproduced", "reported": "reported"}
