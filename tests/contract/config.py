"""Contract cases of theorylab.config."""

from tests.contract import ok

CASES = {
    "Profile": ok("quick"),
    "profile": ok("full"),
    "repo_root": ok(),
    "build_dir": ok(),
    "ledger_dir": ok(),
    "figures_dir": ok(),
}
