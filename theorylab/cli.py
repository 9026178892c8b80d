"""The ``theorylab`` command.

::

    theorylab list                         papers, notebook present or not, verdicts
    theorylab run <slug> [--profile full]  execute one notebook, print its claims
    theorylab book [--profile full]        execute all notebooks, render _build/html
    theorylab ledger [--json]              every ledger record (table or JSON array)
    theorylab record [slug ...]            run notebooks at the full profile, keep the results
                                           in results/full/<slug>.json (skips fresh ones)
    theorylab cache [--clear]              the on-disk cache of sweep runs

Exit status: 0 when every claim has its expected verdict; 1 when a claim that should
reproduce did not (or a notebook failed); 2 on usage errors (unknown slug, bad
profile).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from . import claims, config, registry, runner

JSON_FIELDS = (
    "slug", "claim", "statement", "role", "kind", "grade", "grade_reason", "measured", "criterion",
    "tolerance", "control", "verdict", "expected", "expect_by_profile", "replaces", "reference",
    "contract", "profile", "seed", "seconds", "rationale", "reason",
)


def _profile_arg(value: str) -> str:
    try:
        return config.profile(value).name
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(kind: type, what: str):
    """An argparse type: a number > 0 (argparse names the option in its error)."""
    def parse(value: str):
        try:
            x = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {value!r}") from None
        if not x > 0:
            raise argparse.ArgumentTypeError(f"must be {what}; got {value!r}")
        return x
    parse.__name__ = what
    return parse


def _term_width() -> int:
    """Columns of the terminal (``COLUMNS`` if set; 120 when not a terminal)."""
    import shutil

    return max(60, shutil.get_terminal_size((120, 24)).columns)


def _table(rows: list[list[str]], head: list[str], *, wrap: Sequence[int] = (),
           wide: bool = False, width: int | None = None) -> str:
    """A plain-text table. Columns listed in ``wrap`` are wrapped onto several lines so
    the table fits ``width`` (default: the terminal); nothing is cut. ``wide`` keeps
    every cell on one line, however long."""
    import textwrap

    rows = [[str(x) for x in r] for r in rows]
    natural = [max(len(x) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    widths = list(natural)
    total = width or _term_width()
    wrap = [i for i in wrap if 0 <= i < len(head)]
    if not wide and wrap and sum(widths) + 2 * (len(widths) - 1) > total:
        fixed = sum(w for i, w in enumerate(widths) if i not in wrap) + 2 * (len(widths) - 1)
        # a wrapped column is at least as wide as its longest word (up to 32), so words do not break
        longest = {i: max((len(w) for r in rows for w in r[i].split()), default=0) for i in wrap}
        floor = {i: min(natural[i], max(len(head[i]), 12, min(longest[i], 32))) for i in wrap}
        room = max(total - fixed - sum(floor.values()), 0)
        extra = {i: natural[i] - floor[i] for i in wrap}
        want = sum(extra.values()) or 1
        for i in wrap:  # the room left over is shared in proportion to what each column lacks
            widths[i] = floor[i] + min(extra[i], room * extra[i] // want)
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for r in rows:
        cells = [textwrap.wrap(x, widths[i], break_on_hyphens=False) or [""] if i in wrap and len(x) > widths[i]
                 else [x] for i, x in enumerate(r)]
        for k in range(max(len(c) for c in cells)):
            lines.append("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(lines)


def _claims_table(records: list[dict], *, wide: bool = False) -> str:
    """Every record, grouped by paper (one heading line per paper, so the table's width
    goes to the criterion and the control, which wrap to the terminal unless ``wide``)."""
    out = []
    by_slug: dict[str, list[dict]] = {}
    for r in records:
        by_slug.setdefault(r["slug"], []).append(r)
    for slug, recs in by_slug.items():
        rows = []
        for r in recs:
            verdict = claims.verdict_label(r)
            ctrl = claims.control_text(r)
            rows.append([r["claim"], r.get("role", "claim"), r["kind"], r.get("grade") or "-",
                         r["criterion"], ctrl, verdict])
        out.append(f"{slug}\n" + _table(rows, ["claim", "role", "kind", "grade", "criterion", "control", "verdict"],
                                         wrap=(4, 5), wide=wide))
    return "\n\n".join(out)


def _summary_line(records: list[dict]) -> str:
    cl = [r for r in records if r.get("role", "claim") == "claim"]
    ok = sum(1 for r in cl if r["verdict"] == "reproduced" and not claims.is_unexpected(r))
    nr = sum(1 for r in cl if r["verdict"] == "not-reproduced")
    rep = sum(1 for r in cl if r["verdict"] == "reported")
    impl = len(records) - len(cl)
    bad = sum(1 for r in records if claims.is_unexpected(r))
    if not records:
        return "no records"
    return (f"{len(cl)} claim checks: {ok} reproduced, {nr} not reproduced, {rep} reported; "
            f"{impl} implementation checks; {bad} unexpected")


# --------------------------------------------------------------------------- #
def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for r in registry.status():
        checks = ", ".join(f"{v} {k}" for k, v in sorted(r["counts"].items())) or "-"
        state = r["state"]
        if r["records"]:
            st = claims.paper_status(r["records"])
            state = st["text"] + (" (legacy contract)" if st["legacy"] else "")
            impl = st["n_implementation"]
            checks = f"{impl} implementation checks" if impl else "-"
        elif state == "not-checkable":
            state = "not checkable on CPU: " + r["x_reason"]
        elif state == "not-written":
            state = "not yet written"
        rows.append([r["part"], r["slug"], r["cls"], state, checks])
    print(_table(rows, ["part", "slug", "class", "status (claims)", "other checks"], wrap=(3,),
                 wide=args.wide))
    n_nb = sum(1 for r in registry.status() if r["notebook"])
    print(f"\n{len(rows)} papers, {n_nb} notebooks")
    return 0


def cmd_ledger(args: argparse.Namespace) -> int:
    records = claims.load_all_records()
    if args.slug:
        paper = registry.get(args.slug)
        if registry.notebook_path(args.slug) is None:
            print(_no_notebook(paper), file=sys.stderr)
            return 2
        records = [r for r in records if r["slug"] == args.slug]
    if args.json:
        print(json.dumps([{k: r.get(k) for k in JSON_FIELDS} for r in records], indent=1, ensure_ascii=False))
    else:
        if not records:
            hint = f"theorylab run {args.slug}" if args.slug else "theorylab book` or `theorylab run <slug>"
            print(f"no ledger records yet: run `{hint}`")
        else:
            print(_claims_table(records, wide=args.wide))
            print("\n" + _summary_line(records))
    return 1 if any(claims.is_unexpected(r) for r in records) else 0


def _no_notebook(paper: registry.Paper) -> str:
    if not paper.checkable:
        return f"{paper.slug}: not checkable on a CPU ({paper.x_reason}); no notebook exists"
    return (f"{paper.slug}: no notebook exists yet (it would be notebooks/{paper.part}/{paper.slug}.md), "
            "so there is no ledger to show")


def _report(results: list[runner.RunResult], *, wide: bool = False) -> int:
    records = [rec for res in results for rec in res.records]
    if records:
        print(_claims_table(records, wide=wide))
    print()
    for res in results:
        if not res.ok:
            print(f"notebook {res.part}/{res.slug} FAILED: {res.error}", file=sys.stderr)
    print(_summary_line(records))
    failed = [r for r in results if not r.ok or r.unexpected]
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    paper = registry.get(args.slug)
    path = registry.notebook_path(args.slug)
    if path is None:
        print(_no_notebook(paper), file=sys.stderr)
        return 2
    job = runner.NotebookJob(slug=args.slug, part=paper.part, path=path)
    results = runner.execute([job], profile=args.profile, jobs_parallel=1, timeout=args.timeout, force=True,
                             cell_progress=True)
    print(f"executed notebook: {config.build_dir() / 'executed' / paper.part / (args.slug + '.ipynb')}")
    return _report(results, wide=args.wide)


def cmd_book(args: argparse.Namespace) -> int:
    prof = config.profile(args.profile).name
    jobs = runner.discover()
    print(f"theorylab book: {len(jobs)} notebooks at profile {prof!r}", file=sys.stderr)
    results = runner.execute(jobs, profile=prof, jobs_parallel=args.jobs, timeout=args.timeout, force=args.force)
    runner.write_generated_pages()
    status = _report(results, wide=args.wide)
    if args.no_html:
        return status
    if status != 0 and not args.keep_going:
        print("not rendering the book: a notebook failed or a claim did not reproduce "
              "(use --keep-going to render anyway)", file=sys.stderr)
        return status
    print("rendering the book (Jupyter Book, warnings as errors) ...", file=sys.stderr)
    proc = runner.build_html(profile=prof, quiet=True, progress=True)
    log = (proc.stdout or "") + (proc.stderr or "")
    import re

    log = re.sub(r"\x1b\[[0-9;]*m", "", log)
    shown = [ln for ln in log.splitlines()
             if ("WARNING" in ln or "ERROR" in ln or "Executing notebook" in ln) and "TCP without" not in ln]
    for ln in shown:
        print(ln, file=sys.stderr)
    if proc.returncode != 0:
        if not shown:
            print("\n".join(log.splitlines()[-40:]), file=sys.stderr)
        print("book build failed (see the messages above)", file=sys.stderr)
        return 1
    print(f"book: {config.build_dir() / 'html' / 'index.html'}")
    return status


def cmd_record(args: argparse.Namespace) -> int:
    from . import results

    prof = config.profile(args.profile or "full").name
    jobs = runner.discover()
    if args.slugs:
        by_slug = {j.slug: j for j in jobs}
        chosen = []
        for slug in args.slugs:
            paper = registry.get(slug)  # an unknown slug: UnknownPaper, with suggestions
            if slug not in by_slug:
                print(_no_notebook(paper), file=sys.stderr)
                return 2
            chosen.append(by_slug[slug])
        jobs = chosen
    if args.status:
        rows = []
        for p in results.plan(jobs, prof):
            r = p.result or {}
            when = f"{r.get('date', '')[:10]} {str(r.get('commit') or '')[:8]}".strip()
            secs = f"{r['seconds']:.0f}" if r else ""
            rows.append([f"{p.job.part}/{p.job.slug}", p.state, when, secs, p.why])
        print(_table(rows, ["notebook", "recorded result", "date commit", "seconds", "why"], wrap=(4,),
                     wide=args.wide))
        counts: dict[str, int] = {}
        for r in rows:
            counts[r[1]] = counts.get(r[1], 0) + 1
        print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) +
              f" (profile {prof!r}, {results.results_dir(prof)})")
        return 0
    print(f"theorylab record: {len(jobs)} notebook(s) at profile {prof!r} -> {results.results_dir(prof)}",
          file=sys.stderr)
    recorded = results.record(jobs, profile=prof, jobs_parallel=args.jobs, timeout=args.timeout,
                              force=args.force)
    bad = 0
    for data in recorded:
        unexpected = [r["claim"] for r in data["records"] if claims.is_unexpected(r)]
        if not data["ok"] or unexpected:
            bad += 1
            what = data["error"] or "unexpected verdicts: " + ", ".join(unexpected)
            print(f"{data['part']}/{data['slug']} at {prof}: {what}", file=sys.stderr)
    print(_summary_line([r for d in recorded for r in d["records"]]))
    return 1 if bad else 0


def cmd_cache(args: argparse.Namespace) -> int:
    from . import sweep

    folder = sweep.cache_dir()
    if args.clear:
        n = sweep.clear_cache()
        print(f"removed {n} cached sweep runs from {folder}")
        return 0
    files = list(folder.rglob("*.pkl")) if folder.exists() else []
    size = sum(f.stat().st_size for f in files)
    print(f"sweep cache: {folder}: {len(files)} runs, {size / 1e6:.1f} MB (clear with `theorylab cache --clear`)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="theorylab", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    wide = dict(action="store_true", help="one line per row, however long (default: wrap long "
                                          "cells to the terminal's width)")
    seconds = _positive(int, "a whole number of seconds > 0")
    jobs = _positive(int, "an integer >= 1")

    s = sub.add_parser("list", help="papers of the collection and their status")
    s.add_argument("--wide", **wide)
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("run", help="execute one notebook and print its claims")
    s.add_argument("slug")
    s.add_argument("--profile", type=_profile_arg, default=None, help="quick (default) or full")
    s.add_argument("--timeout", type=seconds, default=3600, help="per-cell timeout in seconds (> 0)")
    s.add_argument("--wide", **wide)
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("book", help="execute every notebook and render the book into _build/html")
    s.add_argument("--profile", type=_profile_arg, default=None, help="quick (default) or full")
    s.add_argument("--jobs", "-j", type=jobs, default=2, help="notebooks executed in parallel (default 2)")
    s.add_argument("--timeout", type=seconds, default=3600, help="per-cell timeout in seconds (> 0)")
    s.add_argument("--wide", **wide)
    s.add_argument("--force", action="store_true", help="re-execute notebooks even if unchanged")
    s.add_argument("--keep-going", action="store_true", help="render the book even if a claim failed")
    s.add_argument("--no-html", action="store_true", help="execute and write the ledger, skip the HTML")
    s.set_defaults(func=cmd_book)

    s = sub.add_parser("ledger", help="print every ledger record")
    s.add_argument("--json", action="store_true", help="a JSON array of all records")
    s.add_argument("--slug", default=None, help="only this paper")
    s.add_argument("--wide", **wide)
    s.set_defaults(func=cmd_ledger)

    s = sub.add_parser("record", help="run notebooks at the full profile and keep their ledgers in "
                                      "results/<profile>/ (committed; shown in the book beside quick)")
    s.add_argument("slugs", nargs="*", metavar="slug", help="notebooks to record (default: all)")
    s.add_argument("--profile", type=_profile_arg, default=None, help="full (default) or quick")
    s.add_argument("--jobs", "-j", type=jobs, default=2, help="notebooks executed in parallel (default 2)")
    s.add_argument("--timeout", type=seconds, default=4 * 3600, help="per-cell timeout in seconds (> 0)")
    s.add_argument("--force", action="store_true", help="re-run notebooks whose recorded result is fresh")
    s.add_argument("--status", action="store_true", help="show which recorded results are fresh, stale, "
                                                           "failed or missing; run nothing")
    s.add_argument("--wide", **wide)
    s.set_defaults(func=cmd_record)

    s = sub.add_parser("cache", help="show or clear the on-disk cache of sweep runs")
    s.add_argument("--clear", action="store_true", help="delete every cached run")
    s.set_defaults(func=cmd_cache)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except registry.UnknownPaper as exc:
        print(f"theorylab: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"theorylab: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `theorylab list | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
