"""The performance page's table is the rendering of the committed benchmark results
(benchmarks/render_results.py), not hand-typed numbers."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_performance_table_is_rendered_from_results():
    spec = importlib.util.spec_from_file_location("render_results", ROOT / "benchmarks" / "render_results.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = (ROOT / "benchmarks" / "results" / "peers.md").read_text(encoding="utf-8")
    assert committed == mod.render(), "re-run benchmarks/render_results.py after changing the results files"
    assert "{include} ../benchmarks/results/peers.md" in (ROOT / "notebooks" / "performance.md").read_text()
