"""Where the time goes (issue 24): NTK Gram (erf / ReLU, depth 3, d = 100) and Thompson sampling.

Kernels: the whole call (1 and 2 threads), the GEMM alone, and each elementwise operation of
one layer of the fused block timed on a single cache-sized tile, scaled to the n x n (or
upper-triangle) work. Thompson: the per-round pieces of ``run_mab`` (posterior draws,
argmax, reward draw and bookkeeping) at R = 1000, K = 10.

Run: ``.venv/bin/python benchmarks/profile_breakdown.py [--sizes 1000 2000 4000]``
Times are medians (the machine may be shared); the per-operation rows are single-thread.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from theorylab import bandits as B
from theorylab.kernels import fc


def med(fn, k=5):
    ts = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def erf_ops(k, th, p1, p2, ws):
    """The operations of ``fc._erf_block`` (one layer)."""
    rho, tmp, _ = ws
    return [
        ("outer (1+2k11)(1+2k22), outer c1 c2", lambda: (np.multiply.outer(p1, p2, out=tmp),
                                                         np.multiply.outer(p1, p2, out=tmp))),
        ("k*k, *4, subtract", lambda: (np.multiply(k, k, out=rho), np.multiply(rho, 4.0, out=rho),
                                       np.subtract(tmp + 1.0, rho, out=rho))),
        ("sqrt", lambda: np.sqrt(tmp, out=rho)),
        ("divide 4/pi / .", lambda: np.divide(1.27, tmp, out=rho)),
        ("clip", lambda: np.clip(rho, -1.0, 1.0, out=rho)),
        ("arcsin", lambda: np.arcsin(rho, out=rho)),
        ("5 scalar mul/add + 3 array mul/add", lambda: [np.multiply(rho, 1.1, out=rho) for _ in range(5)]
         + [np.multiply(rho, th, out=rho) for _ in range(3)]),
    ]


def relu_ops(k, th, s1, s2, ws):
    rho, tmp, s = ws
    return [
        ("outer sqrt(k11 k22)", lambda: np.multiply.outer(s1, s2, out=s)),
        ("divide", lambda: np.divide(k, s, out=rho)),
        ("clip", lambda: np.clip(rho, -1.0, 1.0, out=rho)),
        ("1-rho^2, max, sqrt", lambda: (np.multiply(rho, rho, out=tmp), np.subtract(1.0, tmp, out=tmp),
                                        np.maximum(tmp, 0.0, out=tmp), np.sqrt(tmp, out=tmp))),
        ("arcsin", lambda: np.arcsin(rho, out=rho)),
        ("8 scalar/array mul/add", lambda: [np.multiply(tmp, 1.0000001, out=tmp) for _ in range(8)]),
    ]


def kernels(sizes, d=100, depth=3):
    rng = np.random.default_rng(0)
    tile = int(np.sqrt(65536))
    for n in sizes:
        X = rng.standard_normal((n, d))
        X2 = rng.standard_normal((n, d))
        gemm = med(lambda: X @ X2.T)
        for act in ("erf", "relu"):
            t1 = med(lambda: fc.nngp_ntk(X, X2, depth=depth, activation=act, n_threads=1), 3)
            t2 = med(lambda: fc.nngp_ntk(X, X2, depth=depth, activation=act), 3)
            ts = med(lambda: fc.nngp_ntk(X, depth=depth, activation=act), 3)
            print(f"\n{act} n={n} x1 vs x2: total {t2:.3f} s (2 threads), {t1:.3f} s (1 thread); "
                  f"symmetric {ts:.3f} s; GEMM {gemm:.3f} s")
            g = 0.5 + rng.random((tile, tile)) * 0.1
            th = rng.random((tile, tile))
            p = 1.0 + rng.random(tile)
            ws = tuple(np.empty((tile, tile)) for _ in range(3))
            ops = (erf_ops if act == "erf" else relu_ops)(g, th, p, p, ws)
            scale = depth * (n * n) / (tile * tile)
            tot = 0.0
            rows = []
            for name, fn in ops:
                t = med(lambda fn=fn: [fn() for _ in range(20)]) / 20 * scale
                rows.append((name, t))
                tot += t
            for name, t in rows:
                print(f"   {name:38s} {t:7.3f} s  {100 * t / tot:5.1f} %")
            print(f"   {'elementwise sum (1 thread, x1 vs x2)':38s} {tot:7.3f} s; GEMM+copy rest "
                  f"{t1 - tot:7.3f} s")


def thompson(T=2000, R=1000, K=10):
    rng = np.random.default_rng(0)
    S = rng.integers(0, 50, (R, K)).astype(float)
    N = S + rng.integers(0, 50, (R, K))
    a = S + 1.0
    b = N - S + 1.0
    env = B.KArmedBandit(np.array([0.9, 0.8] + [0.5] * (K - 2)))
    theta = rng.beta(a, b)
    arm = theta.argmax(axis=1)
    U = rng.random(R)
    base = np.arange(R) * K
    Nf = N.reshape(-1)
    Sf = S.reshape(-1)
    parts = [
        ("rng.beta on (R, K)", lambda: rng.beta(a, b)),
        ("argmax (R, K) axis 1", lambda: theta.argmax(axis=1)),
        ("rewards + bookkeeping", lambda: (env._rewards(arm, U), Nf.__setitem__(base + arm, Nf[base + arm] + 1.0),
                                           Sf.__setitem__(base + arm, Sf[base + arm] + 1.0))),
    ]
    rows = [(name, med(lambda fn=fn: [fn() for _ in range(200)]) / 200 * 1e6) for name, fn in parts]
    t0 = time.perf_counter()
    B.run_mab(env, "thompson", T=T, n_reps=R, rng=np.random.default_rng(1), checkpoints=np.array([T]),
              sampler="all-arms")
    per = (time.perf_counter() - t0) / T * 1e6
    tot = sum(t for _, t in rows)
    print(f"\nThompson sampling, all-arms sampler, R={R}, K={K}: {per:.0f} us per round in run_mab "
          f"({R / per:.2f} M pulls/s)")
    for name, t in rows:
        print(f"   {name:30s} {t:7.1f} us  {100 * t / per:5.1f} % of a round")
    print(f"   {'rest (python, S+1, N-S+1, ...)':30s} {per - tot:7.1f} us")


def screened(T=10_000, R=200):
    """What the screened sampler does per pull (numpy engine, counted), and the speed of both
    engines on the benchmark's instance."""
    from theorylab.bandits import _screened as SC

    env = B.KArmedBandit(np.array([0.9, 0.8] + [0.5] * 8))
    cnt = {"busy rows (all arms drawn)": 0, "eventful rows": 0, "exact betainc": 0, "geometric bounds": 0}
    o_choose, o_event, o_bi, o_hb = SC.ScreenedBetaTS.choose, SC.ScreenedBetaTS._eventful, SC.betainc, SC.head_bound

    def choose(self, rng):
        cnt["busy rows (all arms drawn)"] += int(self.busy.sum())
        return o_choose(self, rng)

    def eventful(self, er, rng):
        cnt["eventful rows"] += er.size
        return o_event(self, er, rng)

    def bi(a, b, x):
        cnt["exact betainc"] += np.size(np.broadcast(a, b, x))
        return o_bi(a, b, x)

    def hb(a, b, x):
        cnt["geometric bounds"] += np.size(np.broadcast(a, b, x))
        return o_hb(a, b, x)

    SC.ScreenedBetaTS.choose, SC.ScreenedBetaTS._eventful, SC.betainc, SC.head_bound = choose, eventful, bi, hb
    try:
        B.run_mab(env, "thompson", T=T, n_reps=R, rng=np.random.default_rng(1), engine="numpy")
    finally:
        SC.ScreenedBetaTS.choose, SC.ScreenedBetaTS._eventful, SC.betainc, SC.head_bound = o_choose, o_event, o_bi, o_hb
    print(f"\nScreened Thompson sampling, R={R}, T={T} (numpy engine, counted per pull):")
    for k, v in cnt.items():
        print(f"   {k:30s} {v / (R * T):.4f} per pull")
    for engine in ("numpy", "numba"):
        try:
            B.run_mab(env, "thompson", T=50, n_reps=10, rng=np.random.default_rng(0), engine=engine)  # compile
        except ImportError as exc:
            print(f"   engine={engine}: {exc}")
            continue
        t0 = time.perf_counter()
        B.run_mab(env, "thompson", T=T, n_reps=1000, rng=np.random.default_rng(1), engine=engine,
                  checkpoints=np.array([T]))
        dt = time.perf_counter() - t0
        print(f"   engine={engine}: {T * 1000 / dt / 1e6:.2f} M pulls/s (R = 1000)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    ap.add_argument("--skip-kernels", action="store_true")
    args = ap.parse_args()
    if not args.skip_kernels:
        kernels(args.sizes)
    thompson()
    screened()
