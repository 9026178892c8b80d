"""Contract cases of theorylab.sweep."""

import numpy as np

from theorylab import sweep
from tests.contract import RNG, ok


def trial(d, n, *, rng):
    """A tiny sweep trial (module level, so that it pickles)."""
    return {"err": float(rng.standard_normal() / np.sqrt(n) + d)}


_T = sweep.Table({"a": [1, 1, 2, 2], "b": [0.5, 1.5, 2.0, 4.0], "c": [0, 1, 0, 1]})

CASES = {
    "run": ok(trial, {"d": [1, 2], "n": [10]}, n_seeds=2, seed=3, backend="inprocess", cache=False,
              progress=False).nondeterministic("the seconds column is wall time").invalid(n_seeds=[0]),
    "Table": ok({"a": [1, 2], "b": [3.0, 4.0]}),
    "Table.mean": ok("b", by="a").on(_T),
    "Table.where": ok(a=1).on(_T),
    "Table.pivot": ok("b", "a", "c").on(_T),
    "Table.unique": ok("a").on(_T),
    "clear_cache": ok(trial),
    "cache_dir": ok(),
    "grid_points": ok({"d": [1, 2], "n": [10, 20]}),
    "point_seed": ok({"d": 1}, 0, 3).invalid(replicate=[-1], seed=[-1]),
}
