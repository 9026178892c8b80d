"""Worker process for ``bench_peers.py``: one system (theorylab, neural-tangents or
SMPyBandits) per process, run by that system's own interpreter. Reads one JSON command per
line on stdin, answers one JSON line: ``{"wall": s, "cpu": s, ...}``. Not meant to be run by
hand."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

SYSTEM = sys.argv[1]
if os.environ.get("THEORYLAB_SRC"):  # time another checkout (e.g. the code before a change)
    sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, os.environ["THEORYLAB_SRC"])
MEANS = [0.9, 0.8] + [0.5] * 8
W_VAR, B_VAR = 2.0, 0.05**2


def inputs(n, d, which):
    rng = np.random.default_rng(1000 * n + d + which)
    return rng.standard_normal((n, d))


if SYSTEM == "theorylab":
    from theorylab import bandits as B
    from theorylab.kernels import nngp_ntk

    def gram(X, X2, act, depth):
        return nngp_ntk(X, X2, depth=depth, activation=act, weight_var=W_VAR, bias_var=B_VAR)

    def bandit(policy, T, R):
        run = B.run_mab(B.KArmedBandit(np.array(MEANS)), policy, T=T, n_reps=R,
                        rng=np.random.default_rng(0), checkpoints=np.array([T]))
        return {"mean_regret": float(run.final.mean()),
                "se_regret": float(run.final.std(ddof=1) / np.sqrt(R))}

    def versions():
        import theorylab
        try:
            import numba

            nb = numba.__version__
        except ImportError:
            nb = "not installed (numpy engine)"
        return {"theorylab": getattr(theorylab, "__version__", "?"), "numpy": np.__version__, "numba": nb,
                "source": os.environ.get("THEORYLAB_SRC", "this checkout")}

elif SYSTEM == "neural-tangents":
    import jax

    jax.config.update("jax_enable_x64", True)
    import neural_tangents as nt
    from neural_tangents import stax

    _fns = {}

    def _kernel_fn(act, depth):
        key = (act, depth)
        if key not in _fns:
            A = {"relu": stax.Relu, "erf": stax.Erf}[act]
            layers = []
            for _ in range(depth):
                layers += [stax.Dense(512, W_std=W_VAR**0.5, b_std=B_VAR**0.5), A()]
            layers += [stax.Dense(1, W_std=W_VAR**0.5, b_std=B_VAR**0.5)]
            _, _, kfn = stax.serial(*layers)
            _fns[key] = jax.jit(kfn, static_argnames="get")
        return _fns[key]

    def gram(X, X2, act, depth):
        k = _kernel_fn(act, depth)(X, X2, get=("nngp", "ntk"))
        return np.asarray(k[0].block_until_ready()), np.asarray(k[1].block_until_ready())

    def versions():
        return {"neural-tangents": nt.__version__, "jax": jax.__version__, "numpy": np.__version__}

elif SYSTEM == "smpybandits":
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        from SMPyBandits.Arms import Bernoulli
        from SMPyBandits.Policies import UCB, Thompson

    def bandit(policy, T, R):
        P = {"ucb1": UCB, "thompson": Thompson}[policy]
        regrets = []
        best = max(MEANS)
        for r in range(R):
            np.random.seed(r)
            arms = [Bernoulli(m) for m in MEANS]
            pol = P(len(MEANS))
            pol.startGame()
            counts = np.zeros(len(MEANS))
            for t in range(T):
                a = pol.choice()
                pol.getReward(a, arms[a].draw(t))
                counts[a] += 1
            regrets.append(float(np.dot(best - np.array(MEANS), counts)))
        return {"mean_regret": float(np.mean(regrets)),
                "se_regret": float(np.std(regrets, ddof=1) / np.sqrt(R)) if R > 1 else float("nan")}

    def versions():
        import SMPyBandits
        return {"SMPyBandits": getattr(SMPyBandits, "__version__", "0.9.7"), "numpy": np.__version__}
else:
    raise SystemExit(f"unknown system {SYSTEM!r}")


def main():
    for line in sys.stdin:
        cmd = json.loads(line)
        out = {}
        if cmd["op"] == "versions":
            out = versions()
        elif cmd["op"] == "gram":
            X = inputs(cmd["n"], cmd["d"], 1)
            X2 = None if cmd["sym"] else inputs(cmd["n"], cmd["d"], 2)
            c0, t0 = time.process_time(), time.perf_counter()
            K, Th = gram(X, X2, cmd["act"], cmd["depth"])
            out = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}
            if cmd.get("save"):
                np.savez(cmd["save"], K=K, Theta=Th)
        elif cmd["op"] == "bandit":
            c0, t0 = time.process_time(), time.perf_counter()
            out = bandit(cmd["policy"], cmd["T"], cmd["R"])
            out.update(wall=time.perf_counter() - t0, cpu=time.process_time() - c0)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
