"""Grids of independent experiments (parameters × seeds): local by default, on
worker processes or a Dask cluster when asked, cached on disk.

A sample-complexity claim is a grid of independent runs (dimension × sample size ×
seed). :func:`run` evaluates ``fn(**params, rng=rng)`` at every grid point and
replicate and returns a :class:`Table` with one row per run::

    from theorylab import sweep

    def trial(d, n, *, rng):
        ...
        return {"error": err, "corr": c}

    table = sweep.run(trial, {"d": [16, 32], "n": [100, 1000]}, n_seeds=5, seed=0)
    table.mean("error", by=("d", "n"))

Guarantees
----------
* **Seeds do not depend on the backend**, the number of workers or the order of
  completion: the generator of a run is
  ``np.random.default_rng(SeedSequence(seed, spawn_key=(point_key, replicate)))``, where
  ``point_key`` is a stable hash of the grid point's parameters. Adding a point to a
  grid does not change the numbers of the others.
* **Backends**: ``"inprocess"`` (default, zero setup), ``"processes"`` (local worker
  processes, BLAS limited to one thread per worker), ``"dask"`` (a
  ``dask.distributed`` cluster at ``scheduler=`` or ``$THEORYLAB_DASK_SCHEDULER``;
  install with ``pip install theorylab[dist]``). The backend can also be chosen with
  ``$THEORYLAB_SWEEP_BACKEND``.
* **Cache**: with ``cache=True`` every finished run is stored under
  ``<build>/sweep-cache/`` (or ``$THEORYLAB_CACHE_DIR``), keyed by the function's
  module, name and source, its parameters, seed and replicate, and the theorylab
  version plus a digest of the package's source — so a re-render does not recompute
  finished points and a changed kernel invalidates them. :func:`clear_cache` (or
  ``theorylab cache --clear``) empties it.
* **Failures**: when runs raise, the others still finish (and are cached); then a
  :class:`SweepError` names every failing grid point and carries the partial table.
* **Progress**: a tqdm bar on the terminal or in a notebook for sweeps longer than a
  handful of runs (``progress=False`` silences it).
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import os
import pickle
import shutil
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from . import _validate as V
from . import config

__all__ = ["run", "Table", "SweepError", "clear_cache", "cache_dir", "grid_points", "point_seed", "BACKENDS"]

BACKENDS = ("inprocess", "processes", "dask")


class SweepError(RuntimeError):
    """One or more runs of a sweep raised. ``failures`` lists ``(params, replicate,
    message)``; ``partial`` is the :class:`Table` of the runs that succeeded."""

    def __init__(self, message: str, failures: list[tuple[dict, int, str]], partial: "Table"):
        super().__init__(message)
        self.failures = failures
        self.partial = partial


# --------------------------------------------------------------------------- #
# the result table
# --------------------------------------------------------------------------- #
class Table:
    """A small column-oriented table: ``columns[name] -> 1-D numpy array``.

    Rows are runs; columns are the grid parameters, ``replicate``, the function's
    outputs (a scalar output is called ``value``), ``seconds`` and ``cached``.

    Examples
    --------
    >>> t = Table({'d': [1, 1, 2], 'err': [0.5, 0.7, 0.1]})
    >>> t.mean('err', by='d')['err'].round(6).tolist()
    [0.6, 0.1]
    """

    def __init__(self, columns: Mapping[str, Sequence[Any]]):
        if not isinstance(columns, Mapping):
            raise TypeError(f"columns must be a mapping name -> values; got {type(columns).__name__}")
        for k, v in columns.items():
            if not isinstance(k, str):
                raise TypeError(f"columns: names must be strings; got {k!r}")
            if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
                raise TypeError(f"columns[{k!r}] must be a sequence of values; got {type(v).__name__}")
        cols = {k: np.asarray(v) if not _is_ragged(v) else _object_array(v) for k, v in columns.items()}
        lengths = {len(v) for v in cols.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns must have equal lengths; got {sorted(lengths)}")
        self.columns: dict[str, np.ndarray] = cols

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.columns[name]
        except KeyError:
            raise KeyError(f"no column {name!r}; columns are {list(self.columns)}") from None

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def _column(self, arg: str, name: Any) -> np.ndarray:
        """The column ``name``, or a ``ValueError`` naming the argument ``arg``."""
        if not isinstance(name, str):
            raise TypeError(f"{arg} must be a column name (a str); got {type(name).__name__}")
        if name not in self.columns:
            raise ValueError(f"{arg}: no column {name!r}; columns are {self.names}")
        return self.columns[name]

    def where(self, **conditions: Any) -> "Table":
        """Rows where every ``column == value``."""
        mask = np.ones(len(self), dtype=bool)
        for k, v in conditions.items():
            mask &= self._column(k, k) == v
        return Table({k: c[mask] for k, c in self.columns.items()})

    def unique(self, name: str) -> np.ndarray:
        """Sorted distinct values of a column."""
        return np.unique(self._column("name", name))

    def mean(self, value: str, by: Sequence[str] | str) -> "Table":
        """Mean, standard error and count of ``value`` grouped by the ``by`` columns."""
        by = (by,) if isinstance(by, str) else by
        if not isinstance(by, (list, tuple)) or not by:
            raise TypeError(f"by must be a column name or a non-empty sequence of names; got {type(by).__name__}")
        by = tuple(by)
        vals = self._column("value", value)
        keys = list(zip(*(self._column("by", b).tolist() for b in by)))
        groups: dict[tuple, list[int]] = {}
        for i, k in enumerate(keys):
            groups.setdefault(k, []).append(i)
        try:
            vals = np.asarray(vals, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"value: column {value!r} is not numeric") from None
        out: dict[str, list] = {b: [] for b in by}
        out.update({value: [], f"{value}_se": [], "count": []})
        for k in sorted(groups):
            idx = groups[k]
            v = vals[idx]
            for b, kv in zip(by, k):
                out[b].append(kv)
            out[value].append(v.mean())
            out[f"{value}_se"].append(v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan)
            out["count"].append(v.size)
        return Table(out)

    def pivot(self, value: str, rows: str, cols: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(row_values, col_values, M)`` with ``M[i, j]`` the mean of ``value`` at
        ``rows == row_values[i]`` and ``cols == col_values[j]`` (NaN where absent)."""
        vcol, rcol, ccol = self._column("value", value), self._column("rows", rows), self._column("cols", cols)
        rv, cv = np.unique(rcol), np.unique(ccol)
        M = np.full((rv.size, cv.size), np.nan)
        for i, r in enumerate(rv):
            for j, c in enumerate(cv):
                sel = (rcol == r) & (ccol == c)
                if sel.any():
                    M[i, j] = np.mean(np.asarray(vcol[sel], dtype=float))
        return rv, cv, M

    def to_records(self) -> list[dict[str, Any]]:
        """Rows as a list of dicts."""
        names = self.names
        return [dict(zip(names, (c[i].item() if hasattr(c[i], "item") else c[i] for c in self.columns.values())))
                for i in range(len(self))]

    def __repr__(self) -> str:
        return f"Table({len(self)} rows; columns {self.names})"

    def _repr_markdown_(self) -> str:  # pragma: no cover - notebook display
        head = "| " + " | ".join(self.names) + " |\n|" + "---|" * len(self.names) + "\n"
        rows = []
        for r in self.to_records()[:50]:
            rows.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r.values()) + " |")
        more = f"\n\n… {len(self) - 50} more rows" if len(self) > 50 else ""
        return head + "\n".join(rows) + more


