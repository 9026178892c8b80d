"""Execute notebooks, collect their ledgers, render the book.

The pieces behind ``theorylab run`` and ``theorylab book``:

1. :func:`discover` finds every jupytext MyST notebook ``notebooks/<part>/<slug>.md``.
2. :func:`execute` runs notebooks (in parallel worker processes, with progress),
   at a profile, each in its own folder, with a timeout. Every notebook writes its
   ledger to ``_build/ledger/<slug>.json``; the runner writes the executed notebook to
   ``_build/executed/<part>/<slug>.ipynb``, its wall time to ``_build/status/<slug>.json``,
   and stores the executed notebook in the Jupyter Book execution cache
   (``_build/.jupyter_cache/<profile>``), so the HTML build reuses it instead of
   executing again. A notebook whose code is unchanged since its last successful run
   at the same profile is not executed again (``force=True`` overrides).
3. :func:`write_generated_pages` renders the ledger and status tables that
   ``notebooks/ledger.md`` and ``notebooks/status.md`` include.
4. :func:`build_html` calls Jupyter Book 1 (``jupyter-book build``) with warnings as
   errors, into ``_build/html``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import claims, config, registry

__all__ = [
    "NON_NOTEBOOK_PAGES",
    "NotebookJob",
    "RunResult",
    "is_notebook",
    "discover",
    "execute",
    "write_generated_pages",
    "build_html",
]

NON_NOTEBOOK_PAGES = frozenset({"intro.md", "ledger.md", "status.md", "scaling-out.md", "references.md", "api.md"})


def is_notebook(path: Path) -> bool:
    """A MyST markdown file with a jupytext header and a kernelspec."""
    if path.suffix != ".md" or path.name in NON_NOTEBOOK_PAGES or "_generated" in path.parts:
        return False
    try:
        head = path.read_text(encoding="utf-8")[:800]
    except OSError:
        return False
    return head.startswith("---") and "kernelspec:" in head and "jupytext:" in head


@dataclass(frozen=True)
class NotebookJob:
    slug: str
    part: str
    path: Path


def discover(root: Path | None = None) -> list[NotebookJob]:
    """Every notebook under ``<root>/notebooks/<part>/``, sorted by part then slug."""
    root = root or config.repo_root()
    jobs = []
    for path in sorted((root / "notebooks").glob("*/*.md")):
        if is_notebook(path):
            jobs.append(NotebookJob(slug=path.stem, part=path.parent.name, path=path))
    return jobs


@dataclass
class RunResult:
    slug: str
    part: str
    ok: bool
    seconds: float
    cached: bool = False
    error: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unexpected(self) -> list[dict[str, Any]]:
        """Records whose verdict differs from the expected one."""
        return [r for r in self.records if claims.is_unexpected(r)]


# --------------------------------------------------------------------------- #
def _read_notebook(path: Path):
    """Read a MyST notebook the way Jupyter Book's reader does (so the execution
    cache recognises it); fall back to jupytext."""
    try:
        from myst_nb.core.config import NbParserConfig
        from myst_nb.core.read import read_myst_markdown_notebook

        return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), NbParserConfig(), path=str(path))
    except Exception:  # pragma: no cover - depends on myst-nb internals
        import jupytext

        return jupytext.read(path)


def _cache_dir(profile: str) -> Path:
    return config.build_dir() / ".jupyter_cache" / profile


def _is_cached(path: Path, profile: str) -> bool:
    try:
        from jupyter_cache import get_cache
    except ImportError:  # pragma: no cover
        return False
    cache_path = _cache_dir(profile)
    if not cache_path.exists():
        return False
    try:
        return get_cache(str(cache_path)).match_cache_notebook(_read_notebook(path)) is not None
    except KeyError:
        return False
    except Exception:  # pragma: no cover - a corrupt cache is just a miss
        return False


@contextlib.contextmanager
def _environ(**values: str):
    """Set environment variables for the duration of a block (kernels inherit them)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _kernel_config(socket_dir: str):
    """Kernel managers talk to the kernel over local IPC sockets in ``socket_dir`` (an
    absolute path: the kernel runs in the notebook's folder), not TCP: nothing listens
    on a port, and ipykernel has no "running over TCP without encryption" warning to
    print over the progress bar."""
    from traitlets.config import Config

    cfg = Config()
    cfg.KernelManager.transport = "ipc"
    cfg.KernelManager.ip = os.path.join(socket_dir, "kernel")
    return cfg


