"""Recorded results: notebooks run at a profile (``full``), kept in the repository.

The book executes every notebook at the quick profile when it is built. The full profile
moves towards the papers' scale and takes minutes to hours per notebook, so its ledger
records are *recorded* once and committed, then shown beside the quick ones
(``notebooks/ledger.md``)::

    theorylab record                       # every notebook whose recorded result is missing or stale
    theorylab record pointer-networks      # one notebook (several slugs allowed)
    theorylab record --status              # what is fresh, stale or missing; runs nothing
    theorylab record --jobs 4              # four notebooks at a time on local processes

Each notebook gives one file ``results/<profile>/<slug>.json`` (:func:`results_dir`)
holding the profile, the git commit and whether the dependencies had uncommitted
changes, the dependency digests, the machine (cores, memory, platform, library
versions), the date, the wall time, whether the notebook ran to the end, and its
ledger records. Files are written atomically the moment a notebook finishes, so an
interrupted run loses only the notebooks still executing; running the same command
again skips every notebook whose recorded result is fresh (``--force`` re-runs them).

**Fresh or stale.** A recorded result is *fresh* while the code it came from is
unchanged. That code is, per notebook (:func:`dependencies`):

* the notebook's **code cells** (prose edits do not make evidence stale; any change to
  a code cell does);
* every ``theorylab`` module the notebook imports, **transitively within theorylab**:
  the notebook's ``import``/``from … import`` statements are read with :mod:`ast`, then
  each module's own imports (absolute ``theorylab.…`` and relative, at any depth of the
  file, lazy imports inside functions included), plus the ``__init__.py`` of every
  package on the way;
* ``theorylab/claims.py`` (which turns measurements into verdicts) and what it imports.

So a change to ``theorylab/rl/mdp.py`` marks stale only the notebooks that reach it; an
unrelated module changes nothing. Not tracked: data files a module reads, imports built
from strings (``importlib.import_module``), third-party library versions (recorded in
``machine`` for the reader, not compared).

Where the run happens: in ``_build/record-<profile>/`` (ledger, executed notebooks,
sweep cache, figures), so recording never overwrites the quick build the book shows.
"""

from __future__ import annotations

import ast
import datetime as _dt
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from . import _validate as V
from . import claims, config

__all__ = [
    "results_dir",
    "result_path",
    "dependencies",
    "digest",
    "load_result",
    "load_results",
    "freshness",
    "declared_claims",
    "undeclared_claims",
    "Plan",
    "plan",
    "record",
]

SCHEMA = 1
"""Version of the result file layout (``schema`` field)."""

PACKAGE = "theorylab"
ALWAYS = ("theorylab.claims",)
"""Modules every notebook's result depends on, whatever it imports."""


def results_dir(profile: str = "full", root: Path | None = None) -> Path:
    """``$THEORYLAB_RESULTS_DIR/<profile>`` or ``<root>/results/<profile>``.

    Examples
    --------
    >>> results_dir("full").parts[-2:]
    ('results', 'full')
    """
    prof = _profile(profile)
    env = os.environ.get("THEORYLAB_RESULTS_DIR")
    base = Path(env).resolve() if env else _root(root) / "results"
    return base / prof


def _profile(profile: Any) -> str:
    return config.profile(V.choice("profile", profile, config.PROFILES)).name


def _root(root: Any) -> Path:
    return config.repo_root() if root is None else V.path_like("root", root, exists="dir")


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _slug(slug: Any) -> str:
    V.text("slug", slug)
    if not _SLUG.match(slug):
        raise ValueError(f"slug must be a notebook name (lowercase letters, digits, hyphens); got {slug!r}")
    return slug


def result_path(slug: str, profile: str = "full", root: Path | None = None) -> Path:
    """The result file of one notebook: ``results/<profile>/<slug>.json``.

    Examples
    --------
    >>> result_path("pointer-networks").name
    'pointer-networks.json'
    """
    return results_dir(profile, root) / f"{_slug(slug)}.json"


