"""Shared helpers of :mod:`theorylab.bandits`: input validation, per-repetition
random streams and regret checkpoints."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["as_streams", "check_int", "checkpoints_grid", "check_checkpoints"]


def check_int(name: str, value, *, low: int = 1) -> int:
    """``value`` as an ``int >= low`` or ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if int(value) < low:
        raise ValueError(f"{name} must be >= {low}; got {value}")
    return int(value)


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
    if isinstance(rng, (list, tuple)) and all(isinstance(g, np.random.Generator) for g in rng):
        if len(rng) != n_reps:
            raise ValueError(f"rng must hold one Generator per repetition ({n_reps}); got {len(rng)}")
        return list(rng), True
    raise TypeError("rng must be a numpy.random.Generator or a sequence of Generators (one per repetition)")


def checkpoints_grid(T: int, n_points: int = 40) -> np.ndarray:
    """Geometric grid of integer times in ``[1, T]`` (always containing ``T``)."""
    T = check_int("T", T)
    g = np.unique(np.round(np.geomspace(1, T, max(2, int(n_points)))).astype(np.int64))
    return g


def check_checkpoints(checkpoints, T: int) -> np.ndarray:
    """Validate sorted distinct integer checkpoints in ``[1, T]``; ``None`` -> a grid."""
    if checkpoints is None:
        return checkpoints_grid(T)
    c = np.asarray(checkpoints)
    if c.ndim != 1 or c.size == 0 or not np.issubdtype(c.dtype, np.integer):
        raise ValueError("checkpoints must be a non-empty 1-D array of integers")
    if np.any(np.diff(c) <= 0) or c[0] < 1 or c[-1] > T:
        raise ValueError(f"checkpoints must be strictly increasing integers in [1, T={T}]")
    return c.astype(np.int64)


def draw_block(streams: Sequence[np.random.Generator], n: int, cols: int) -> np.ndarray:
    """Uniforms of shape ``(n, R, cols)``: repetition ``r`` draws ``(n, cols)`` from its
    own stream, so its values do not depend on the other repetitions. The loop is
    over streams once per block of ``n`` rounds (not per round)."""
    out = np.empty((n, len(streams), cols))
    for r, g in enumerate(streams):
        out[:, r, :] = g.random((n, cols))
    return out