def _execute_one(job: NotebookJob, profile: str, timeout: int, root: str,
                 blas_threads: int | None = None, cell_progress: bool = False) -> RunResult:
    """Execute one notebook (in a worker process, or in-process for a single ``run``,
    then with a progress bar over its code cells when ``cell_progress``)."""
    env = {"THEORYLAB_PROFILE": profile, "THEORYLAB_ROOT": root, "THEORYLAB_PROGRESS": "0",
           "MPLBACKEND": os.environ.get("MPLBACKEND", "Agg")}
    if blas_threads is not None:  # the kernel inherits this environment
        env.update({v: str(blas_threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    with _environ(**env):  # paths, the profile and the kernel's environment all follow it
        return _execute_in_env(job, profile, timeout, cell_progress)


def _execute_in_env(job: NotebookJob, profile: str, timeout: int, cell_progress: bool) -> RunResult:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    build = config.build_dir()
    nb = _read_notebook(job.path)
    t0 = time.perf_counter()
    error = ""
    sockets = tempfile.mkdtemp(prefix="theorylab-kernel-")
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=False, record_timing=False,
        resources={"metadata": {"path": str(job.path.parent)}}, config=_kernel_config(sockets),
    )
    n_code = sum(1 for c in nb.cells if c.cell_type == "code")
    bar = _progress(n_code, f"{job.slug}", unit="cell") if cell_progress and n_code else None
    if bar is not None:
        client.on_cell_executed = lambda **kw: bar.update(1)
    try:
        client.execute()
    except CellTimeoutError as exc:
        error = f"timeout after {timeout} s: {str(exc).splitlines()[0]}"
    except CellExecutionError as exc:
        error = _error_summary(nb, exc)
    except Exception as exc:  # kernel died, missing kernel, ...
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(sockets, ignore_errors=True)
    seconds = time.perf_counter() - t0
    out = build / "executed" / job.part / f"{job.slug}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    if not error:
        try:
            from jupyter_cache import get_cache
            from jupyter_cache.base import CacheBundleIn

            cache = get_cache(str(_cache_dir(profile)))
            cache.cache_notebook_bundle(
                CacheBundleIn(nb, str(job.path), data={"execution_seconds": seconds}),
                check_validity=False, overwrite=True,
            )
        except Exception:  # pragma: no cover - the HTML build will execute instead
            pass
    ledger_file = config.ledger_dir() / f"{job.slug}.json"
    records = claims.load_records(ledger_file) if ledger_file.exists() else []
    return RunResult(slug=job.slug, part=job.part, ok=not error, seconds=seconds, error=error, records=records)


def _error_summary(nb, exc: Exception) -> str:
    """The failing cell's exception name and message (no ANSI colours)."""
    import re

    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                msg = f"{o.get('ename')}: {o.get('evalue')}"
                return re.sub(r"\x1b\[[0-9;]*m", "", msg)
    return re.sub(r"\x1b\[[0-9;]*m", "", str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc))


def _write_status(res: RunResult, profile: str) -> None:
    folder = config.build_dir() / "status"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{res.slug}.json").write_text(
        json.dumps(
            {"slug": res.slug, "part": res.part, "profile": profile, "ok": res.ok,
             "seconds": round(res.seconds, 2), "error": res.error,
             "finished": time.strftime("%Y-%m-%d %H:%M:%S")},
            indent=1,
        ) + "\n",
        encoding="utf-8",
    )


def _progress(total: int, desc: str, unit: str = "nb"):
    try:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)
    except ImportError:  # pragma: no cover
        return None


