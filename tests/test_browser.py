"""The book as a reader sees it: rendered, then opened from disk (``file://``, no server,
no network) in headless Chromium driven by selenium.

On the front page, the ledger, the status page, the API and scaling-out pages and every
notebook page, after the page's scripts ran:

* math is typeset (every ``.math`` element holds MathJax output, no raw ``\\(`` or
  ``\\[`` in the visible text, no MathJax error);
* every image loaded with a non-zero natural size, and every notebook page with outputs
  shows at least one figure;
* no console error, no request to anything but a local file (``file:``, ``data:``,
  ``blob:``);
* no internals on the page: no absolute build path, no ``PosixPath(``/``Record(`` repr,
  no reference to files the repository does not ship (``DESIGN.md``, ``shared/papers``);
* theorem blocks carry the claim id (or a small per-page number), not a book-wide count;
* nothing is wider than the page at 1280 px: no table or code block that scrolls sideways.

The ledger page has one row per paper of the registry, a legend, verdicts as words with
a colour, and papers in the sidebar's order. Screenshots of the front page, the ledger
and two notebooks go to ``_build/screenshots/``.

The book is built once per session into ``_build/browser/`` (a copy of the book's
sources, so nothing here races the notebook tests over ``_build/ledger``) **without
executing every notebook a second time**: ``make test`` runs the notebooks once, under
nbmake, then this test. A notebook page shows outputs when an execution of its current
code can be reused — this test's earlier run, the repository's execution cache
(``make book``, ``theorylab run``), or the executed notebook the nbmake run left in
``_build/nbmake/`` — and the :data:`SAMPLE` notebooks (two fast ones) are executed when
none can, so every run checks real figures. The other notebook pages are rendered without
outputs and checked for everything but figures; ``THEORYLAB_BROWSER_EXECUTE=all`` executes
them all instead. ``THEORYLAB_BROWSER_HTML=<dir>`` checks an existing build
(``make check-book`` checks ``_build/html`` after ``make book``: every page executed).
``_build/screenshots/pages.json`` lists which pages had outputs and their figure counts.

Browser: Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Where
neither can be found the test is skipped with the reason — except under CI (``CI`` set)
or with ``THEORYLAB_REQUIRE_BROWSER=1``, where it fails.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from theorylab import registry, runner

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "_build" / "screenshots"
WIDTH, HEIGHT = 1280, 900
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
# the browser's own pages (its new-tab page at start-up), never the network
BROWSER_SCHEMES = {"chrome", "chrome-untrusted", "chrome-extension", "devtools"}
# Flags for a closed network (see the machine notes): no background connections at all.
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--disable-dev-shm-usage", f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars",
    "--force-device-scale-factor=1",
]

pytestmark = [pytest.mark.book, pytest.mark.slow]


def _require_browser() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("THEORYLAB_REQUIRE_BROWSER") == "1"


def _find_browser() -> tuple[str, str] | str:
    """(chromium, chromedriver) paths, or the reason they cannot be used."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (it is in the `test` extra: pip install -e '.[test]')"
    chromium = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver)) if not p)
        return (f"no {missing} on PATH (Debian: apt-get install chromium chromium-driver; "
                ".ci/run installs them)")
    return chromium, driver


# --------------------------------------------------------------------------- #
# the book, built once
# --------------------------------------------------------------------------- #
SOURCES = ("book.yml", "toc.yml", "references.bib", "_static", "_ext", "notebooks", "results",
           "benchmarks/results")  # notebooks/performance.md includes benchmarks/results/peers.md


