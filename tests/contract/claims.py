"""Contract cases of theorylab.claims (owned by the lead; cases kept here so that the
ledger's public boundary is covered like every other module's)."""

import numpy as np

from theorylab import claims
from tests.contract import ok, skip

_LEDGER = claims.Ledger("contract-case", seed=1, profile="quick", write=False)
_REC = _LEDGER.identity("C1", "two equal numbers", measured=1.0, expected=1.0, role="implementation",
                        reference="identity", rationale="exact")

CASES = {
    "Tolerance": ok(0.1, "se", detail="3 SE", se=0.033, k=3.0).legal(source=["unknown choice"],
                                                                       detail=["unknown choice"]),
    "tol_exact": ok(),
    "tol_roundoff": ok(np.array([1.0, 3.0]), n_ops=10.0).invalid(n_ops=[0.0]),
    "tol_se": ok(0.01, 3.0, source="MC SE over 100 seeds").legal(source=["unknown choice"]).invalid(k=[11.0]),
    "tol_catalogue": ok(0.1, "catalogue: slope within 0.1").legal(source=["unknown choice"]),
    "tol_truncation": ok(1e-12, "series truncated after 20 terms").legal(source=["unknown choice"]),
    "Control": ok("a wrong rate", y=np.array([1.0, 2.0])).legal(variant=["unknown choice"]),
    "Record": skip("a ledger line built by Ledger's checks, not an input boundary"),
    "Ledger": ok("contract-case", seed=1, profile="quick", write=False, legacy=False).legal(
        slug=["unknown choice"]).nondeterministic("a ledger holds its wall-clock start time"),
    "Ledger.identity": ok("C2", "one equals one", measured=np.array([1.0]), expected=np.array([1.0]),
                          # a tolerance wide enough that random moderate values (hypothesis draws in
                          # [-3, 3]) still pass: a failing claim raising ClaimFailed is the ledger's job
                          atol=claims.tol_catalogue(10.0, "contract case: any moderate value"),
                          role="implementation", reference="identity",
                          rationale="exact").on(_LEDGER).legal(
        claim=["unknown choice"], statement=["unknown choice"], reference=["unknown choice"],
        rationale=["unknown choice"], reason=["unknown choice"], replaces=["unknown choice"],
        no_control=["unknown choice"]).fix("expect", "kind").nondeterministic(
        "a record holds the wall time since the previous check"),
    "fit_loglog": ok([1.0, 2.0, 4.0, 8.0], [1.0, 4.1, 15.8, 64.3], level=0.9).invalid(level=[0.0, 1.0]),
    "load_records": skip("reads a ledger file written by Ledger; covered by tests/test_claims.py"),
    "load_all_records": ok(),
    "records_table": ok([_REC], with_slug=True, html=False),
    "paper_status": ok([_REC]),
    "verdict_label": ok(_REC, html=True),
}