def _result_line(res: RunResult) -> str:
    mark = "ok" if res.ok and not res.unexpected else "FAILED"
    line = f"{mark:>6}  {res.part}/{res.slug}  {res.seconds:6.1f} s"
    if res.error:
        line += f"  — {res.error}"
    return line


def execute(
    jobs: Iterable[NotebookJob],
    *,
    profile: str | None = None,
    jobs_parallel: int = 2,
    timeout: int = 900,
    force: bool = False,
    echo: Callable[[str], None] | None = None,
    cell_progress: bool = False,
) -> list[RunResult]:
    """Execute notebooks (skipping unchanged, already-executed ones unless ``force``).

    Several notebooks run in ``jobs_parallel`` worker processes with a progress bar
    that advances per notebook; a single notebook runs in this process, with a progress
    bar over its code cells when ``cell_progress``. Returns one :class:`RunResult` per
    notebook, in the input order.
    """
    prof = config.profile(profile).name
    jobs = list(jobs)
    if isinstance(jobs_parallel, bool) or not isinstance(jobs_parallel, int) or jobs_parallel < 1:
        raise ValueError(f"jobs_parallel must be an integer >= 1; got {jobs_parallel!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a whole number of seconds >= 1; got {timeout!r}")
    echo = echo or (lambda s: print(s, file=sys.stderr))
    root = str(config.repo_root())
    results: dict[str, RunResult] = {}
    todo = []
    for job in jobs:
        ledger_file = config.ledger_dir() / f"{job.slug}.json"
        status_file = config.build_dir() / "status" / f"{job.slug}.json"
        if not force and ledger_file.exists() and status_file.exists() and _is_cached(job.path, prof):
            recs = claims.load_records(ledger_file)
            st = json.loads(status_file.read_text(encoding="utf-8"))
            if recs and all(r["profile"] == prof for r in recs) and st.get("ok"):
                results[job.slug] = RunResult(job.slug, job.part, True, st.get("seconds", 0.0), cached=True, records=recs)
                continue
        todo.append(job)
    if len(results):
        echo(f"{len(results)} notebook(s) unchanged since their last run at profile {prof!r}: reusing")
    if len(todo) == 1 and (jobs_parallel == 1 or cell_progress):
        job = todo[0]
        res = _execute_one(job, prof, timeout, root, None, cell_progress)
        _write_status(res, prof)
        results[job.slug] = res
        echo(_result_line(res))
        todo = []
    bar = _progress(len(todo), f"executing ({prof})") if todo else None
    if todo:
        with ProcessPoolExecutor(max_workers=min(jobs_parallel, len(todo))) as pool:
            # several notebooks at once: one BLAS thread each, so they do not oversubscribe
            blas = 1 if min(jobs_parallel, len(todo)) > 1 else None
            futs = {pool.submit(_execute_one, j, prof, timeout, root, blas): j for j in todo}
            for fut in as_completed(futs):
                job = futs[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # pragma: no cover - worker crashed
                    res = RunResult(job.slug, job.part, False, 0.0, error=f"{type(exc).__name__}: {exc}")
                _write_status(res, prof)
                results[job.slug] = res
                line = _result_line(res)
                if bar is not None:
                    bar.write(line, file=sys.stderr)
                    bar.update(1)
                else:
                    echo(line)
        if bar is not None:
            bar.close()
    return [results[j.slug] for j in jobs]


# --------------------------------------------------------------------------- #
STATE_MARK = {
    "reproduced": "reproduced",
    "attention": "a claim did not reproduce",
    "not-run": "not run yet",
    "not-written": "not yet written",
    "not-checkable": "not checkable on CPU",
}


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~$|])")