# --------------------------------------------------------------------------- #
# what a notebook depends on
# --------------------------------------------------------------------------- #
def notebook_code(path: Path) -> list[str]:
    """The source of every code cell of a jupytext MyST notebook, in order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = "# t\\n\\n```{code-cell} ipython3\\nimport numpy as np\\n```\\n\\nprose\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "nb.md"
    ...     _ = p.write_text(text)
    ...     notebook_code(p)
    ['import numpy as np']
    """
    cells: list[str] = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("```{code-cell}") or line.startswith("~~~{code-cell}"):
            fence = line[:3]
            body: list[str] = []
            i += 1
            # cell options: a YAML block between --- lines, or ":key: value" lines
            if i < len(lines) and lines[i].strip() == "---":
                i += 1
                while i < len(lines) and lines[i].strip() != "---":
                    i += 1
                i += 1
            while i < len(lines) and lines[i].startswith(":") and ":" in lines[i][1:]:
                i += 1
            while i < len(lines) and lines[i].strip() != fence:
                body.append(lines[i])
                i += 1
            cells.append("\n".join(body).strip("\n"))
        i += 1
    return cells


def _parse(source: str) -> ast.AST | None:
    """Parse Python source; IPython magics and shell lines are blanked first."""
    clean = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())
    try:
        return ast.parse(clean)
    except SyntaxError:
        return None


def _module_file(module: str, pkg_root: Path) -> Path | None:
    """``theorylab.a.b`` → ``<pkg_root>/a/b.py`` or ``<pkg_root>/a/b/__init__.py``."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = pkg_root.joinpath(*parts[1:])
    if base.with_suffix(".py").is_file() and len(parts) > 1:
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _imports_in(tree: ast.AST, current: str | None, is_package: bool, pkg_root: Path) -> set[str]:
    """theorylab modules named by the import statements of ``tree`` (anywhere in it).

    ``current`` is the dotted name of the module the tree comes from (``None`` for a
    notebook), used to resolve relative imports."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == PACKAGE or a.name.startswith(PACKAGE + "."):
                    found.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if current is None:
                    continue
                pkg = current if is_package else current.rpartition(".")[0]
                for _ in range(node.level - 1):
                    pkg = pkg.rpartition(".")[0]
                base = f"{pkg}.{node.module}" if node.module else pkg
            else:
                base = node.module or ""
            if not (base == PACKAGE or base.startswith(PACKAGE + ".")):
                continue
            found.add(base)
            for a in node.names:  # `from theorylab import losses`: a sub-module, or a name
                sub = f"{base}.{a.name}"
                if a.name != "*" and _module_file(sub, pkg_root) is not None:
                    found.add(sub)
    # importing a.b.c runs the __init__ of a and a.b
    for name in list(found):
        parts = name.split(".")
        for k in range(1, len(parts)):
            found.add(".".join(parts[:k]))
    return {m for m in found if _module_file(m, pkg_root) is not None}


def notebook_imports(path: Path, pkg_root: Path | None = None) -> set[str]:
    """The theorylab modules a notebook's code cells import directly (with their parent
    packages).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = "```{code-cell} ipython3\\nfrom theorylab import claims, stats\\n```\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "nb.md"
    ...     _ = p.write_text(text)
    ...     sorted(notebook_imports(p))
    ['theorylab', 'theorylab.claims', 'theorylab.stats']
    """
    pkg_root = pkg_root or Path(__file__).resolve().parent
    found: set[str] = set()
    for cell in notebook_code(path):
        tree = _parse(cell)
        if tree is not None:
            found |= _imports_in(tree, None, False, pkg_root)
    return found


