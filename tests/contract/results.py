"""Contract cases of theorylab.results."""

from pathlib import Path

from theorylab import results, runner
from tests.contract import ok, skip

ROOT = Path(__file__).resolve().parent.parent.parent
NB = ROOT / "notebooks" / "kernels" / "degeneracy-interaction-basis.md"
RESULT = ROOT / "results" / "full" / "degeneracy-interaction-basis.json"
_JOB = runner.NotebookJob(slug=NB.stem, part=NB.parent.name, path=NB)
_RES = results.load_result(RESULT) if RESULT.is_file() else {
    "slug": NB.stem, "part": NB.parent.name, "records": [], "dependencies": results.dependencies(NB, ROOT)}

CASES = {
    "results_dir": ok("full", ROOT).invalid(profile=["huge"]),
    # any notebook name is legal: the path of a result not recorded yet
    "result_path": ok(NB.stem, "full", ROOT).invalid(slug=["../x", "", "A B"]).legal(slug=["unknown choice"]),
    "dependencies": ok(NB, ROOT).invalid(path=[ROOT / "no-such.md"]),
    "digest": ok({"a": "1", "b": "2"}).invalid(deps=[{"a": 1}]),
    "load_result": ok(RESULT if RESULT.is_file() else NB).invalid(path=[ROOT / "no-such.json"])
    if RESULT.is_file() else skip("no committed result yet to read"),
    "load_results": ok("full", ROOT),
    "freshness": ok(_RES, ROOT).invalid(result=[{"slug": "x"}]),
    "declared_claims": ok(NB),
    "undeclared_claims": ok(_RES, ROOT),
    "Plan": skip("the state of one notebook's recorded result, returned by plan(); not an input boundary"),
    "plan": ok([_JOB], "full", ROOT),
    # an empty list: validates every argument, runs nothing (recording is tested in tests/test_results.py)
    "record": ok([], profile="full", jobs_parallel=2, timeout=60, force=False, root=ROOT,
                 echo=print).invalid(jobs_parallel=[0], timeout=[0]),
}