def _md_escape(text: Any) -> str:
    """Text for a Markdown table cell: one line, and every character Markdown (or MyST's
    dollar math, or raw HTML) would interpret is escaped — a statement such as
    ``C_W <s s>_K`` must not become a strikethrough, ``$5 and $6`` not math."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _paper_state(r: dict[str, Any]) -> str:
    """The status cell of a paper: verdict over its claims (implementation checks apart)."""
    if r["state"] in ("not-checkable", "not-written", "not-run"):
        txt = STATE_MARK[r["state"]]
        if r["state"] == "not-checkable":
            txt += f": {_md_escape(r['x_reason'])}"
        return f'<span class="tl-verdict tl-{r["state"]}">{txt}</span>'
    st = claims.paper_status(r["records"])
    key = "reproduced" if st["text"].startswith("reproduced") else (
        "unexpected" if st["unexpected"] else "partial")
    txt = st["text"]
    if st["legacy"]:
        txt += " (legacy contract: not yet reviewed)"
    return f'<span class="tl-verdict tl-{key}">{_md_escape(txt)}</span>'


def _grades_cell(recs: list[dict[str, Any]]) -> str:
    st = claims.paper_status(recs)
    g = st["grades"]
    parts = [f"{g[k]} {k}" for k in claims.GRADES if g.get(k)]
    return ", ".join(parts) or "—"


def ledger_markdown(rows: list[dict[str, Any]]) -> str:
    """The ledger page body: a per-paper overview (claims only; implementation checks
    counted apart) and every record with its role, grade and negative control."""
    n_rec = sum(len(r["records"]) for r in rows)
    all_recs = [rec for r in rows for rec in r["records"]]
    profiles = sorted({rec["profile"] for rec in all_recs})
    out = []
    if n_rec == 0:
        out.append(
            "```{note}\nNo ledger records yet: run `make book` (or `theorylab book`) to execute the "
            "notebooks and fill this page.\n```\n"
        )
    else:
        cl = [x for x in all_recs if x.get("role", "claim") == "claim"]
        n_impl = n_rec - len(cl)
        ok = sum(1 for x in cl if x["verdict"] == "reproduced" and not claims.is_unexpected(x))
        nr = sum(1 for x in cl if x["verdict"] == "not-reproduced")
        rep = sum(1 for x in cl if x["verdict"] == "reported")
        out.append(
            f"**{len(cl)} claim checks**: {ok} reproduced, {nr} not reproduced, {rep} reported only; "
            f"plus {n_impl} implementation checks (counted apart). Profile: {', '.join(profiles)}.\n"
        )
    order = toc_order()
    for part, caption in registry.PARTS.items():
        prow = _sidebar_sorted([r for r in rows if r["part"] == part], order)
        out.append(f"\n## {caption}\n")
        out.append("| paper | class | status (claims) | grades of reproduced claims | implementation checks |")
        out.append("|---|---|---|---|---|")
        for r in prow:
            title = _md_escape(r["title"])
            if r["notebook"]:
                doc = "/" + r["notebook"][:-3]
                title = f"{{doc}}`{title} <{doc}>`"
            impl = sum(1 for x in r["records"] if x.get("role") == "implementation")
            grades = _grades_cell(r["records"]) if r["records"] else "—"
            out.append(
                f"| {title} ({r['year']}, arXiv:{r['arxiv']}) | {r['cls']} | {_paper_state(r)} | {grades} | "
                f"{impl if r['records'] else '—'} |"
            )
        recs = [rec for r in prow for rec in r["records"]]
        if recs:
            out.append("\n:::{dropdown} Every check in this part\n")
            out.append("| paper | claim | role | grade | statement | measured → criterion | negative control | verdict |")
            out.append("|---|---|---|---|---|---|---|---|")
            for rec in recs:
                crit = _md_escape(rec["criterion"])
                if rec.get("replaces"):
                    crit += f" *(replaces {rec['replaces']})*"
                if rec.get("reason"):
                    crit += f" — *{_md_escape(rec['reason'])}*"
                out.append(
                    f"| {rec['slug']} | {rec['claim']} | {rec.get('role', 'claim')} | {rec.get('grade') or '—'} | "
                    f"{_md_escape(rec['statement'])} | {crit} | {_md_escape(claims.control_text(rec))} | "
                    f"{claims.verdict_label(rec, html=True)} |"
                )
            out.append("\n:::\n")
    return "\n".join(out) + "\n"


def summary_markdown(rows: list[dict[str, Any]]) -> str:
    """A compact per-part summary of the ledger (for the front page): papers, and claim
    records by verdict (implementation checks apart)."""
    head = ["| part | papers | notebooks | papers fully reproduced | claims reproduced | "
            "claims not reproduced | claims reported only | implementation checks | not checkable |",
            "|---|---|---|---|---|---|---|---|---|"]
    lines = []
    tot = [0] * 8
    for part, caption in registry.PARTS.items():
        prow = [r for r in rows if r["part"] == part]
        recs = [rec for r in prow for rec in r["records"]]
        cl = [x for x in recs if x.get("role", "claim") == "claim"]
        vals = [
            len(prow),
            sum(1 for r in prow if r["notebook"]),
            sum(1 for r in prow if r["records"] and claims.paper_status(r["records"])["text"].startswith("reproduced")),
            sum(1 for x in cl if x["verdict"] == "reproduced" and not claims.is_unexpected(x)),
            sum(1 for x in cl if x["verdict"] == "not-reproduced"),
            sum(1 for x in cl if x["verdict"] == "reported"),
            sum(1 for x in recs if x.get("role") == "implementation"),
            sum(1 for r in prow if r["state"] == "not-checkable"),
        ]
        tot = [a + b for a, b in zip(tot, vals)]
        lines.append(f"| {caption} | " + " | ".join(map(str, vals)) + " |")
    lines.append("| **all** | " + " | ".join(f"**{v}**" for v in tot) + " |")
    bad = [rec for r in rows for rec in r["records"] if claims.is_unexpected(rec)]
    tail = ""
    if bad:
        tail = "\n\n**Unexpected verdicts:** " + ", ".join(f"{b['slug']} {b['claim']}" for b in bad) + "\n"
    return "\n".join(head + lines) + "\n" + tail


def toc_order(root: Path | None = None) -> dict[str, int]:
    """Position of every page in ``toc.yml`` (``notebooks/<part>/<slug>`` → index): the
    sidebar's order, which the ledger and status pages follow."""
    import yaml  # jupyter-book depends on PyYAML

    root = root or config.repo_root()
    files: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    try:
        walk(yaml.safe_load((root / "toc.yml").read_text(encoding="utf-8")))
    except OSError:
        return {}
    return {f: i for i, f in enumerate(files)}