def module_closure(modules: Iterable[str], pkg_root: Path | None = None) -> set[str]:
    """``modules`` and every theorylab module they import, transitively.

    Examples
    --------
    >>> "theorylab.config" in module_closure(["theorylab.claims"])
    True
    >>> "theorylab.rl.mdp" in module_closure(["theorylab.claims"])
    False
    """
    pkg_root = pkg_root or Path(__file__).resolve().parent
    seen: set[str] = set()
    todo = [m for m in modules if _module_file(m, pkg_root) is not None]
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        f = _module_file(mod, pkg_root)
        assert f is not None
        tree = _parse(f.read_text(encoding="utf-8"))
        if tree is None:
            continue
        todo.extend(_imports_in(tree, mod, f.name == "__init__.py", pkg_root) - seen)
    return seen


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dependencies(path: Path, root: Path | None = None) -> dict[str, str]:
    """What a notebook's result depends on, with a SHA-256 of each: ``{name: digest}``.

    The notebook contributes its code cells (key ``notebooks/<part>/<slug>.md#code``);
    every module of :func:`module_closure` of its imports plus ``theorylab.claims``
    contributes its file (key ``theorylab/...py``). Keys are sorted.
    """
    path = V.path_like("path", path, exists="file")
    root = _root(root)
    pkg_root = root / PACKAGE
    if not pkg_root.is_dir():  # a copy of the notebooks without the package: use the installed one
        pkg_root = Path(__file__).resolve().parent
    code = "\n\n# ---- cell ----\n\n".join(notebook_code(path))
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.name
    deps = {f"{rel}#code": _sha(code.encode("utf-8"))}
    mods = module_closure(notebook_imports(path, pkg_root) | set(ALWAYS), pkg_root)
    for mod in mods:
        f = _module_file(mod, pkg_root)
        assert f is not None
        deps[f"{PACKAGE}/{f.relative_to(pkg_root).as_posix()}"] = _sha(f.read_bytes())
    return dict(sorted(deps.items()))


def digest(deps: dict[str, str]) -> str:
    """One digest of a :func:`dependencies` mapping (order-independent).

    Examples
    --------
    >>> digest({"b": "2", "a": "1"}) == digest({"a": "1", "b": "2"})
    True
    """
    V.instance("deps", deps, dict, hint="a mapping name -> digest, from dependencies()")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in deps.items()):
        raise TypeError("deps must map names (str) to digests (str)")
    blob = "\n".join(f"{k} {v}" for k, v in sorted(deps.items()))
    return _sha(blob.encode("utf-8"))[:16]


# --------------------------------------------------------------------------- #
# provenance
# --------------------------------------------------------------------------- #
def git_commit(root: Path | None = None, paths: Iterable[str] = ()) -> tuple[str | None, bool | None]:
    """``(commit, dirty)``: the checked-out commit and whether any of ``paths`` (file
    names relative to ``root``; ``#…`` suffixes ignored) differs from it. ``(None,
    None)`` outside a git checkout."""
    root = Path(root or config.repo_root())
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, None
    files = sorted({p.split("#")[0] for p in paths})
    dirty = False
    if files:
        proc = subprocess.run(["git", "status", "--porcelain", "--", *files], cwd=root, capture_output=True,
                              text=True, timeout=30)
        dirty = bool(proc.stdout.strip()) if proc.returncode == 0 else None
    return commit, dirty


def machine() -> dict[str, Any]:
    """Where a result was computed: cores (total and usable), memory, load, platform and
    the versions of the numerical libraries."""
    def mem_bytes() -> int | None:
        try:
            return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
            return None

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = None
    mem = mem_bytes()
    versions = {}
    for lib in ("numpy", "scipy", "matplotlib"):
        try:
            versions[lib] = __import__(lib).__version__
        except ImportError:  # pragma: no cover
            pass
    return {
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gb": round(mem / 2**30, 1) if mem else None,
        "load_average": load,
        "platform": platform.platform(),
        "python": platform.python_version(),
        **versions,
    }


# --------------------------------------------------------------------------- #
# reading
# --------------------------------------------------------------------------- #
REQUIRED = ("schema", "slug", "part", "profile", "ok", "commit", "digest", "dependencies", "machine",
            "date", "seconds", "records")


