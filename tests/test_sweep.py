import numpy as np
import pytest

from theorylab import sweep

from . import _sweep_fns as F

GRID = {"d": [2, 5], "n": [10, 40, 80]}


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("THEORYLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("THEORYLAB_DASK_SCHEDULER", raising=False)
    monkeypatch.delenv("THEORYLAB_SWEEP_BACKEND", raising=False)


def test_table_shape_and_order():
    t = sweep.run(F.noisy_mean, GRID, n_seeds=3, seed=1)
    assert len(t) == 2 * 3 * 3
    assert t.names[:3] == ["d", "n", "replicate"]
    assert list(t["replicate"][:3]) == [0, 1, 2]
    m = t.mean("err", by=("d", "n"))
    assert len(m) == 6 and np.all(m["count"] == 3)


def test_seeds_depend_only_on_point_and_replicate():
    a = sweep.run(F.noisy_mean, GRID, n_seeds=2, seed=1)
    b = sweep.run(F.noisy_mean, {"n": [80, 40, 10], "d": [5, 2]}, n_seeds=2, seed=1)  # reordered grid
    ka = {(r["d"], r["n"], r["replicate"]): r["first"] for r in a.to_records()}
    kb = {(r["d"], r["n"], r["replicate"]): r["first"] for r in b.to_records()}
    assert ka == kb
    c = sweep.run(F.noisy_mean, GRID, n_seeds=2, seed=2)
    assert not np.allclose(a["first"], c["first"])


def test_processes_backend_identical():
    a = sweep.run(F.noisy_mean, GRID, n_seeds=2, seed=3)
    b = sweep.run(F.noisy_mean, GRID, n_seeds=2, seed=3, backend="processes", n_workers=2)
    assert np.array_equal(a["err"], b["err"]) and np.array_equal(a["first"], b["first"])


@pytest.mark.slow
def test_dask_backend_identical():
    distributed = pytest.importorskip("dask.distributed")
    a = sweep.run(F.noisy_mean, GRID, n_seeds=2, seed=3)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            b = sweep.run(F.noisy_mean, GRID, n_seeds=2, seed=3, scheduler=client)
            c = sweep.run(F.noisy_mean, GRID, n_seeds=2, seed=3, backend="dask", scheduler=cluster.scheduler_address)
    for t in (b, c):
        assert np.array_equal(a["err"], t["err"]) and np.array_equal(a["first"], t["first"])


def test_cache_hit_miss_and_invalidation(tmp_path):
    F.CALLS.clear()
    a = sweep.run(F.counted, {"a": [1, 2, 3]}, n_seeds=2, seed=0, cache=True)
    assert len(F.CALLS) == 6 and not a["cached"].any()
    b = sweep.run(F.counted, {"a": [1, 2, 3, 4]}, n_seeds=2, seed=0, cache=True)
    assert len(F.CALLS) == 8  # only the new point ran
    assert b["cached"].sum() == 6
    assert np.array_equal(b.where(a=1)["value"], a.where(a=1)["value"])
    # a different seed is a different run
    sweep.run(F.counted, {"a": [1]}, n_seeds=1, seed=5, cache=True)
    assert len(F.CALLS) == 9
    # a changed package digest invalidates everything
    old = sweep._PKG_DIGEST
    try:
        sweep._PKG_DIGEST = "changed-kernel"
        sweep.run(F.counted, {"a": [1]}, n_seeds=1, seed=0, cache=True)
        assert len(F.CALLS) == 10
    finally:
        sweep._PKG_DIGEST = old
    assert sweep.clear_cache(F.counted) >= 8
    sweep.run(F.counted, {"a": [1]}, n_seeds=1, seed=0, cache=True)
    assert len(F.CALLS) == 11


def test_failing_point_is_named_and_others_kept():
    with pytest.raises(sweep.SweepError, match=r"'a': 2.*a == 2 is not allowed") as e:
        sweep.run(F.sometimes_fails, {"a": [1, 2, 3]}, seed=0)
    assert sorted(e.value.partial["value"].tolist()) == [1.0, 3.0]
    assert e.value.failures[0][0] == {"a": 2}


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(grid={"a": []}), ValueError, "empty"),
        (dict(grid={"a": 3}), TypeError, "sequence"),
        (dict(grid={"a": [1]}, n_seeds=0), ValueError, "n_seeds"),
        (dict(grid={"a": [1]}, backend="gpu"), ValueError, "backend"),
        (dict(grid={"a": [1]}, backend="dask"), ValueError, "scheduler"),
    ],
)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        sweep.run(F.scalar, **kwargs)
