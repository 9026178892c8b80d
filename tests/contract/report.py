"""Outcome counts of the deterministic bad calls of the API contract, per module.

    python -m tests.contract.report                 # the table
    python -m tests.contract.report -v              # ... and every bad call
    python -m tests.contract.report theorylab.online theorylab.losses
    python -m tests.contract.report --json counts.json

Modules are grouped under their top-level name by default (``theorylab.losses.bounds``
under ``theorylab.losses``), so counts stay comparable when a module is split into a
sub-package; ``--exact`` keeps every module apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict

from tests import contract as C

SPLIT = ("theorylab.adaptive", "theorylab.losses", "theorylab.online", "theorylab.polynomials",
         "theorylab.kernels.infinite_depth")


def group_of(modname: str, exact: bool) -> str:
    if exact:
        return modname
    for g in SPLIT:
        if modname == g or modname.startswith(g + "."):
            return g
    return modname


def collect(modules: list[str] | None, exact: bool = False):
    counts: dict[str, Counter] = defaultdict(Counter)
    bad: list[str] = []
    api = C.public_api()
    with C.bounded_memory(), C.isolated_outputs():
        for modname in sorted(api):
            if modules and group_of(modname, False) not in modules and modname not in modules:
                continue
            cases = C.load_cases(modname) or {}
            for key, case in cases.items():
                if not isinstance(case, C.Case):
                    continue
                try:
                    results = C.run_case(modname, key, case)
                except Exception as exc:  # noqa: BLE001 - the valid call itself broke
                    counts[group_of(modname, exact)]["valid call failed"] += 1
                    bad.append(f"{modname}.{key}: valid call raised {type(exc).__name__}: {exc}")
                    continue
                for name, pert, out in results:
                    counts[group_of(modname, exact)][out.kind] += 1
                    if not out.good:
                        bad.append(f"{modname}.{key}({name} <- {pert.label}): {out.kind} -- {out.detail}")
    return counts, bad


def table(counts: dict[str, Counter]) -> str:
    kinds = list(C.BAD) + ["valid call failed"]
    short = {"error not naming the argument": "unnamed err", "other exception": "other exc",
             "MemoryError": "MemoryErr", "hang": "hang", "silent nan/inf": "silent nan",
             "bad value accepted": "accepted", "numeric string accepted": "num string",
             "valid call failed": "valid fail"}
    head = ["module", "calls", "good", "bad"] + [short[k] for k in kinds]
    rows = []
    tot = Counter()
    for m in sorted(counts):
        c = counts[m]
        n = sum(c.values())
        good = c["clear error"] + c["finite result"]
        rows.append([m.replace("theorylab.", ""), n, good, n - good] + [c[k] for k in kinds])
        tot.update(c)
    n = sum(tot.values())
    good = tot["clear error"] + tot["finite result"]
    rows.append(["total", n, good, n - good] + [tot[k] for k in kinds])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modules", nargs="*")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every bad call")
    ap.add_argument("--exact", action="store_true", help="do not group split sub-packages")
    ap.add_argument("--json", help="write the counts to this file")
    args = ap.parse_args(argv)
    t0 = time.process_time()
    counts, bad = collect(args.modules or None, args.exact)
    print(table(counts))
    print(f"\n{len(bad)} bad calls; {time.process_time() - t0:.1f} s CPU")
    if args.verbose:
        print("\n".join(bad))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({m: dict(c) for m, c in counts.items()}, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
