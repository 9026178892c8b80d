"""Wall time of a 64-point CPU-bound sweep on 1 and 2 local worker processes.

    .venv/bin/python benchmarks/bench_sweep.py

Each point computes 30 symmetric eigendecompositions of a 200 x 200 matrix (about
0.1 s); workers run with one BLAS thread each, so on 2 cores the ideal speed-up is 2.
"""

import time

import numpy as np

from theorylab import sweep


def busy(k, *, rng):
    A = rng.normal(size=(200, 200))
    s = 0.0
    for _ in range(30):
        s += float(np.linalg.eigvalsh(A @ A.T)[-1])
    return s


def main() -> None:
    grid = {"k": list(range(64))}
    rows = []
    ref = None
    for backend, workers in (("inprocess", 1), ("processes", 1), ("processes", 2)):
        t0 = time.perf_counter()
        t = sweep.run(busy, grid, seed=0, backend=backend, n_workers=workers, progress=False)
        wall = time.perf_counter() - t0
        if ref is None:
            ref = t["value"]
        assert np.array_equal(t["value"], ref), "results must not depend on the backend"
        rows.append((backend, workers, wall))
    base = rows[1][2]
    print(f"{'backend':<10} {'workers':>7} {'wall s':>8} {'speed-up vs 1 worker':>22}")
    for b, w, wall in rows:
        print(f"{b:<10} {w:>7} {wall:>8.2f} {base / wall:>22.2f}")


if __name__ == "__main__":
    main()
