"""Contract cases of theorylab.registry."""

from tests.contract import ok, skip

CASES = {
    "Paper": skip("a registry record read from theorylab/data/papers.json, not an input boundary"),
    "get": ok("cross-entropy-hconsistency"),
    "notebook_path": ok("cross-entropy-hconsistency"),
    "status": ok(),
    "suggest": ok("cross-entropy", n=2).invalid(n=[-1]).legal(slug=["unknown choice"]),
}
