"""Module-level functions for the sweep tests (picklable by the process backend)."""

import numpy as np


def noisy_mean(d, n, *, rng):
    x = rng.normal(size=(n, d))
    return {"err": float(np.abs(x.mean(axis=0)).max()), "first": float(x[0, 0])}


def scalar(a, *, rng):
    return float(a + rng.random())


def sometimes_fails(a, *, rng):
    if a == 2:
        raise RuntimeError("a == 2 is not allowed")
    return float(a)


CALLS = []


def counted(a, *, rng):
    CALLS.append(a)
    return float(a * 10 + rng.integers(0, 5))

