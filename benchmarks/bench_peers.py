"""Side-by-side benchmark against the peers of issue 24: theorylab vs neural-tangents (FC
NNGP+NTK Gram, depth 3, d = 100, float64, ReLU and erf, x1 vs x2 and symmetric, n = 1000,
2000, 4000) and theorylab vs SMPyBandits (UCB1 and Thompson sampling, 10 Bernoulli arms,
T = 1e4).

Each system runs in its own process with its own interpreter (the peers live in their own
virtual environments: neural-tangents needs jax <= 0.5.3, SMPyBandits needs scipy < 1.14),
started once; every row gets one untimed warm-up call per system (jit compilation), then
``--samples`` timed calls *interleaved* (ours, peer, peer, ours, ...) so that a change in the
machine's load hits both; the table reports medians. Ratio = peer median / theorylab median
(wall time; > 1 means theorylab is faster). CPU medians are recorded as well (jax uses every
core it can get, numpy one or two threads).

SMPyBandits plays one repetition at a time in Python, so it is timed on ``--smpy-reps``
repetitions and compared in pulls per second; theorylab plays R = 1000 vectorised
repetitions. Regret means are recorded for both (same instance).

Agreement: at n = 1000 both Gram matrices are computed once more and compared (max
relative error, relative to the largest entry).

Run (about 10 minutes on a shared 2-core machine)::

    .venv/bin/python benchmarks/bench_peers.py \\
        --nt-python /work/peers/nt-venv/bin/python \\
        --smpy-python /work/peers/smpy-venv/bin/python \\
        --out benchmarks/results/peers.json

``notebooks/performance.md`` renders the committed results file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORKER = HERE / "_peer_worker.py"


class Worker:
    def __init__(self, python: str, system: str):
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONWARNINGS="ignore",
                   TF_CPP_MIN_LOG_LEVEL="3")
        self.p = subprocess.Popen([python, str(WORKER), system], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, env=env, cwd=str(HERE.parent))
        self.system = system

    def __call__(self, **cmd) -> dict:
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.system} worker died on {cmd}")
        return json.loads(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=60)


def interleaved(ours, peer, cmd_ours, cmd_peer, samples):
    ours(**cmd_ours)
    peer(**cmd_peer)  # warm-up (jit compilation, imports)
    a, b = [], []
    for s in range(samples):
        pair = [(ours, cmd_ours, a), (peer, cmd_peer, b)]
        for w, c, acc in (pair if s % 2 == 0 else pair[::-1]):
            acc.append(w(**c))
    return a, b


def med(runs, key):
    return float(np.median([r[key] for r in runs]))


def machine():
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nt-python", default="/work/peers/nt-venv/bin/python")
    ap.add_argument("--smpy-python", default="/work/peers/smpy-venv/bin/python")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--smpy-reps", type=int, default=2)
    ap.add_argument("--rows", nargs="+", default=["kernels", "bandits"])
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    ours = Worker(sys.executable, "theorylab")
    res = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
           "load_start": os.getloadavg(), "samples": args.samples, "versions": {"theorylab": ours(op="versions")},
           "kernels": [], "bandits": [], "agreement": []}
    if "kernels" in args.rows:
        nt = Worker(args.nt_python, "neural-tangents")
        res["versions"]["neural-tangents"] = nt(op="versions")
        for act in ("relu", "erf"):  # agreement at n = 1000
            with tempfile.TemporaryDirectory() as tmp:
                for sym in (False, True):
                    c = dict(op="gram", n=1000, d=100, depth=3, act=act, sym=sym)
                    ours(**c, save=f"{tmp}/a.npz")
                    nt(**c, save=f"{tmp}/b.npz")
                    A, B = np.load(f"{tmp}/a.npz"), np.load(f"{tmp}/b.npz")
                    err = {k: float(np.max(np.abs(A[k] - B[k])) / np.max(np.abs(B[k]))) for k in ("K", "Theta")}
                    res["agreement"].append({"act": act, "sym": sym, "n": 1000, "max_rel_err": err})
                    print(f"agreement {act} {'sym' if sym else 'x1 vs x2'}: {err}", flush=True)
        for n in args.sizes:
            for act in ("relu", "erf"):
                for sym in (False, True):
                    c = dict(op="gram", n=n, d=100, depth=3, act=act, sym=sym)
                    a, b = interleaved(ours, nt, c, c, args.samples)
                    row = {"act": act, "n": n, "sym": sym, "ours_wall": med(a, "wall"), "peer_wall": med(b, "wall"),
                           "ours_cpu": med(a, "cpu"), "peer_cpu": med(b, "cpu"),
                           "ours_all": [r["wall"] for r in a], "peer_all": [r["wall"] for r in b]}
                    row["ratio"] = row["peer_wall"] / row["ours_wall"]
                    res["kernels"].append(row)
                    print(f"{act:4s} n={n:5d} {'sym     ' if sym else 'x1 vs x2'}  theorylab {row['ours_wall']:.3f} s  "
                          f"neural-tangents {row['peer_wall']:.3f} s  ratio {row['ratio']:.2f}", flush=True)
        nt.close()
    if "bandits" in args.rows:
        sm = Worker(args.smpy_python, "smpybandits")
        res["versions"]["SMPyBandits"] = sm(op="versions")
        T, R = 10_000, 1000
        for policy in ("ucb1", "thompson"):
            a, b = interleaved(ours, sm, dict(op="bandit", policy=policy, T=T, R=R),
                               dict(op="bandit", policy=policy, T=T, R=args.smpy_reps), args.samples)
            row = {"policy": policy, "T": T, "R": R, "peer_R": args.smpy_reps,
                   "ours_pulls_per_s": T * R / med(a, "wall"), "peer_pulls_per_s": T * args.smpy_reps / med(b, "wall"),
                   "ours_pulls_per_s_cpu": T * R / med(a, "cpu"),
                   "peer_pulls_per_s_cpu": T * args.smpy_reps / med(b, "cpu"),
                   "ours_mean_regret": a[0]["mean_regret"], "ours_se_regret": a[0]["se_regret"],
                   "peer_mean_regret": float(np.mean([r["mean_regret"] for r in b]))}
            row["ratio"] = row["ours_pulls_per_s"] / row["peer_pulls_per_s"]
            res["bandits"].append(row)
            print(f"{policy:8s} theorylab {row['ours_pulls_per_s'] / 1e6:.2f} M pulls/s  SMPyBandits "
                  f"{row['peer_pulls_per_s'] / 1e3:.1f} k pulls/s  ratio {row['ratio']:.0f}", flush=True)
        sm.close()
    ours.close()
    res["load_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
        print("wrote", args.out)


if __name__ == "__main__":
    main()