def load_result(path: Path) -> dict[str, Any]:
    """Read one result file; ``ValueError`` naming the file if it is not one.

    Records pass through :func:`theorylab.claims.load_records`' upgrade, so the views of
    :mod:`theorylab.claims` accept them.
    """
    path = V.path_like("path", path, exists="file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{path}: not a theorylab result file (missing {', '.join(missing)})")
    if data["schema"] != SCHEMA:
        raise ValueError(f"{path}: schema {data['schema']!r}, this theorylab reads {SCHEMA}")
    if data["slug"] != path.stem:
        raise ValueError(f"{path}: holds slug {data['slug']!r}, not {path.stem!r}")
    if not isinstance(data["records"], list) or not all(isinstance(r, dict) for r in data["records"]):
        raise ValueError(f"{path}: records must be a list of objects")
    for r in data["records"]:
        for k in ("slug", "claim", "verdict", "profile"):
            if k not in r:
                raise ValueError(f"{path}: a record without {k!r}")
        if r["slug"] != data["slug"] or r["profile"] != data["profile"]:
            raise ValueError(f"{path}: record {r['claim']} is of {r['slug']}/{r['profile']}, "
                             f"not {data['slug']}/{data['profile']}")
    data["records"] = [claims._upgrade(r) for r in data["records"]]
    return data


def _check_result(result: Any, deps: bool = True) -> dict[str, Any]:
    """``result`` must be a result dict (from :func:`load_result`)."""
    V.instance("result", result, dict, hint="a recorded result, from load_result()")
    need = ("slug", "part", "records") + (("dependencies",) if deps else ())
    missing = [k for k in need if k not in result]
    if missing:
        raise ValueError(f"result must be a recorded result (from load_result); missing {', '.join(missing)}")
    _slug(result["slug"])
    _slug(result["part"])
    return result


