"""Run profiles and project paths.

The *profile* decides the scale of every experiment:

``quick`` (default)
    Each notebook executes in well under a minute on a 2-core CPU. This is what
    ``make test`` and ``make book`` run.
``full``
    Closer to the paper's scale; minutes, not hours.

Select it with the environment variable ``THEORYLAB_PROFILE`` (or
``theorylab run <slug> --profile full``).  Notebooks read sizes through
:func:`profile`::

    P = config.profile()
    n_samples = P.pick(quick=2_000, full=50_000)

Paths (build directory, figures) are resolved from the repository root, which is
found by walking up from the working directory to the folder holding
``book.yml``; ``THEORYLAB_ROOT`` overrides the search, and ``THEORYLAB_BUILD_DIR`` /
``THEORYLAB_FIGURES_DIR`` override the two output folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

__all__ = [
    "PROFILES",
    "Profile",
    "profile",
    "repo_root",
    "build_dir",
    "ledger_dir",
    "figures_dir",
]

PROFILES: tuple[str, ...] = ("quick", "full")
"""The valid profile names, smallest first."""

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """The active run profile (``quick`` or ``full``).

    Examples
    --------
    >>> Profile('full').pick(quick=1, full=2)
    2
    """

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"profile name must be a str, one of {', '.join(map(repr, PROFILES))}; "
                            f"got {type(self.name).__name__}")
        if self.name not in PROFILES:
            raise ValueError(
                f"profile name must be one of {', '.join(map(repr, PROFILES))}; got {self.name!r}"
            )

    @property
    def quick(self) -> bool:
        """True for the quick profile."""
        return self.name == "quick"

    @property
    def full(self) -> bool:
        """True for the full profile."""
        return self.name == "full"

    def pick(self, *, quick: T, full: T) -> T:
        """Return ``quick`` or ``full`` according to the profile."""
        return quick if self.name == "quick" else full

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.name


def profile(name: str | None = None) -> Profile:
    """Return the active :class:`Profile`.

    Parameters
    ----------
    name
        Explicit profile name. When ``None`` (default) the environment variable
        ``THEORYLAB_PROFILE`` is read; unset or empty means ``"quick"``.

    Raises
    ------
    ValueError
        If the name is not one of :data:`PROFILES`; the message lists the valid ones.

    Examples
    --------
    >>> P = profile("quick")
    >>> P.pick(quick=100, full=10_000)
    100
    """
    if name is None:
        raw = os.environ.get("THEORYLAB_PROFILE", "").strip()
        if not raw:
            return Profile("quick")
        value = raw.lower()
        if value not in PROFILES:
            raise ValueError(
                f"THEORYLAB_PROFILE must be one of {', '.join(map(repr, PROFILES))}; got {raw!r}"
            )
        return Profile(value)
    if not isinstance(name, str):
        raise TypeError(f"profile name must be a str; got {type(name).__name__}")
    return Profile(name.strip().lower())


def repo_root() -> Path:
    """The repository root: ``THEORYLAB_ROOT``, else the nearest folder above the
    working directory containing ``book.yml``, else the folder above the package.

    Examples
    --------
    >>> (repo_root() / 'theorylab').is_dir()
    True
    """
    env = os.environ.get("THEORYLAB_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "book.yml").is_file() and (folder / "theorylab").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def build_dir() -> Path:
    """``THEORYLAB_BUILD_DIR`` or ``<root>/_build``.

    Examples
    --------
    >>> build_dir().name in ('_build', 'build')
    True
    """
    env = os.environ.get("THEORYLAB_BUILD_DIR")
    return Path(env).resolve() if env else repo_root() / "_build"


def ledger_dir() -> Path:
    """Folder of the per-notebook ledger JSON files: ``<build>/ledger``.

    Examples
    --------
    >>> ledger_dir().name
    'ledger'
    """
    return build_dir() / "ledger"


def figures_dir() -> Path:
    """``THEORYLAB_FIGURES_DIR`` or ``<root>/figures``.

    Examples
    --------
    >>> figures_dir().name in ('figures', 'figures_dir')
    True
    """
    env = os.environ.get("THEORYLAB_FIGURES_DIR")
    return Path(env).resolve() if env else repo_root() / "figures"
