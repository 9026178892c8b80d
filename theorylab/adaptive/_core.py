"""Validation, query values and the budget exception of :mod:`theorylab.adaptive`."""

from __future__ import annotations

from typing import Any, Callable, Literal

import numpy as np

from .. import _validate as V

NoiseKind = Literal["laplace", "gaussian"]


class BudgetExhausted(RuntimeError):
    """Thresholdout's overfitting budget ``B`` is used up (the paper's output ``⊥``).

    Raised by :func:`thresholdout_answer` (and :class:`Thresholdout`) when a query
    arrives while the remaining budget is below 1. Attributes:

    ``answers``
        the answers given to the queries of the current batch before the budget ran
        out, shape ``(n_answered,)``;
    ``over``
        their over-threshold flags, shape ``(n_answered,)``;
    ``n_answered``
        how many queries of the batch were answered;
    ``state``
        the :class:`ThresholdoutState` after those answers (``budget == 0``).
    """

    def __init__(self, message: str, *, answers: np.ndarray, over: np.ndarray,
                 state: Any) -> None:
        super().__init__(message)
        self.answers = answers
        self.over = over
        self.n_answered = int(answers.shape[0])
        self.state = state


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
def _check_rng(rng: Any) -> np.random.Generator:
    return V.rng(rng)


def _pos_int(name: str, value: Any, minimum: int = 1, high: int = V.MAX_COUNT) -> int:
    return V.count(name, value, low=minimum, high=high)


def _nonneg_float(name: str, value: Any, *, positive: bool = False) -> float:
    return V.real(name, value, low=0.0, low_open=positive)


def _prob(name: str, value: Any) -> float:
    return V.probability(name, value, low_open=True, high_open=True)


def _pm1(name: str, X: Any, ndim_min: int = 2) -> np.ndarray:
    """An array with entries in {-1, +1} (points of the cube)."""
    Xa = V.array(name, X)
    if Xa.ndim < ndim_min:
        raise ValueError(f"{name} must have shape (..., n_samples, dim); got {Xa.shape}")
    if not np.all((Xa == 1.0) | (Xa == -1.0)):
        raise ValueError(f"{name} must have entries in {{-1, +1}}")
    return Xa


def validate_query_values(values: Any, *, name: str = "values") -> np.ndarray:
    """Check that an array of statistical-query values is finite and in ``[0, 1]``.

    Parameters
    ----------
    values : array_like, shape ``(..., n, m)``
        ``values[..., i, j] = phi_j(x_i)``.
    name : str
        Argument name used in error messages.

    Returns
    -------
    ndarray of float64, same shape.

    Raises
    ------
    TypeError
        If ``values`` is not numeric.
    ValueError
        If it has fewer than 2 dimensions, zero rows (``n < 1``) or zero queries,
        non-finite entries, or entries outside ``[0, 1]`` (a statistical query maps to
        ``[0, 1]``; Section 2 of the paper).

    Examples
    --------
    >>> validate_query_values([[0.0, 1.0], [0.5, 0.5]]).shape
    (2, 2)
    """
    V.text("name", name)
    a = V.array(name, values)
    if a.ndim < 2:
        raise ValueError(f"{name} must have shape (..., n_samples, n_queries); got shape {a.shape}")
    if a.shape[-2] < 1:
        raise ValueError(f"{name} must have n_samples >= 1 rows; got {a.shape[-2]}")
    if a.shape[-1] < 1:
        raise ValueError(f"{name} must hold at least one query (last axis); got {a.shape[-1]}")
    if a.size and (a.min() < 0.0 or a.max() > 1.0):
        raise ValueError(
            f"{name} must lie in [0, 1] (statistical queries are [0, 1]-valued); "
            f"got range [{a.min():.4g}, {a.max():.4g}]"
        )
    return a


def query_values(queries: Callable[[np.ndarray], Any], X: Any) -> np.ndarray:
    """Evaluate a (batch of) statistical queries on every row of a data set.

    Parameters
    ----------
    queries : callable
        Vectorised over rows: ``queries(X)`` with ``X`` of shape ``(n, dim)`` returns
        ``(n,)`` (one query) or ``(n, m)`` (``m`` queries) values in ``[0, 1]``.
    X : array_like, shape ``(n, dim)``
        The data set, ``n >= 1``.

    Returns
    -------
    ndarray, shape ``(n, m)`` -- validated by :func:`validate_query_values`.

    Examples
    --------
    >>> X = np.array([[1.0, -1.0], [-1.0, -1.0]])
    >>> query_values(lambda X: (X > 0).astype(float), X).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    V.function("queries", queries, what="X (n, dim) -> (n,) or (n, m)")
    Xa = V.array("X", X)
    if Xa.ndim != 2:
        raise ValueError(f"X must have shape (n_samples, dim); got {Xa.shape}")
    if Xa.shape[0] < 1:
        raise ValueError(f"X must have n_samples >= 1 rows; got {Xa.shape[0]}")
    out = np.asarray(queries(Xa), dtype=np.float64)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != Xa.shape[0]:
        raise ValueError(
            f"queries(X) must return shape (n_samples,) or (n_samples, m) = ({Xa.shape[0]}, m); "
            f"got {out.shape}"
        )
    return validate_query_values(out, name="queries(X)")
