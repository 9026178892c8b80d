"""Render ``benchmarks/results/peers_*.json`` (written by ``bench_peers.py``) as the Markdown
table included by ``notebooks/performance.md``: every number on that page comes from the
results files. ``tests/test_benchmarks_results.py`` checks that the committed table is the
rendering of the committed files.

Run: ``.venv/bin/python benchmarks/render_results.py`` (writes ``benchmarks/results/peers.md``).
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_KERNEL = {1000: 1.5, 2000: 1.5, 4000: 2.0}  # issue 24
GOAL_BANDIT = 300.0


def _load(name):
    p = RESULTS / name
    return json.loads(p.read_text()) if p.is_file() else None


def _ver(v: dict) -> str:
    return ", ".join(f"{k} {x}" for k, x in v.items() if k != "source")


def render() -> str:
    kern, before = _load("peers_kernels.json"), _load("peers_kernels_before.json")
    bands = [_load(p.name) for p in sorted(RESULTS.glob("peers_bandits*.json"))]  # every run is shown
    bands_before = [_load(p.name) for p in sorted(RESULTS.glob("before_bandits*.json"))]
    out = []
    runs = ([(kern, "kernels")] + [(b, f"bandits, run {i + 1}") for i, b in enumerate(bands)]
            + [(b, f"bandits before, run {i + 1}") for i, b in enumerate(bands_before)])
    for res, what in runs:
        if res is None:
            continue
        m = res["machine"]
        out.append(f"- **{what}**: run {res['date']} on {m['cores']} cores ({m['cpu']}, {m['platform']}, "
                   f"Python {m['python']}); load average {res['load_start'][0]:.1f} at the start, "
                   f"{res['load_end'][0]:.1f} at the end; medians of {res['samples']} interleaved calls. "
                   + "; ".join(f"{k}: {_ver(v)}" for k, v in res["versions"].items()) + ".")
    if bands_before:
        out.append("- **bandits before**: the runs on the code before the screened Thompson sampler "
                   "(the all-arms sampler: one Beta variate per arm, repetition and round).")
    if before is not None:
        out.append(f"- **before** (kernels): the same benchmark run {before['date']} (load average "
                   f"{before['load_start'][0]:.1f} → {before['load_end'][0]:.1f}) on the code before issue 24 "
                   f"({before['versions']['theorylab'].get('source', '?')}).")
    out.append("")
    if kern is not None:
        prev = {}
        if before is not None:
            prev = {(r["act"], r["n"], r["sym"]): r["ratio"] for r in before["kernels"]}
        out += ["| FC NNGP+NTK, depth 3, d = 100, float64 | theorylab (s) | neural-tangents (s) "
                "| ratio before | ratio now | goal | met |",
                "|---|---|---|---|---|---|---|"]
        for r in kern["kernels"]:
            g = GOAL_KERNEL.get(r["n"], 2.0)
            pb = prev.get((r["act"], r["n"], r["sym"]))
            out.append(f"| {r['act']}, n = {r['n']}, {'symmetric' if r['sym'] else 'x1 vs x2'} "
                       f"| {r['ours_wall']:.3f} | {r['peer_wall']:.3f} | {'—' if pb is None else f'{pb:.2f}×'} "
                       f"| {r['ratio']:.2f}× | ≥ {g:g}× | {'yes' if r['ratio'] >= g else '**no**'} |")
        out.append("")
        out += ["| agreement at n = 1000 (max abs. difference / max entry) | NNGP | NTK |", "|---|---|---|"]
        for a in kern["agreement"]:
            e = a["max_rel_err"]
            out.append(f"| {a['act']}, {'symmetric' if a['sym'] else 'x1 vs x2'} | {e['K']:.1e} | {e['Theta']:.1e} |")
        out.append("")
    prev_b: dict[str, list[float]] = {}
    for b in bands_before:
        for r in b["bandits"]:
            prev_b.setdefault(r["policy"], []).append(r["ratio"])
    for i, band in enumerate(bands):
        out += [f"| 10 Bernoulli arms, T = 10⁴ (run {i + 1}) | theorylab (M pulls/s, R = 1000) | SMPyBandits (k pulls/s) "
                "| ratio before | ratio now | goal | met | mean regret theorylab ± SE | mean regret SMPyBandits |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in band["bandits"]:
            pb = prev_b.get(r["policy"])
            pbs = "—" if not pb else ", ".join(f"{x:.0f}×" for x in pb)
            out.append(f"| {'UCB1' if r['policy'] == 'ucb1' else 'Thompson sampling'} "
                       f"| {r['ours_pulls_per_s'] / 1e6:.2f} | {r['peer_pulls_per_s'] / 1e3:.1f} (R = {r['peer_R']}) "
                       f"| {pbs} | {r['ratio']:.0f}× | ≥ {GOAL_BANDIT:g}× | {'yes' if r['ratio'] >= GOAL_BANDIT else '**no**'} "
                       f"| {r['ours_mean_regret']:.1f} ± {r['ours_se_regret']:.1f} | {r['peer_mean_regret']:.1f} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    (RESULTS / "peers.md").write_text(render(), encoding="utf-8")
    print(render())