def _sync_sources(dest: Path) -> None:
    """Copy the book's sources into ``dest`` (replacing what is there, keeping its
    ``_build`` so unchanged notebooks are not executed again)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src, out = ROOT / name, dest / name
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        if src.is_dir():
            shutil.copytree(src, out, ignore=shutil.ignore_patterns("_generated", "__pycache__", "*.ipynb",
                                                                   ".ipynb_checkpoints"))
        elif src.exists():
            shutil.copy2(src, out)


# Notebooks executed for the browser test when no earlier execution of their current code
# can be reused: two fast ones, so the figure path is checked on every run (CI included).
SAMPLE = ("degeneracy-interaction-basis", "rl-llm-compounding-error")


def _reuse_executions(jobs, copy: Path) -> dict[str, str]:
    """Bring earlier executions of the notebooks' current code into the copy's cache;
    return ``{slug: where it came from}``.

    In order: the copy's own cache (an earlier browser test); the repository's execution
    cache (``make book``, ``theorylab run``); the executed notebooks the nbmake run left in
    ``_build/nbmake/`` (``conftest.py`` writes a passing notebook back there executed,
    so after ``make test``'s first step every notebook page has outputs). The ledger and status files of a reused execution come along, so the ledger
    and status pages show them."""
    import nbformat

    got: dict[str, str] = {}
    repo_cache = ROOT / "_build" / ".jupyter_cache" / "quick"
    for job in jobs:
        src = ROOT / "notebooks" / job.part / f"{job.slug}.md"
        ledger = ROOT / "_build" / "ledger" / f"{job.slug}.json"
        status = ROOT / "_build" / "status" / f"{job.slug}.json"
        dest_ledger = copy / "_build" / "ledger" / ledger.name
        fresh_ledger = ledger.is_file() and ledger.stat().st_mtime >= src.stat().st_mtime and \
            json.loads(ledger.read_text(encoding="utf-8")).get("profile") == "quick"
        if runner.cached_notebook(job.path, "quick") is not None and dest_ledger.is_file():
            got[job.slug] = "this test's earlier run"
            continue
        nb = runner.cached_notebook(job.path, "quick", cache=repo_cache)
        origin = "the repository's execution cache"
        if nb is None:
            out = ROOT / "_build" / "nbmake" / job.part / f"{job.slug}.ipynb"
            if out.is_file() and out.stat().st_mtime >= src.stat().st_mtime and fresh_ledger:
                cand = nbformat.read(out, as_version=4)
                if any(c.get("outputs") for c in cand.cells if c.cell_type == "code"):
                    nb, origin = cand, "the nbmake run"
        if nb is None or not fresh_ledger or not runner.store_executed(nb, job.path, "quick"):
            continue
        dest_ledger.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ledger, dest_ledger)
        if status.is_file():
            (copy / "_build" / "status").mkdir(parents=True, exist_ok=True)
            shutil.copy2(status, copy / "_build" / "status" / status.name)
        got[job.slug] = origin
    return got


def _build_executed_book() -> tuple[Path, list[str], dict[str, str]]:
    """Render the book in ``_build/browser`` with as many notebooks executed as cost
    nothing extra; return the HTML folder, the paths that must not appear on a page, and
    ``{slug: where its execution came from}`` for the executed notebooks (the others are
    rendered without outputs, and their pages are checked for everything but figures).

    Executions are reused (:func:`_reuse_executions`); of the rest, the :data:`SAMPLE`
    notebooks (all of them with ``THEORYLAB_BROWSER_EXECUTE=all``) are executed by
    :func:`theorylab.runner.execute`."""
    copy = ROOT / "_build" / "browser"
    _sync_sources(copy)
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("THEORYLAB_ROOT", str(copy))
        mp.setenv("THEORYLAB_PROFILE", "quick")
        mp.delenv("THEORYLAB_BUILD_DIR", raising=False)
        mp.delenv("THEORYLAB_FIGURES_DIR", raising=False)
        mp.delenv("THEORYLAB_RESULTS_DIR", raising=False)
        jobs = runner.discover(copy)
        executed = _reuse_executions(jobs, copy)
        want_all = os.environ.get("THEORYLAB_BROWSER_EXECUTE", "") == "all"
        sample = [j for j in jobs if j.slug not in executed and (want_all or j.slug in SAMPLE)]
        if not want_all and not sample and not executed and jobs:
            sample = jobs[:1]
        if sample:
            results = runner.execute(sample, profile="quick",
                                     jobs_parallel=int(os.environ.get("THEORYLAB_BROWSER_JOBS", "2")),
                                     timeout=900, echo=lambda s: None)
            failed = [f"{r.part}/{r.slug}: {r.error or 'unexpected verdicts'}" for r in results
                      if not r.ok or r.unexpected]
            assert not failed, "notebooks failed, the book cannot be checked:\n" + "\n".join(failed)
            executed.update({r.slug: "executed by this test" for r in results})
        skip = [f"notebooks/{j.part}/{j.slug}.md" for j in jobs if j.slug not in executed]
        runner.write_generated_pages(copy)
        proc = runner.build_html(profile="quick", execute_notebooks="cache", quiet=True, no_execute=skip)
    finally:
        mp.undo()
    log = (proc.stdout or "") + (proc.stderr or "")
    problems = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
    assert proc.returncode == 0, "jupyter-book build failed:\n" + "\n".join(problems or log.splitlines()[-40:])
    unexpected = [ln for ln in log.splitlines() if "Executing notebook" in ln]
    assert not unexpected, f"the book build executed notebooks itself: {unexpected[:3]}"
    return copy / "_build" / "html", [str(ROOT), str(copy)], executed


@pytest.fixture(scope="module")
def book() -> tuple[Path, list[str]]:
    found = _find_browser()
    if isinstance(found, str):
        if _require_browser():
            pytest.fail(f"the browser test must run here: {found}")
        pytest.skip(found)
    given = os.environ.get("THEORYLAB_BROWSER_HTML")
    if given:
        html = Path(given).resolve()
        assert (html / "notebooks" / "intro.html").is_file(), f"{html} is not a rendered book"
        return html, [str(ROOT), str(html.parent.parent)], None  # None: every notebook executed
    return _build_executed_book()


@pytest.fixture(scope="module")
def driver(book, tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = _find_browser()  # type: ignore[misc]
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # an explicit driver path: selenium does not try to download one
    drv = webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(60)
    yield drv
    drv.quit()


# --------------------------------------------------------------------------- #
# looking at one page
# --------------------------------------------------------------------------- #
SETTLE = """
const done = arguments[arguments.length - 1];
const t0 = Date.now();
function ready() {
  if (document.readyState !== 'complete') return false;
  if (!Array.from(document.images).every(i => i.complete)) return false;
  return true;
}
(function wait() {
  if (!ready()) { if (Date.now() - t0 > 30000) { done('timeout: page'); return; } setTimeout(wait, 50); return; }
  const hasMath = document.querySelector('.math') !== null;
  const mj = window.MathJax;
  if (!hasMath) { done('ok: no math'); return; }
  if (mj && mj.startup && mj.startup.promise) {
    mj.startup.promise.then(() => done('ok')).catch(e => done('error: ' + e));
  } else if (Date.now() - t0 > 15000) {
    done('timeout: MathJax never started');
  } else { setTimeout(wait, 50); }
})();
"""

INSPECT = r"""
// open every dropdown (the ledger's per-part tables, hidden code cells): what a reader
// can open must fit and render too
document.querySelectorAll('details').forEach(d => { d.open = true; });
const visible = document.body.innerText;
const maths = Array.from(document.querySelectorAll('.math'));
const untypeset = maths.filter(m => !m.querySelector('mjx-container') && m.tagName !== 'MJX-CONTAINER')
                       .map(m => m.textContent.trim().slice(0, 80));
const merrors = Array.from(document.querySelectorAll('mjx-merror')).map(e => e.getAttribute('data-mjx-error') || e.textContent);
const images = Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0,
                                                      w: i.naturalWidth, h: i.naturalHeight, shown: i.getBoundingClientRect().width}));
