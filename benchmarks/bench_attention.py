"""Benchmark: random-feature attention feature matrix at n = 5000, N = 16, d = 32, M = 2000.

The feature matrix is n x M*d = 5000 x 64000 float64 (2.56 GB). It is computed in blocks
of samples (``rfa_features(..., block_size=B)``), so the intermediates (scores
``(B, M, N)``, query projections ``(B, M*d)``, values ``(B, M, d)``) stay bounded at
about ``B * M * (N + 2 d) * 8`` bytes on top of the output. With ``--gram`` the n x n
finite-head kernel is accumulated over blocks of heads instead (``rfa_gram``), which never
holds the feature matrix (memory n^2 + n * head_block * d), at the price of the
n^2 * M * d product (about 3.2 TFLOP at the default size).

Usage::

    python benchmarks/bench_attention.py                  # features, default size
    python benchmarks/bench_attention.py --n 1000 --gram  # smaller Gram run
    python benchmarks/bench_attention.py --threads 2

Reports wall time, CPU time and the peak of numpy allocations (tracemalloc) and the
process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_limits

from theorylab import attention


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--keys", type=int, default=16)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--heads", type=int, default=2000)
    ap.add_argument("--block", type=int, default=100, help="samples per block (features)")
    ap.add_argument("--head-block", type=int, default=128, help="heads per block (--gram)")
    ap.add_argument("--activation", default="exp", choices=attention.ACTIVATIONS)
    ap.add_argument("--gram", action="store_true", help="accumulate the n x n kernel instead")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    rng = np.random.default_rng(a.seed)
    x0, X = attention.sample_tokens(a.n, a.keys, a.dim, rng=rng)
    W = attention.sample_qk_weights(a.heads, a.dim, rng=rng)
    out_bytes = (a.n * a.n if a.gram else a.n * a.heads * a.dim) * 8

    with threadpool_limits(a.threads):
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        if a.gram:
            K = attention.rfa_gram(x0, X, W, activation=a.activation, head_block=a.head_block)
            check = float(np.trace(K))
        else:
            F = attention.rfa_features(x0, X, W, activation=a.activation, block_size=a.block)
            check = float(np.einsum("ij,ij->", F[:10], F[:10]))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()

    mode = "gram (head blocks of %d)" % a.head_block if a.gram else "features (sample blocks of %d)" % a.block
    print(f"random-feature attention: n={a.n} N={a.keys} d={a.dim} heads={a.heads} "
          f"activation={a.activation} mode={mode} threads={a.threads}")
    print(f"  output            {out_bytes / 2**20:9.1f} MiB")
    print(f"  peak numpy alloc  {peak / 2**20:9.1f} MiB  (output + bounded block intermediates)")
    print(f"  max RSS           {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:9.1f} MiB")
    print(f"  wall time         {wall:9.2f} s")
    print(f"  cpu time          {cpu:9.2f} s")
    print(f"  checksum          {check:.6e}")


if __name__ == "__main__":
    main()
