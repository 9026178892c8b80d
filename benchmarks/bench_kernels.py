"""Benchmark of theorylab.kernels.nngp_ntk (issue 3).

NNGP + NTK Gram matrices of a depth-3 fully connected network (ReLU and erf), d = 100,
n in {1000, 2000, 4000}, against two floors measured in the same run:

* ``gemm``   the X X^T product alone;
* ``floor``  GEMM plus one pass of the elementwise dual maps over the n x n matrix
             (``dual_exact`` and ``dual_deriv_exact`` once each, as a naive implementation
             would do per layer).

Target (issue 3): depth-3, n = 4000 at <= 1.5 x ``floor``; neural-tangents with jit takes
about 1.5 s on a 2-core CPU. Wall time is the minimum over repeats; CPU time (all threads)
is reported too because the machine may be shared.

Run: ``.venv/bin/python benchmarks/bench_kernels.py [--sizes 1000 2000 4000] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from theorylab.kernels import dual, nngp_ntk


def timed(fn, repeats: int) -> tuple[float, float]:
    best_wall, best_cpu = np.inf, np.inf
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"depth {args.depth}, d = {args.dim}; times in s (wall min / cpu min over {args.repeats})")
    print(f"{'act':5s} {'n':>5s} {'gemm':>14s} {'floor':>14s} {'nngp+ntk':>14s} "
          f"{'/gemm':>6s} {'/floor':>7s}")
    for n in args.sizes:
        X = rng.standard_normal((n, args.dim))
        g_wall, g_cpu = timed(lambda X=X: X @ X.T, args.repeats)
        G = X @ X.T / args.dim
        dg = np.diag(G).copy()
        for act in ("relu", "erf"):
            def one_pass(act=act, G=G, dg=dg):
                dual.dual_exact(act, dg[:, None], G, dg[None, :])
                dual.dual_deriv_exact(act, dg[:, None], G, dg[None, :])

            m_wall, m_cpu = timed(one_pass, args.repeats)
            k_wall, k_cpu = timed(lambda X=X, act=act: nngp_ntk(X, depth=args.depth, activation=act),
                                  args.repeats)
            f_wall = g_wall + m_wall
            print(f"{act:5s} {n:5d} {g_wall:6.3f}/{g_cpu:6.3f} {f_wall:6.3f}/{g_cpu + m_cpu:6.3f} "
                  f"{k_wall:6.3f}/{k_cpu:6.3f} {k_wall / g_wall:6.1f} {k_wall / f_wall:7.2f}")


if __name__ == "__main__":
    main()
