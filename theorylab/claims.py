"""The claims ledger: every checked statement of every paper, with its verdict.

A notebook opens one :class:`Ledger` for its paper and routes every claim through
one of its check methods. Each check

1. evaluates a pass criterion on measured numbers,
2. appends a :class:`Record` (slug, claim id, statement, kind, measured values,
   criterion text, verdict, expected verdict, profile, seed, wall time) and
   rewrites ``<build>/ledger/<slug>.json``,
3. raises :class:`ClaimFailed` (an ``AssertionError``) when a claim that should
   reproduce does not, so nbmake / ``pytest`` fail on the notebook.

Kinds of check (strongest evidence first, see DESIGN.md section 3)::

    identity    measured == expected within atol + rtol*|expected|
    bound       lhs <= rhs + tol everywhere (or >=)
    limit       a sequence approaches a target within tol
    scaling     a fitted log-log slope lies in an interval
    comparison  one method beats another (by a margin)
    invariant   a property holds for every case (an explicit boolean array)

plus :meth:`Ledger.report` for numbers the paper states that are *reported, not
asserted* (e.g. a GPU-scale experiment reproduced only as a toy).

Not reproduced
--------------
A claim that honestly does not reproduce is declared with
``expect="not-reproduced", reason="..."`` on its check. Its verdict is then
``not-reproduced`` and the notebook still runs; but if the check starts to *pass*
(somebody fixed the implementation, or the claim does hold), the ledger raises
:class:`UnexpectedlyReproduced` -- a strict xfail, so the change is noticed and the
declaration removed. Never weaken a criterion to turn red into green.

Example
-------
>>> import numpy as np
>>> from theorylab import claims
>>> led = claims.Ledger("example", seed=0, write=False)
>>> rec = led.identity("C1", "1 + 1 = 2", measured=1.0 + 1.0, expected=2.0, atol=0.0,
...                    rationale="exact in floating point")
>>> rec.verdict
'reproduced'
"""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

import numpy as np

from . import config

__all__ = [
    "KINDS",
    "VERDICTS",
    "ClaimFailed",
    "UnexpectedlyReproduced",
    "Record",
    "Ledger",
    "fit_loglog",
    "load_records",
    "load_all_records",
]

KINDS: tuple[str, ...] = (
    "identity",
    "bound",
    "limit",
    "scaling",
    "comparison",
    "invariant",
    "report",
)
"""Kinds of record. ``report`` is a number shown in the ledger but not asserted."""

VERDICTS: tuple[str, ...] = ("reproduced", "not-reproduced", "reported")
"""Possible verdicts. ``reported`` only for :meth:`Ledger.report` records."""

Expect = Literal["reproduced", "not-reproduced"]


class ClaimFailed(AssertionError):
    """A claim expected to reproduce did not meet its criterion."""


class UnexpectedlyReproduced(AssertionError):
    """A claim declared *not reproduced* now meets its criterion (strict xfail)."""