def _sidebar_sorted(rows: list[dict[str, Any]], order: dict[str, int]) -> list[dict[str, Any]]:
    """Papers with a notebook first, in sidebar order; then the others, in registry order."""
    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, int]:
        i, r = item
        nb = r.get("notebook")
        pos = order.get(nb[:-3], len(order)) if nb else None
        return (0, pos) if pos is not None else (1, i)

    return [r for _, r in sorted(enumerate(rows), key=key)]


def status_markdown(root: Path | None = None) -> str:
    """The status page body: execution time of every notebook, in sidebar order."""
    folder = config.build_dir() / "status"
    order = toc_order(root)
    jobs = sorted(discover(root), key=lambda j: order.get(f"notebooks/{j.part}/{j.slug}", len(order)))
    rows = []
    total = 0.0
    for job in jobs:
        f = folder / f"{job.slug}.json"
        page = f"{{doc}}`{job.slug} </notebooks/{job.part}/{job.slug}>`"
        if f.exists():
            st = json.loads(f.read_text(encoding="utf-8"))
            total += float(st.get("seconds", 0.0))
            if st.get("ok"):
                result = '<span class="tl-verdict tl-ok">ran without error</span>'
            else:
                result = f'<span class="tl-verdict tl-failed">failed</span> {_md_escape(st.get("error", ""))}'
            rows.append(f"| {page} | {job.part} | {st['profile']} | {st['seconds']:.1f} | {result} | "
                        f"{st.get('finished', '')} |")
        else:
            rows.append(f'| {page} | {job.part} | — | — | <span class="tl-verdict tl-not-run">not run yet</span> | |')
    head = ["| notebook | part | profile | seconds | result | finished |", "|---|---|---|---|---|---|"]
    return "\n".join(head + rows) + f"\n\nTotal execution time: {total:.1f} s.\n"