const figures = Array.from(document.querySelectorAll('.cell_output img, .cell_output svg')).length;
const article = document.querySelector('main') || document.body;
const overflow = [];
for (const el of article.querySelectorAll('table, pre, .pst-scrollable-table-container, div.highlight, .cell_output')) {
  if (el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0) {
    overflow.push(el.tagName.toLowerCase() + '.' + (el.className || '').toString().split(' ')[0] + ': ' +
                  el.scrollWidth + ' > ' + el.clientWidth + ' px: ' + el.innerText.slice(0, 60).replace(/\s+/g, ' '));
  }
}
const pageWide = document.documentElement.scrollWidth > window.innerWidth + 2;
const proofs = Array.from(document.querySelectorAll('div.proof > p.admonition-title')).map(p => p.innerText.trim());
const verdicts = Array.from(document.querySelectorAll('.tl-verdict')).map(v => {
  const cs = getComputedStyle(v);
  return {text: v.textContent.trim(), cls: v.className, color: cs.color, bg: cs.backgroundColor};
});
const struck = Array.from(document.querySelectorAll('main s, main del, main strike')).map(e => e.textContent.slice(0, 60));
const sidebar = Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference.internal')).map(a => a.href);
return {visible, untypeset, merrors, images, figures, overflow, pageWide, proofs, verdicts, sidebar, struck,
        title: document.title};