@dataclass
class Record:
    """One ledger line. All fields are JSON-serialisable."""

    slug: str
    claim: str
    statement: str
    kind: str
    measured: Any
    criterion: str
    verdict: str
    expected: str
    passed: bool | None
    profile: str
    seed: int | None
    seconds: float
    rationale: str = ""
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def _jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays (and nested containers) to plain Python."""
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
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric (array-like of floats); got {type(value).__name__}") from exc
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values (nan or inf)")
    return arr


def _nonneg(name: str, value: float) -> float:
    v = float(value)
    if not (v >= 0 and math.isfinite(v)):
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return v


def fit_loglog(x: Sequence[float], y: Sequence[float], *, level: float = 0.95) -> dict[str, float]:
    """Least-squares fit of ``log y = a + b log x``.

    Returns a dict with ``slope``, ``intercept``, ``stderr`` (of the slope),
    ``lo``/``hi`` (the two-sided ``level`` t-interval of the slope) and ``r2``.

    Parameters
    ----------
    x, y
        Positive, finite, same length, at least 3 points.
    """
    from scipy import stats

    xa = _finite_array("x", x).ravel()
    ya = _finite_array("y", y).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length; got {xa.size} and {ya.size}")
    if xa.size < 3:
        raise ValueError(f"a log-log fit needs at least 3 points; got {xa.size}")
    if np.any(xa <= 0) or np.any(ya <= 0):
        raise ValueError("x and y must be strictly positive for a log-log fit")
    lx, ly = np.log(xa), np.log(ya)
    res = stats.linregress(lx, ly)
    dof = xa.size - 2
    tq = stats.t.ppf(0.5 + level / 2, dof) if dof > 0 else float("inf")
    return {
        "slope": float(res.slope),
        "intercept": float(res.intercept),
        "stderr": float(res.stderr),
        "lo": float(res.slope - tq * res.stderr),
        "hi": float(res.slope + tq * res.stderr),
        "r2": float(res.rvalue**2),
    }


# --------------------------------------------------------------------------- #
# the ledger
# --------------------------------------------------------------------------- #
class Ledger:
    """Records the claims checked by one notebook.

    Parameters
    ----------
    slug
        The paper's slug (file name of its notebook and of ``../shared/papers/<slug>.md``).
    seed
        The notebook's master seed, recorded with every line.
    profile
        Profile name; default: the active :func:`theorylab.config.profile`.
    write
        Write ``<build>/ledger/<slug>.json`` after every check (default ``True``).
        Creating a ledger with ``write=True`` starts a fresh file, so records of
        an earlier run never linger.

    Notes
    -----
    Every check method returns its :class:`Record`; ``seconds`` is the wall time
    since the previous check (or since the ledger was created, or since the last
    :meth:`start`).
    """

    def __init__(
        self,
        slug: str,
        *,
        seed: int | None = None,
        profile: str | None = None,
        write: bool = True,
    ) -> None:
        if not isinstance(slug, str) or not slug or any(c in slug for c in "/\\ "):
            raise ValueError(f"slug must be a non-empty file-name-safe string; got {slug!r}")
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int or None; got {type(seed).__name__}")
        self.slug = slug
        self.seed = None if seed is None else int(seed)
        self.profile = config.profile(profile).name
        self.write = bool(write)
        self.records: list[Record] = []
        self._t0 = time.perf_counter()
        self._started = time.time()
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
            "records": [r.to_json() for r in self.records],
        }
        tmp = path.with_suffix(f".json.tmp{os.getpid()}")
        tmp.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        tmp.replace(path)

    def start(self, claim: str | None = None) -> None:
        """Restart the wall-time clock (call at the top of a claim's section)."""
        self._t0 = time.perf_counter()

    # ------------------------------------------------------------- core ----
    def _record(
        self,
        claim: str,
        statement: str,
        *,
        kind: str,
        measured: Any,
        criterion: str,
        passed: bool | None,
        expect: str,
        rationale: str,
        reason: str,
        extra: dict[str, Any] | None = None,
    ) -> Record:
        if not isinstance(claim, str) or not claim.strip():
            raise ValueError(f"claim must be a non-empty id such as 'C1'; got {claim!r}")
        if not isinstance(statement, str) or not statement.strip():
            raise ValueError("statement must be a non-empty sentence stating the claim")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
        if expect not in ("reproduced", "not-reproduced"):
            raise ValueError(f"expect must be 'reproduced' or 'not-reproduced'; got {expect!r}")
        if expect == "not-reproduced" and not (isinstance(reason, str) and reason.strip()):
            raise ValueError("a claim declared expect='not-reproduced' needs a reason='...'")
        now = time.perf_counter()
        seconds = now - self._t0
        self._t0 = now
        if passed is None:
            verdict = "reported"
            expected = "reported"
        else:
            verdict = "reproduced" if passed else "not-reproduced"
            expected = expect
        rec = Record(
            slug=self.slug,
            claim=claim.strip(),
            statement=" ".join(statement.split()),
            kind=kind,
            measured=_jsonable(measured),
            criterion=criterion,
            verdict=verdict,
            expected=expected,
            passed=None if passed is None else bool(passed),
            profile=self.profile,
            seed=self.seed,
            seconds=round(float(seconds), 3),
            rationale=" ".join(rationale.split()) if rationale else "",
            reason=" ".join(reason.split()) if reason else "",
            extra=_jsonable(extra or {}),
        )
        for i, old in enumerate(self.records):
            if old.claim == rec.claim:
                # re-running a notebook cell re-checks a claim: keep one record per id
                warnings.warn(
                    f"claim {rec.claim!r} checked again: the earlier record is replaced "
                    "(give each check of a notebook its own id, e.g. C1a, C1b)",
                    stacklevel=3,
                )
                self.records[i] = rec
                break
        else:
            self.records.append(rec)
        if self.write:
            self._flush()
        if passed is not None:
            if expect == "reproduced" and not passed:
                raise ClaimFailed(
                    f"[{self.slug} {rec.claim}] claim not reproduced: {rec.statement}\n"
                    f"  criterion: {criterion}\n  measured: {rec.measured}"
                )
            if expect == "not-reproduced" and passed:
                raise UnexpectedlyReproduced(
                    f"[{self.slug} {rec.claim}] declared not reproduced ({rec.reason}) but the "
                    f"check now passes: {criterion}. Re-examine and remove the declaration."
                )
        return rec

    def check(
        self,
        claim: str,
        statement: str,
        *,
        kind: str,
        passed: bool,
        measured: Any,
        criterion: str,
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
        extra: dict[str, Any] | None = None,
    ) -> Record:
        """Generic check: record ``passed`` (a bool you computed) with its criterion text.

        Prefer the specific methods, which compute ``passed`` and the criterion
        text for you; use this one when the criterion is unusual.
        """
        if not isinstance(passed, (bool, np.bool_)):
            raise TypeError(f"passed must be a bool; got {type(passed).__name__}")
        if not isinstance(criterion, str) or not criterion.strip():
            raise ValueError("criterion must be a non-empty description of the pass rule")
        return self._record(
            claim, statement, kind=kind, measured=measured, criterion=criterion,
            passed=bool(passed), expect=expect, rationale=rationale, reason=reason, extra=extra,
        )

    # ------------------------------------------------------- typed checks --
    def identity(
        self,
        claim: str,
        statement: str,
        *,
        measured: Any,
        expected: Any,
        atol: float = 0.0,
        rtol: float = 0.0,
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
        kind: str = "identity",
    ) -> Record:
        """``|measured - expected| <= atol + rtol * |expected|`` elementwise.

        The record stores the measured value (scalars and small arrays in full,
        larger arrays summarised) and the worst deviation.
        """
        atol = _nonneg("atol", atol)
        rtol = _nonneg("rtol", rtol)
        m = _finite_array("measured", measured)
        e = _finite_array("expected", expected)
        try:
            m_b, e_b = np.broadcast_arrays(m, e)
        except ValueError as exc:
            raise ValueError(f"measured {m.shape} and expected {e.shape} do not broadcast") from exc
        dev = np.abs(m_b - e_b)
        allowed = atol + rtol * np.abs(e_b)
        passed = bool(np.all(dev <= allowed))
        worst = int(np.argmax(dev - allowed))
        tol_txt = " + ".join(
            t for t in ((f"{_fmt(atol)}" if atol else ""), (f"{_fmt(rtol)}·|expected|" if rtol else "")) if t
        ) or "0"
        criterion = f"max |measured − expected| = {_fmt(dev.max())} ≤ {tol_txt}"
        if m_b.size == 1:
            criterion = f"|{_fmt(m_b.ravel()[0])} − {_fmt(e_b.ravel()[0])}| = {_fmt(dev.max())} ≤ {tol_txt}"
        meas = _summarise(m_b, dev, worst)
        return self._record(
            claim, statement, kind=kind, measured=meas, criterion=criterion, passed=passed,
            expect=expect, rationale=rationale, reason=reason,
        )

    def limit(
        self,
        claim: str,
        statement: str,
        *,
        measured: Any,
        target: float,
        atol: float = 0.0,
        rtol: float = 0.0,
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
    ) -> Record:
        """The last element of ``measured`` (a sequence approaching a limit) is within
        ``atol + rtol*|target|`` of ``target``; the whole sequence is stored."""
        seq = _finite_array("measured", measured).ravel()
        atol = _nonneg("atol", atol)
        rtol = _nonneg("rtol", rtol)
        tgt = float(_finite_array("target", target).ravel()[0])
        dev = abs(seq[-1] - tgt)
        allowed = atol + rtol * abs(tgt)
        passed = bool(dev <= allowed)
        criterion = f"|last − target| = |{_fmt(seq[-1])} − {_fmt(tgt)}| = {_fmt(dev)} ≤ {_fmt(allowed)}"
        return self._record(
            claim, statement, kind="limit", measured={"sequence": seq, "last": seq[-1], "target": tgt},
            criterion=criterion, passed=passed, expect=expect, rationale=rationale, reason=reason,
        )

    def bound(
        self,
        claim: str,
        statement: str,
        *,
        lhs: Any,
        rhs: Any,
        tol: float = 0.0,
        direction: Literal["<=", ">="] = "<=",
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
    ) -> Record:
        """``lhs <= rhs + tol`` (or ``lhs >= rhs - tol``) for every element.

        The measured value is the worst slack ``max(lhs - rhs)`` (``max(rhs - lhs)``
        for ``>=``) together with the number of cases checked.
        """
        if direction not in ("<=", ">="):
            raise ValueError(f"direction must be '<=' or '>='; got {direction!r}")
        tol = _nonneg("tol", tol)
        a = _finite_array("lhs", lhs)
        b = _finite_array("rhs", rhs)
        try:
            a, b = np.broadcast_arrays(a, b)
        except ValueError as exc:
            raise ValueError(f"lhs {a.shape} and rhs {b.shape} do not broadcast") from exc
        excess = (a - b) if direction == "<=" else (b - a)
        worst = float(excess.max())
        passed = bool(worst <= tol)
        sym = "≤" if direction == "<=" else "≥"
        criterion = (
            f"lhs {sym} rhs{' + ' if direction == '<=' else ' − '}{_fmt(tol)} in all {a.size} cases "
            f"(worst lhs − rhs = {_fmt(worst if direction == '<=' else -worst)})"
        )
        return self._record(
            claim, statement, kind="bound",
            measured={"worst_excess": worst, "n_cases": int(a.size), "n_violations": int(np.sum(excess > tol))},
            criterion=criterion, passed=passed, expect=expect, rationale=rationale, reason=reason,
        )

    def scaling(
        self,
        claim: str,
        statement: str,
        *,
        x: Any,
        y: Any,
        expected: float,
        tol: float,
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
    ) -> Record:
        """Fit ``log y = a + b log x`` and require ``|b - expected| <= tol``.

        ``x`` should span at least a decade; the fit's t-interval is stored too.
        """
        tol = _nonneg("tol", tol)
        fit = fit_loglog(x, y)
        xa = np.asarray(x, dtype=float)
        decades = float(np.log10(xa.max() / xa.min()))
        b = fit["slope"]
        passed = bool(abs(b - expected) <= tol)
        criterion = (
            f"fitted slope {_fmt(b)} ∈ [{_fmt(expected - tol)}, {_fmt(expected + tol)}] "
            f"(95% CI [{_fmt(fit['lo'])}, {_fmt(fit['hi'])}], {decades:.2g} decades)"
        )
        return self._record(
            claim, statement, kind="scaling", measured={**fit, "decades": decades}, criterion=criterion,
            passed=passed, expect=expect, rationale=rationale, reason=reason,
        )

    def in_interval(
        self,
        claim: str,
        statement: str,
        *,
        measured: float,
        lo: float,
        hi: float,
        kind: str = "identity",
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
    ) -> Record:
        """A scalar ``measured`` lies in ``[lo, hi]`` (e.g. a bootstrapped slope)."""
        v = float(_finite_array("measured", measured).ravel()[0])
        lo_f, hi_f = float(lo), float(hi)
        if not lo_f <= hi_f:
            raise ValueError(f"lo must be <= hi; got lo={lo!r}, hi={hi!r}")
        passed = bool(lo_f <= v <= hi_f)
        criterion = f"{_fmt(v)} ∈ [{_fmt(lo_f)}, {_fmt(hi_f)}]"
        return self._record(
            claim, statement, kind=kind, measured=v, criterion=criterion, passed=passed,
            expect=expect, rationale=rationale, reason=reason,
        )

    def comparison(
        self,
        claim: str,
        statement: str,
        *,
        better: Any,
        worse: Any,
        margin: float = 0.0,
        lower_is_better: bool = True,
        names: tuple[str, str] = ("better", "worse"),
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
    ) -> Record:
        """``better`` beats ``worse`` by at least ``margin`` (elementwise, e.g. per seed
        or per grid point). With ``lower_is_better`` (errors, regrets) the rule is
        ``better + margin <= worse``; otherwise ``better >= worse + margin``."""
        margin = float(margin)
        a = _finite_array(names[0], better)
        b = _finite_array(names[1], worse)
        try:
            a, b = np.broadcast_arrays(a, b)
        except ValueError as exc:
            raise ValueError(f"{names[0]} {a.shape} and {names[1]} {b.shape} do not broadcast") from exc
        gap = (b - a) if lower_is_better else (a - b)
        passed = bool(np.all(gap >= margin))
        rel = "<" if lower_is_better else ">"
        criterion = (
            f"{names[0]} {rel} {names[1]} by ≥ {_fmt(margin)} in all {a.size} cases "
            f"(smallest gap {_fmt(gap.min())})"
        )
        return self._record(
            claim, statement, kind="comparison",
            measured={names[0]: _small(a), names[1]: _small(b), "min_gap": float(gap.min())},
            criterion=criterion, passed=passed, expect=expect, rationale=rationale, reason=reason,
        )

    def invariant(
        self,
        claim: str,
        statement: str,
        *,
        holds: Any,
        measured: Any = None,
        criterion: str = "",
        rationale: str = "",
        expect: Expect = "reproduced",
        reason: str = "",
    ) -> Record:
        """A property holds in every case: ``holds`` is a boolean (array)."""
        h = np.asarray(holds)
        if h.dtype != bool:
            raise TypeError(f"holds must be a boolean array; got dtype {h.dtype}")
        if h.size == 0:
            raise ValueError("holds must not be empty")
        passed = bool(np.all(h))
        crit = criterion or "property holds"
        crit = f"{crit}: {int(h.sum())}/{h.size} cases"
        meas = measured if measured is not None else {"n_hold": int(h.sum()), "n_cases": int(h.size)}
        return self._record(
            claim, statement, kind="invariant", measured=meas, criterion=crit, passed=passed,
            expect=expect, rationale=rationale, reason=reason,
        )

    def report(self, claim: str, statement: str, *, measured: Any, note: str = "") -> Record:
        """Record numbers that are shown in the ledger but not asserted (verdict
        ``reported``) -- for claims the catalogue marks as not checkable here."""
        return self._record(
            claim, statement, kind="report", measured=measured,
            criterion=note or "reported, not asserted", passed=None,
            expect="reproduced", rationale="", reason="",
        )

    # ------------------------------------------------------------ views ----
    def summary(self) -> str:
        """A Markdown table of the records so far (for the notebook's Summary)."""
        return records_table(self.records)

    def _repr_markdown_(self) -> str:  # pragma: no cover - notebook display
        return self.summary()


def _small(a: np.ndarray, limit: int = 64) -> Any:
    a = np.asarray(a)
    if a.size <= limit:
        return a if a.ndim else a.item()
    return {"shape": list(a.shape), "min": float(a.min()), "max": float(a.max()), "mean": float(a.mean())}


def _summarise(m: np.ndarray, dev: np.ndarray, worst: int) -> Any:
    if m.size == 1:
        return float(m.ravel()[0])
    out: dict[str, Any] = {"max_abs_dev": float(dev.max()), "worst_index": worst}
    if m.size <= 64:
        out["values"] = m
    else:
        out["shape"] = list(m.shape)
    return out


# --------------------------------------------------------------------------- #
# reading records back
# --------------------------------------------------------------------------- #
def load_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Records of one ledger JSON file (a list of dicts)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "records" not in data:
        raise ValueError(f"{path} is not a theorylab ledger file")
    return list(data["records"])


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
    import re

    parts = re.split(r"(\d+)", claim)
    return tuple(int(p) if p.isdigit() else p for p in parts)


VERDICT_MARK = {
    "reproduced": "✅ reproduced",
    "not-reproduced": "❌ not reproduced",
    "reported": "📝 reported",
}


def records_table(records: Iterable[Record | dict[str, Any]], *, with_slug: bool = False) -> str:
    """Render records as a Markdown table."""
    rows = []
    head = ["claim", "kind", "criterion", "verdict"]
    if with_slug:
        head = ["paper", *head]
    for r in records:
        d = r.to_json() if isinstance(r, Record) else r
        verdict = VERDICT_MARK.get(d["verdict"], d["verdict"])
        if d["verdict"] == "not-reproduced" and d.get("expected") == "not-reproduced":
            verdict += " (declared)"
        elif d["verdict"] == "not-reproduced":
            verdict += " (**unexpected**)"
        cells = [d["claim"], d["kind"], d["criterion"], verdict]
        if with_slug:
            cells = [d["slug"], *cells]
        rows.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *rows]
    return "\n".join(lines)
