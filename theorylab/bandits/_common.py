"""Shared helpers of :mod:`theorylab.bandits`: input validation, per-repetition
random streams and regret checkpoints."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import _validate as V

__all__ = ["as_streams", "check_int", "checkpoints_grid", "check_checkpoints", "MAX_T", "MAX_REPS"]

MAX_T = 10**8
"""Largest horizon of a simulator (a Python loop over rounds)."""

MAX_REPS = 10**6
"""Largest number of vectorised repetitions."""


def check_int(name: str, value, *, low: int = 1, high: int = V.MAX_COUNT) -> int:
    """``value`` as an ``int`` in ``[low, high]`` or ``TypeError``/``ValueError`` naming ``name``."""
    return V.count(name, value, low=low, high=high)


def as_streams(rng, n_reps: int) -> tuple[list[np.random.Generator], bool]:
    """Per-repetition random streams.

    ``rng`` is either one :class:`numpy.random.Generator` -- then ``n_reps``
    independent children are spawned from it (``rng.spawn(n_reps)``) -- or a
    sequence of ``n_reps`` Generators, one per repetition (the *reference mode*
    used to show that a vectorised run equals independent single runs).

    Returns ``(streams, given)`` where ``given`` tells whether a sequence was passed.
    """
    if isinstance(rng, np.random.Generator):
        return list(rng.spawn(n_reps)), False
    if isinstance(rng, (list, tuple)) and rng and all(isinstance(g, np.random.Generator) for g in rng):
        if len(rng) != n_reps:
            raise ValueError(f"rng must hold one Generator per repetition ({n_reps}); got {len(rng)}")
        return list(rng), True
    raise TypeError("rng must be a numpy.random.Generator or a sequence of Generators (one per repetition); "
                    f"got {type(rng).__name__}")


def checkpoints_grid(T: int, n_points: int = 40) -> np.ndarray:
    """Geometric grid of integer times in ``[1, T]`` (always containing ``T``)."""
    T = check_int("T", T, high=MAX_T)
    n_points = check_int("n_points", n_points, high=10**6)
    g = np.unique(np.round(np.geomspace(1, T, max(2, n_points))).astype(np.int64))
    return g


def check_checkpoints(checkpoints, T: int) -> np.ndarray:
    """Validate sorted distinct integer checkpoints in ``[1, T]``; ``None`` -> a grid."""
    if checkpoints is None:
        return checkpoints_grid(T)
    c = V.int_array("checkpoints", checkpoints, ndim=1, nonempty=True)
    if np.any(np.diff(c) <= 0) or c[0] < 1 or c[-1] > T:
        raise ValueError(f"checkpoints must be strictly increasing integers in [1, T={T}]; got {c.tolist()[:8]}")
    return c


def pseudo_regret(N: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """``sum_a gaps[a] N[:, a]`` accumulated arm by arm, in a fixed order.

    The order of the floating-point additions does not depend on the number of rows,
    so row ``r`` of a vectorised run equals a single run bit for bit on any machine
    (``N @ gaps`` goes through BLAS, whose kernels -- and rounding -- change with the
    number of rows)."""
    out = N[..., 0] * gaps[0]
    for a in range(1, gaps.shape[0]):
        out = out + N[..., a] * gaps[a]
    return out


def draw_block(streams: Sequence[np.random.Generator], n: int, cols: int) -> np.ndarray:
    """Uniforms of shape ``(n, R, cols)``: repetition ``r`` draws ``(n, cols)`` from its
    own stream, so its values do not depend on the other repetitions. The loop is
    over streams once per block of ``n`` rounds (not per round)."""
    out = np.empty((n, len(streams), cols))
    for r, g in enumerate(streams):
        out[:, r, :] = g.random((n, cols))
    return out