def load_results(profile: str = "full", root: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every recorded result of a profile, by slug (an empty dict when there are none)."""
    folder = results_dir(profile, root)
    if not folder.is_dir():
        return {}
    return {p.stem: load_result(p) for p in sorted(folder.glob("*.json"))}


def freshness(result: dict[str, Any], root: Path | None = None) -> dict[str, Any]:
    """Is a recorded result still about the code in the repository?

    Returns ``{"stale": bool, "changed": [...], "added": [...], "removed": [...],
    "why": str}``: the dependencies whose digest changed, those the notebook reaches
    now but did not then, and those it no longer reaches; ``why`` says it in words
    (``""`` when fresh). A result whose notebook is gone is stale.
    """
    _check_result(result)
    root = _root(root)
    nb = root / "notebooks" / result["part"] / f"{result['slug']}.md"
    if not nb.is_file():
        return {"stale": True, "changed": [], "added": [], "removed": [], "why": "the notebook no longer exists"}
    now = dependencies(nb, root)
    then = result["dependencies"]
    changed = sorted(k for k in now.keys() & then.keys() if now[k] != then[k])
    added = sorted(now.keys() - then.keys())
    removed = sorted(then.keys() - now.keys())
    why = []
    nb_changed = [k for k in changed if k.endswith("#code")]
    if nb_changed:
        why.append("the notebook's code changed")
    mods = [k for k in changed if not k.endswith("#code")]
    if mods:
        why.append("changed since: " + ", ".join(mods))
    if added:
        why.append("now also imports: " + ", ".join(k for k in added if not k.endswith("#code")))
    if removed and not added:
        why.append("no longer imports: " + ", ".join(k for k in removed if not k.endswith("#code")))
    stale = bool(changed or added or removed)
    return {"stale": stale, "changed": changed, "added": added, "removed": removed, "why": "; ".join(why)}


CHECK_METHODS = frozenset({"identity", "limit", "bound", "scaling", "in_interval", "comparison", "invariant",
                           "check", "report"})


def declared_claims(path: Path) -> list[re.Pattern[str]]:
    """The claim ids a notebook declares, read from its code without running it: one
    pattern per first argument of a ledger check call (``ledger.bound("C1b", ...)`` →
    ``C1b``; an f-string ``f"C1a-{pol}"`` → ``C1a-.+``), plus every string literal of
    the code (for ids held in a variable, ``for cid in ("C1", "C2")``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = '```{code-cell} ipython3\\nledger.scaling(f"C1-{act}", "s")\\n```\\n'
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "nb.md"
    ...     _ = p.write_text(text)
    ...     [bool(x.fullmatch("C1-relu")) for x in declared_claims(p)]
    [True, False, False]
    """
    path = V.path_like("path", path, exists="file")
    pats: list[re.Pattern[str]] = []
    literals: set[str] = set()
    for cell in notebook_code(path):
        tree = _parse(cell)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= 40:
                literals.add(node.value)
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in CHECK_METHODS and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                pats.append(re.compile(re.escape(arg.value)))
            elif isinstance(arg, ast.JoinedStr):
                pieces = [re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in arg.values]
                pats.append(re.compile("".join(pieces)))
    pats.extend(re.compile(re.escape(x)) for x in sorted(literals))
    return pats


def undeclared_claims(result: dict[str, Any], root: Path | None = None) -> list[str]:
    """Claim ids of a recorded result that its notebook (as it is now) does not declare
    (see :func:`declared_claims`); ``[]`` when every id is accounted for."""
    _check_result(result, deps=False)
    root = _root(root)
    nb = root / "notebooks" / result["part"] / f"{result['slug']}.md"
    if not nb.is_file():
        return [r["claim"] for r in result["records"]]
    pats = declared_claims(nb)
    return [r["claim"] for r in result["records"] if not any(p.fullmatch(r["claim"]) for p in pats)]


# --------------------------------------------------------------------------- #
# recording
# --------------------------------------------------------------------------- #
@dataclass
class Plan:
    """One notebook's state before recording: ``state`` is ``"fresh"`` (a recorded result
    matches the code), ``"stale"`` (recorded, code changed since), ``"failed"`` (recorded,
    but the notebook did not run to the end), or ``"missing"``."""

    job: Any
    state: str
    why: str = ""
    result: dict[str, Any] | None = None

    @property
    def todo(self) -> bool:
        return self.state != "fresh"


def plan(jobs: Iterable[Any], profile: str = "full", root: Path | None = None) -> list[Plan]:
    """The state of each notebook's recorded result (see :class:`Plan`); ``jobs`` are
    :class:`theorylab.runner.NotebookJob` (from :func:`theorylab.runner.discover`)."""
    jobs = _jobs(jobs)
    profile = _profile(profile)
    root = _root(root)
    out = []
    for job in jobs:
        f = result_path(job.slug, profile, root)
        if not f.is_file():
            out.append(Plan(job, "missing"))
            continue
        try:
            res = load_result(f)
        except ValueError as exc:
            out.append(Plan(job, "missing", why=str(exc)))
            continue
        fr = freshness(res, root)
        if fr["stale"]:
            out.append(Plan(job, "stale", fr["why"], res))
        elif not res["ok"]:
            out.append(Plan(job, "failed", res.get("error", ""), res))
        else:
            out.append(Plan(job, "fresh", "", res))
    return out


def _jobs(jobs: Any) -> list[Any]:
    from .runner import NotebookJob

    if isinstance(jobs, (str, bytes)) or not isinstance(jobs, Iterable):
        raise TypeError(f"jobs must be an iterable of NotebookJob (runner.discover()); got {type(jobs).__name__}")
    jobs = list(jobs)
    for j in jobs:
        V.instance("jobs", j, NotebookJob, hint="from theorylab.runner.discover()")
    return jobs


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".json.tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def _meta(job: Any, profile: str, root: Path) -> dict[str, Any]:
    """Provenance fixed before a notebook runs (so edits made while it runs do not
    claim to be what it ran)."""
    deps = dependencies(job.path, root)
    commit, dirty = git_commit(root, deps)
    return {"schema": SCHEMA, "slug": job.slug, "part": job.part, "profile": profile,
            "commit": commit, "dirty": dirty, "digest": digest(deps), "dependencies": deps}


def _result(meta: dict[str, Any], *, ok: bool, error: str, seconds: float,
            records: list[dict[str, Any]]) -> dict[str, Any]:
    """The result file's content; ``date`` is when the notebook finished (UTC)."""
    return {**meta, "ok": ok, "error": error, "machine": machine(), "date": _now(),
            "seconds": round(float(seconds), 1), "records": records}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _work_env(root: Path, profile: str) -> dict[str, str]:
    """Where a recording run writes (never the quick build the book shows)."""
    work = root / "_build" / f"record-{profile}"
    return {"THEORYLAB_BUILD_DIR": str(work), "THEORYLAB_FIGURES_DIR": str(work / "figures")}


def record(
    jobs: Iterable[Any],
    *,
    profile: str = "full",
    jobs_parallel: int = 2,
    timeout: int = 3600,
    force: bool = False,
    root: Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Execute the notebooks whose recorded result is missing, stale or failed (all of
    them with ``force``) at ``profile`` and write ``results/<profile>/<slug>.json`` for
    each as it finishes.

    The notebooks run in local worker processes (:func:`theorylab.runner.execute`:
    ``jobs_parallel`` at a time, a progress bar that advances per notebook, or over the
    code cells when a single notebook runs). Returns one result dict per notebook in
    ``jobs`` (the fresh ones as they were recorded).
    """
    from . import runner

    jobs = _jobs(jobs)
    prof = _profile(profile)
    root = _root(root)
    jobs_parallel = V.count("jobs_parallel", jobs_parallel, high=1024)
    timeout = V.count("timeout", timeout, high=10**7)
    force = V.flag("force", force)
    if echo is not None:
        V.function("echo", echo, what="echo(line: str)")
    echo = echo or (lambda s: print(s, file=sys.stderr))
    plans = plan(jobs, prof, root)
    todo = [p for p in plans if force or p.todo]
    for p in plans:
        if p.todo or force:
            note = {"missing": "no recorded result", "stale": f"stale: {p.why}",
                    "failed": f"recorded run failed: {p.why}", "fresh": "fresh, re-run (--force)"}[p.state]
            echo(f"  to run  {p.job.part}/{p.job.slug}: {note}")
    n_fresh = len(plans) - len(todo)
    if n_fresh:
        echo(f"{n_fresh} notebook(s) have a fresh recorded result at profile {prof!r}: skipped")
    metas = {p.job.slug: _meta(p.job, prof, root) for p in todo}
    out: dict[str, dict[str, Any]] = {p.job.slug: p.result for p in plans if p.result is not None}
    if not todo:
        return [out[j.slug] for j in jobs if j.slug in out]

    def on_result(res: Any) -> None:
        data = _result(metas[res.slug], ok=res.ok, error=res.error, seconds=res.seconds,
                       records=res.records)
        _write_json(result_path(res.slug, prof, root), data)
        out[res.slug] = data

    t0 = time.perf_counter()
    with runner._environ(**_work_env(root, prof)):
        for p in todo:  # a notebook that stops early must not pick up the ledger of an earlier run
            (config.ledger_dir() / f"{p.job.slug}.json").unlink(missing_ok=True)
        runner.execute([p.job for p in todo], profile=prof, jobs_parallel=jobs_parallel, timeout=timeout,
                       force=True, echo=echo, on_result=on_result, cell_progress=len(todo) == 1)
    echo(f"recorded {len(todo)} notebook(s) at profile {prof!r} in {time.perf_counter() - t0:.0f} s "
         f"into {results_dir(prof, root)}")
    return [out[j.slug] for j in jobs if j.slug in out]