def _is_ragged(v: Sequence[Any]) -> bool:
    return any(isinstance(x, (list, tuple, np.ndarray, dict)) for x in v)


def _object_array(v: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(v), dtype=object)
    for i, x in enumerate(v):
        out[i] = x
    return out


# --------------------------------------------------------------------------- #
# grid and seeds
# --------------------------------------------------------------------------- #
def grid_points(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The Cartesian product of a ``{name: values}`` grid (in the given order), or a
    list of explicit parameter dicts passed through.

    Examples
    --------
    >>> grid_points({"d": [1, 2], "n": [10]})
    [{'d': 1, 'n': 10}, {'d': 2, 'n': 10}]
    """
    if isinstance(grid, (str, bytes)) or not isinstance(grid, (Mapping, Sequence)):
        raise TypeError(f"grid must be a mapping name -> values or a list of parameter dicts; "
                        f"got {type(grid).__name__}")
    if isinstance(grid, Mapping):
        if not grid:
            return [{}]
        names = list(grid)
        for k, v in grid.items():
            if not isinstance(k, str) or not k.isidentifier():
                raise ValueError(f"grid parameter names must be identifiers; got {k!r}")
            if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
                raise TypeError(f"grid[{k!r}] must be a sequence of values; got {type(v).__name__}")
        values = [list(grid[k]) for k in names]
        for k, v in zip(names, values):
            if not v:
                raise ValueError(f"grid[{k!r}] is empty")
        return [dict(zip(names, combo)) for combo in itertools.product(*values)]
    if not all(isinstance(p, Mapping) for p in grid):
        raise TypeError("grid given as a list must hold parameter dicts (name -> value)")
    points = [dict(p) for p in grid]
    if not points:
        raise ValueError("grid is empty")
    return points


def _canonical(params: Mapping[str, Any]) -> str:
    def enc(x: Any) -> Any:
        if isinstance(x, (np.integer,)):
            return int(x)
        if isinstance(x, (np.floating,)):
            return float(x)
        if isinstance(x, np.ndarray):
            return x.tolist()
        if isinstance(x, (list, tuple)):
            return [enc(y) for y in x]
        if isinstance(x, dict):
            return {str(k): enc(v) for k, v in x.items()}
        if isinstance(x, (int, float, str, bool)) or x is None:
            return x
        return repr(x)

    return json.dumps({k: enc(v) for k, v in sorted(params.items())}, sort_keys=True)


def point_seed(params: Mapping[str, Any], replicate: int, seed: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of one run: it depends only on ``seed``, the grid point's
    parameters and the replicate index.

    Examples
    --------
    >>> point_seed({"d": 1}, 0, seed=3).generate_state(1).dtype
    dtype('uint32')
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping name -> value; got {type(params).__name__}")
    r = V.integer("replicate", replicate, low=0)
    sd = V.integer("seed", seed, low=0)
    key = zlib.crc32(_canonical(params).encode())
    return np.random.SeedSequence(entropy=sd, spawn_key=(key, r))


# --------------------------------------------------------------------------- #
# cache
# --------------------------------------------------------------------------- #
def cache_dir() -> Path:
    """``$THEORYLAB_CACHE_DIR`` or ``<build>/sweep-cache``.

    Examples
    --------
    >>> cache_dir().name in ('sweep-cache', 'cache')
    True
    """
    env = os.environ.get("THEORYLAB_CACHE_DIR")
    return Path(env).resolve() if env else config.build_dir() / "sweep-cache"


def clear_cache(fn: Callable | None = None) -> int:
    """Delete cached runs (of one function, or all). Returns the number of files removed.

    Examples
    --------
    >>> def trial(n, *, rng):
    ...     return float(n)
    >>> clear_cache(trial)  # nothing cached yet
    0
    """
    if fn is not None:
        V.function("fn", fn)
    base = cache_dir()
    target = base / _fn_key(fn) if fn is not None else base
    if not target.exists():
        return 0
    n = sum(1 for _ in target.rglob("*.pkl"))
    shutil.rmtree(target)
    return n


_PKG_DIGEST: str | None = None


def _package_digest() -> str:
    global _PKG_DIGEST
    if _PKG_DIGEST is None:
        from . import __version__

        h = hashlib.sha256(__version__.encode())
        pkg = Path(__file__).resolve().parent
        for p in sorted(pkg.rglob("*.py")):
            h.update(p.relative_to(pkg).as_posix().encode())
            h.update(p.read_bytes())
        _PKG_DIGEST = h.hexdigest()[:16]
    return _PKG_DIGEST


def _fn_key(fn: Callable) -> str:
    mod = getattr(fn, "__module__", "?") or "?"
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        src = getattr(getattr(fn, "__code__", None), "co_code", b"").hex()
    digest = hashlib.sha256(src.encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in f"{mod}.{name}")
    return f"{safe}-{digest}"


def _run_key(params: Mapping[str, Any], replicate: int, seed: int) -> str:
    blob = f"{_canonical(params)}|{replicate}|{seed}|{_package_digest()}"
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


# --------------------------------------------------------------------------- #
# execution
# --------------------------------------------------------------------------- #
@dataclass
class _Outcome:
    index: int
    value: Any
    seconds: float
    error: str = ""


def _call(fn: Callable, params: dict, replicate: int, seed: int, index: int) -> _Outcome:
    rng = np.random.default_rng(point_seed(params, replicate, seed))
    t0 = time.perf_counter()
    try:
        value = fn(**params, rng=rng)
    except Exception as exc:  # reported with its grid point by run()
        return _Outcome(index, None, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
    return _Outcome(index, value, time.perf_counter() - t0)


def _limit_blas_threads() -> None:
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover
        pass


def _progress_default() -> bool:
    """Progress bars on by default, off when ``$THEORYLAB_PROGRESS`` is ``0``/``off``/``false``
    (the book build and ``theorylab run`` set it: they show their own progress per notebook, and
    a bar's stderr would land on the rendered page)."""
    return os.environ.get("THEORYLAB_PROGRESS", "1").strip().lower() not in ("0", "off", "false", "no")


def _bar(total: int, desc: str, enabled: bool | None):
    if enabled is False or (enabled is None and (total < 8 or not _progress_default())):
        return None
    try:
        import ipywidgets  # noqa: F401  (tqdm.auto warns without it)

        from tqdm.auto import tqdm
    except ImportError:
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover
            return None
    return tqdm(total=total, desc=desc, unit="run", leave=False)


def run(
    fn: Callable[..., Any],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    n_seeds: int = 1,
    seed: int = 0,
    backend: str | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    cache: bool = False,
    progress: bool | None = None,
    desc: str | None = None,
) -> Table:
    """Evaluate ``fn(**params, rng=rng)`` on every grid point × replicate.

    Parameters
    ----------
    fn
        A function of the grid parameters (keyword arguments) and a keyword ``rng``
        (a ``numpy.random.Generator``), returning a number or a dict of numbers /
        arrays. For the process and Dask backends it must be picklable (a module-level
        function; Dask also accepts notebook functions through cloudpickle).
    grid
        ``{name: values}`` (Cartesian product) or a list of parameter dicts.
    n_seeds
        Replicates per grid point (``replicate`` column ``0 .. n_seeds-1``).
    seed
        Master seed; with the grid point and replicate it fixes each run's generator.
    backend
        ``"inprocess"`` (default), ``"processes"`` or ``"dask"``; default from
        ``$THEORYLAB_SWEEP_BACKEND``, else ``"dask"`` if a scheduler is given or
        ``$THEORYLAB_DASK_SCHEDULER`` is set, else ``"inprocess"``.
    n_workers
        Worker processes for ``"processes"`` (default: the number of CPUs).
    scheduler
        Dask scheduler address (``tcp://host:8786``) or a ``dask.distributed.Client``.
    cache
        Reuse / store finished runs on disk (see the module docstring).
    progress
        Show a progress bar (default: when there are at least 8 runs to compute).

    Returns
    -------
    Table
        One row per run, in grid order then replicate order.

    Raises
    ------
    SweepError
        If any run raised; its ``partial`` attribute holds the other rows.

    Examples
    --------
    >>> def trial(n, *, rng):
    ...     return {'mean': float(rng.standard_normal(n).mean())}
    >>> table = run(trial, {'n': [10, 100]}, n_seeds=3, seed=0, progress=False)
    >>> len(table), table.names[:3]
    (6, ['n', 'replicate', 'mean'])
    """
    V.function("fn", fn, what="fn(**params, rng=rng)")
    n_seeds = V.count("n_seeds", n_seeds, high=10**6)
    seed = V.integer("seed", seed, low=0)
    cache = V.flag("cache", cache)
    if progress is not None:
        progress = V.flag("progress", progress)
    if desc is not None:
        V.text("desc", desc, nonempty=False)
    env_sched = os.environ.get("THEORYLAB_DASK_SCHEDULER") or None
    if backend is None:
        backend = os.environ.get("THEORYLAB_SWEEP_BACKEND") or ("dask" if (scheduler or env_sched) else "inprocess")
    V.choice("backend", backend, BACKENDS)
    if n_workers is not None:
        n_workers = V.count("n_workers", n_workers, high=4096)

    points = grid_points(grid)
    V.elements("the number of grid points times n_seeds", len(points) * n_seeds, limit=10**7)
    runs = [(p, r) for p in points for r in range(int(n_seeds))]
    outcomes: list[_Outcome | None] = [None] * len(runs)
    cached = np.zeros(len(runs), dtype=bool)

    fdir = cache_dir() / _fn_key(fn) if cache else None
    if fdir is not None:
        for i, (p, r) in enumerate(runs):
            f = fdir / f"{_run_key(p, r, seed)}.pkl"
            if f.exists():
                try:
                    with f.open("rb") as fh:
                        value, secs = pickle.load(fh)
                    outcomes[i] = _Outcome(i, value, secs)
                    cached[i] = True
                except Exception:  # a corrupt entry is a miss
                    pass
    todo = [i for i in range(len(runs)) if outcomes[i] is None]
    bar = _bar(len(todo), desc or getattr(fn, "__name__", "sweep"), progress)

    def store(o: _Outcome) -> None:
        outcomes[o.index] = o
        if fdir is not None and not o.error:
            fdir.mkdir(parents=True, exist_ok=True)
            p, r = runs[o.index]
            f = fdir / f"{_run_key(p, r, seed)}.pkl"
            tmp = f.with_suffix(f".tmp{os.getpid()}")
            with tmp.open("wb") as fh:
                pickle.dump((o.value, o.seconds), fh)
            tmp.replace(f)
        if bar is not None:
            bar.update(1)

    try:
        if todo and backend == "inprocess":
            for i in todo:
                p, r = runs[i]
                store(_call(fn, p, r, seed, i))
        elif todo and backend == "processes":
            workers = n_workers or os.cpu_count() or 1
            with ProcessPoolExecutor(max_workers=workers, initializer=_limit_blas_threads) as pool:
                futs = [pool.submit(_call, fn, runs[i][0], runs[i][1], seed, i) for i in todo]
                for fut in as_completed(futs):
                    store(fut.result())
        elif todo and backend == "dask":
            _run_dask(fn, runs, todo, seed, scheduler or env_sched, store)
    finally:
        if bar is not None:
            bar.close()

    table = _assemble(runs, outcomes, cached, ok_only=True)
    failures = [(runs[o.index][0], runs[o.index][1], o.error) for o in outcomes if o is not None and o.error]
    if failures:
        lines = [f"  {p} replicate {r}: {msg}" for p, r, msg in failures[:10]]
        more = f"\n  … and {len(failures) - 10} more" if len(failures) > 10 else ""
        raise SweepError(
            f"{len(failures)} of {len(runs)} runs of {getattr(fn, '__name__', fn)!s} failed:\n"
            + "\n".join(lines) + more + "\n(the other runs' results are in .partial"
            + (" and in the cache)" if cache else ")"),
            failures, table,
        )
    return table


def _run_dask(fn, runs, todo, seed, scheduler, store) -> None:
    try:
        from dask.distributed import Client, as_completed as dask_as_completed
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ImportError("the 'dask' backend needs dask.distributed: pip install 'theorylab[dist]'") from exc
    if scheduler is None:
        raise ValueError("the 'dask' backend needs scheduler= (an address or a Client) "
                         "or $THEORYLAB_DASK_SCHEDULER")
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futs = [client.submit(_call, fn, runs[i][0], runs[i][1], seed, i, pure=False) for i in todo]
        for fut in dask_as_completed(futs):
            store(fut.result())
    finally:
        if own:
            client.close()


def _assemble(runs, outcomes, cached, *, ok_only: bool) -> Table:
    rows = [i for i, o in enumerate(outcomes) if o is not None and not (ok_only and o.error)]
    names = list(runs[0][0]) if runs else []
    cols: dict[str, list] = {k: [runs[i][0][k] for i in rows] for k in names}
    cols["replicate"] = [runs[i][1] for i in rows]
    values = [outcomes[i].value for i in rows]
    if values and all(isinstance(v, Mapping) for v in values):
        keys = list(values[0])
        for k in keys:
            if k in cols:
                raise ValueError(f"output key {k!r} clashes with a grid parameter or 'replicate'")
            cols[k] = [v.get(k) for v in values]
    else:
        cols["value"] = values
    cols["seconds"] = [outcomes[i].seconds for i in rows]
    cols["cached"] = [bool(cached[i]) for i in rows]
    return Table(cols)