"""

LEDGER_ROWS = r"""
const rows = [];
for (const t of document.querySelectorAll('main table')) {
  const head = Array.from(t.querySelectorAll('thead th')).map(th => th.innerText.trim().toLowerCase());
  if (head[0] !== 'paper' || head[1] !== 'class') continue;
  for (const tr of t.querySelectorAll('tbody tr')) {
    const a = tr.querySelector('td a.reference.internal');
    rows.push({text: tr.cells[0].innerText.trim(), href: a ? a.href : null});
  }
}
return rows;
"""


def _drain(driver, kind: str) -> list[dict]:
    try:
        return driver.get_log(kind)
    except Exception:  # pragma: no cover - a driver without this log
        return []


def _requests(perf_log: list[dict]) -> list[str]:
    urls = []
    for entry in perf_log:
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def _screenshot(driver, path: Path, *, max_height: int = 6000) -> None:
    """A full-page PNG (up to ``max_height`` px): the viewport is made as tall as the page
    for the capture (so sticky sidebars and headers are laid out as on a screen)."""
    height = int(min(driver.execute_script("return document.documentElement.scrollHeight"), max_height))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        time.sleep(0.3)  # let the layout settle at the new height
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def _pages(html: Path) -> dict[str, Path]:
    pages = {name: html / "notebooks" / f"{name}.html" for name in ("intro", "ledger", "status", "api", "scaling-out")}
    for job in runner.discover(ROOT):
        pages[f"{job.part}/{job.slug}"] = html / "notebooks" / job.part / f"{job.slug}.html"
    return pages


PROOF_TITLE = re.compile(r"^(Theorem|Lemma|Proposition|Property|Corollary|Definition|Conjecture|Example|"
                         r"Remark|Assumption|Axiom|Criterion|Observation|Algorithm)\s+(\S+)")
FORBIDDEN_TEXT = ("PosixPath(", "Record(slug=", "DESIGN.md", "shared/papers", "../shared", "THEBE_JS_URL")
RAW_TABLE = re.compile(r"\|\s*[-—–:]{1,3}\s*\|\s*[-—–:]{1,3}\s*\|")  # a Markdown table shown as text
OBJECT_REPR = re.compile(r"<[A-Za-z_][\w.]* (?:object )?at 0x[0-9a-f]+>")  # a return value nobody meant to show


def _page_problems(name: str, info: dict, settle: str, console: list[dict], requests: list[str],
                   forbidden_paths: list[str], source: str, executed: bool = True) -> list[str]:
    bad = []
    if not settle.startswith("ok"):
        bad.append(f"scripts did not settle: {settle}")
    for token in ("\\(", "\\["):
        if token in info["visible"]:
            i = info["visible"].index(token)
            bad.append(f"raw TeX {token!r} in the visible text: …{info['visible'][max(0, i - 30):i + 50]!r}…")
    if info["untypeset"]:
        bad.append(f"{len(info['untypeset'])} math elements not typeset, e.g. {info['untypeset'][:3]}")
    if info["merrors"]:
        bad.append(f"MathJax errors: {info['merrors'][:5]}")
    broken = [i["src"] for i in info["images"] if not i["ok"]]
    if broken:
        bad.append(f"images that did not load: {broken[:5]}")
    if "/" in name and executed and info["figures"] < 1:
        bad.append("a notebook page without any figure")
    errors = [e["message"] for e in console if e.get("level") == "SEVERE"]
    if errors:
        bad.append(f"console errors: {errors[:5]}")
    remote = [u for u in requests if urlparse(u).scheme not in LOCAL_SCHEMES | BROWSER_SCHEMES]
    if remote:
        bad.append(f"requests to non-local URLs: {sorted(set(remote))[:5]}")
    # the page as shipped (at run time the browser resolves URLs against wherever the
    # reader put the book, e.g. MathJax's font folder: that is not a leak)
    for path in forbidden_paths:
        if path in source or path in info["visible"]:
            bad.append(f"an absolute build-machine path on the page: {path}")
    for token in FORBIDDEN_TEXT:
        if token in info["visible"]:
            bad.append(f"internals in the visible text: {token!r}")
    if info["struck"]:
        bad.append(f"text struck through (raw HTML in a statement?): {info['struck'][:3]}")
    raw = RAW_TABLE.search(info["visible"])
    if raw:
        i = raw.start()
        bad.append(f"a Markdown table shown as raw text: …{info['visible'][max(0, i - 60):i + 40]!r}…")
    reprs = OBJECT_REPR.findall(info["visible"])
    if reprs:
        bad.append(f"object reprs in the visible text: {reprs[:3]}")
    if info["overflow"]:
        bad.append(f"wider than the column at {WIDTH} px (scrolls sideways): {info['overflow'][:4]}")
    if info["pageWide"]:
        bad.append(f"the page scrolls sideways at {WIDTH} px")
    n_proofs = len(info["proofs"])
    for title in info["proofs"]:
        m = PROOF_TITLE.match(title)
        if not m:
            bad.append(f"theorem block without a number: {title[:60]!r}")
        elif not (re.fullmatch(r"C\d+[A-Za-z0-9]*", m.group(2)) or (m.group(2).isdigit() and int(m.group(2)) <= n_proofs)):
            bad.append(f"theorem block numbered across the book: {title[:60]!r}")
    for v in info["verdicts"]:
        if not re.search(r"[A-Za-z]", v["text"]):
            bad.append(f"a verdict without words: {v}")
        elif v["bg"] in ("rgba(0, 0, 0, 0)", "transparent"):
            bad.append(f"a verdict without its colour (stylesheet missing?): {v['text']!r}")
    return bad


# --------------------------------------------------------------------------- #
def test_book_as_a_reader_sees_it(book, driver):
    html, forbidden_paths, executed = book
    pages = _pages(html)
    without_outputs = [n for n in pages if "/" in n and executed is not None and n.split("/")[1] not in executed]
    missing = [n for n, p in pages.items() if not p.is_file()]
    assert not missing, f"pages not rendered: {missing}"
    _drain(driver, "browser"), _drain(driver, "performance")
    problems: dict[str, list[str]] = {}
    seen: dict[str, dict] = {}
    shots = {"intro": "front-page", "ledger": "ledger"}
    notebooks = [n for n in pages if "/" in n and n not in without_outputs]  # pages with outputs
    for n in dict.fromkeys((notebooks[0], notebooks[len(notebooks) // 2])) if notebooks else ():
        shots[n] = n.replace("/", "--")
    t0 = time.perf_counter()
    for name, path in pages.items():
        driver.get(path.as_uri())
        settle = driver.execute_async_script(SETTLE)
        info = driver.execute_script(INSPECT)
        console, perf = _drain(driver, "browser"), _drain(driver, "performance")
        seen[name] = info
        bad = _page_problems(name, info, settle, console, _requests(perf), forbidden_paths,
                             path.read_text(encoding="utf-8"), executed=name not in without_outputs)
        if name == "ledger":
            bad += _ledger_problems(driver, info)
        if name in shots:
            _screenshot(driver, SHOTS / f"{shots[name]}.png")
        if bad:
            problems[name] = bad
    elapsed = time.perf_counter() - t0
    # what was looked at, for whoever reads the screenshots (not a test input)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "pages.json").write_text(json.dumps(
        {"html": str(html), "executed": executed, "without_outputs": without_outputs,
         "figures": {n: i["figures"] for n, i in seen.items() if "/" in n},
         "problems": problems, "seconds": round(elapsed, 1)}, indent=1) + "\n", encoding="utf-8")
    assert executed is None or executed, "no notebook page with outputs was checked"
    report = "\n".join(f"{name}:\n  - " + "\n  - ".join(b) for name, b in problems.items())
    assert not problems, f"{len(problems)} of {len(pages)} pages fail as a reader sees them ({elapsed:.0f} s):\n{report}"


def _ledger_problems(driver, info: dict) -> list[str]:
    bad = []
    rows = driver.execute_script(LEDGER_ROWS)
    n_papers = len(registry.papers())
    if len(rows) != n_papers:
        bad.append(f"the ledger lists {len(rows)} papers, the registry has {n_papers}")
    for word in ("Class", "Role", "Grade", "Negative control", "Verdict"):
        if word not in info["visible"]:
            bad.append(f"the legend does not explain {word!r}")
    for cls in ("T", "M", "X"):
        if not re.search(rf"\b{cls}\b\s+—", info["visible"]):
            bad.append(f"the legend does not explain class {cls}")
    if not info["verdicts"]:
        bad.append("no verdict words on the ledger")
    # the recorded full-profile results are shown, with the date of their evidence
    for f in sorted((ROOT / "results" / "full").glob("*.json")):
        date = json.loads(f.read_text(encoding="utf-8"))["date"][:10]
        if date not in info["visible"]:
            bad.append(f"the ledger does not show the recorded full result {f.name} (dated {date})")
    # papers with a notebook appear in the order of the sidebar
    in_ledger = [r["href"].split("#")[0] for r in rows if r["href"]]
    in_sidebar = [h.split("#")[0] for h in info["sidebar"] if h.split("#")[0] in set(in_ledger)]
    if in_ledger != in_sidebar:
        bad.append(f"ledger order differs from the sidebar: {[Path(u).stem for u in in_ledger]} vs "
                   f"{[Path(u).stem for u in in_sidebar]}")
    return bad
