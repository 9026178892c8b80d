"""theorylab: executable checks of machine-learning theory papers.

Sub-modules (import them explicitly, e.g. ``from theorylab import losses``):

``claims``    the claims ledger (checks, records, verdicts)
``config``    run profile (quick | full) and paths
``plotting``  house style and deterministic figure saving
``registry``  the 58 papers of the collection
``losses``    comp-sum losses and their H-consistency bounds
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("theorylab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