def write_generated_pages(root: Path | None = None) -> Path:
    """Write ``notebooks/_generated/{ledger-table,ledger-summary,status-table}.md``; return the folder."""
    root = root or config.repo_root()
    folder = root / "notebooks" / "_generated"
    folder.mkdir(parents=True, exist_ok=True)
    rows = registry.status(root)
    (folder / "ledger-table.md").write_text(ledger_markdown(rows), encoding="utf-8")
    (folder / "ledger-summary.md").write_text(summary_markdown(rows), encoding="utf-8")
    (folder / "status-table.md").write_text(status_markdown(root), encoding="utf-8")
    return folder


def book_config(profile: str, *, execute_notebooks: str = "cache") -> Path:
    """A copy of ``book.yml`` pointing at the profile's execution cache (the copy lives
    in the build folder, so the paths of local Sphinx extensions are made absolute)."""
    import yaml  # jupyter-book depends on PyYAML

    root = config.repo_root()
    cfg = yaml.safe_load((root / "book.yml").read_text(encoding="utf-8"))
    local = (cfg.get("sphinx") or {}).get("local_extensions") or {}
    for name, folder in local.items():
        local[name] = str((root / folder).resolve())
    cfg.setdefault("execute", {})
    cfg["execute"]["execute_notebooks"] = execute_notebooks
    cfg["execute"]["cache"] = str(_cache_dir(profile))
    out = config.build_dir() / f"book-{profile}.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return out


def build_html(
    *, profile: str | None = None, execute_notebooks: str = "cache", output: Path | None = None,
    quiet: bool = False, progress: bool = False,
) -> subprocess.CompletedProcess:
    """Render the book with Jupyter Book 1, warnings as errors.

    ``output`` is the folder that receives ``_build/html`` (default: the repository).
    ``quiet`` captures Jupyter Book's output in the returned process (``stdout``);
    ``progress`` (implies ``quiet``) shows a progress bar over the pages as Sphinx
    reads and writes them.
    """
    prof = config.profile(profile).name
    root = config.repo_root()
    exe = shutil.which("jupyter-book") or str(Path(sys.executable).parent / "jupyter-book")
    cfg = book_config(prof, execute_notebooks=execute_notebooks)
    cmd = [exe, "build", str(root), "--config", str(cfg), "--toc", str(root / "toc.yml"),
           "-W", "--keep-going"]
    if output is not None:
        cmd += ["--path-output", str(output)]
    env = dict(os.environ, THEORYLAB_PROFILE=prof, THEORYLAB_ROOT=str(root), MPLBACKEND="Agg",
               THEORYLAB_PROGRESS="0")
    if not progress:
        return subprocess.run(cmd, cwd=root, env=env, text=True, capture_output=quiet)
    return _run_with_page_progress(cmd, cwd=root, env=env)


_SPHINX_STEP = re.compile(r"^(reading sources|writing output)\.\.\.\s*\[\s*(\d+)%\]\s*(\S*)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run_with_page_progress(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a Sphinx build, turning its "reading sources... [ 40%] page" lines into a bar."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, bufsize=1)
    lines: list[str] = []
    bar, phase = None, None
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        m = _SPHINX_STEP.match(_ANSI.sub("", line).strip())
        if not m:
            continue
        step, pct, page = m.group(1), int(m.group(2)), m.group(3)
        if step != phase:
            if bar is not None:
                bar.close()
            bar = _progress(100, f"rendering: {step}", unit="%")
            phase = step
        if bar is not None:
            bar.set_postfix_str(page, refresh=False)
            bar.update(pct - bar.n)
    if bar is not None:
        bar.close()
    rc = proc.wait()
    return subprocess.CompletedProcess(cmd, rc, "".join(lines), "")
