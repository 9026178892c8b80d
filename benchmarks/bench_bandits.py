"""Benchmark: UCB1 and Thompson sampling on 10 Bernoulli arms, T = 1e4, R = 1000
repetitions, vectorised over repetitions. Prints pulls per second (wall and CPU).

Run: ``python benchmarks/bench_bandits.py [--T 10000] [--reps 1000]``.
Target (issue 8): >= 10 million pulls/s for UCB1 on 2 cores. References quoted in
the issue: SMPyBandits ~28 thousand pulls/s, a per-step numpy loop ~120 thousand.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from theorylab import bandits as B

MEANS = np.array([0.9, 0.8] + [0.5] * 8)


def bench(policy: str, T: int, reps: int, seed: int = 0) -> dict:
    env = B.KArmedBandit(MEANS)
    t0, c0 = time.perf_counter(), time.process_time()
    run = B.run_mab(env, policy, T=T, n_reps=reps, rng=np.random.default_rng(seed),
                    checkpoints=np.array([T]))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    pulls = T * reps
    return {"policy": policy, "pulls": pulls, "wall_s": wall, "cpu_s": cpu,
            "pulls_per_s_wall": pulls / wall, "pulls_per_s_cpu": pulls / cpu,
            "mean_regret": float(run.final.mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--T", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=1000)
    args = ap.parse_args()
    for policy in ("ucb1", "thompson"):
        r = bench(policy, args.T, args.reps)
        print(f"{r['policy']:9s} {r['pulls']:.2e} pulls  wall {r['wall_s']:.2f} s  cpu {r['cpu_s']:.2f} s  "
              f"{r['pulls_per_s_wall'] / 1e6:.2f} M pulls/s (wall), {r['pulls_per_s_cpu'] / 1e6:.2f} M pulls/s (cpu)  "
              f"mean regret {r['mean_regret']:.1f}")


if __name__ == "__main__":
    main()
