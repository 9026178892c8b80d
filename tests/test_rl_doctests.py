"""The numpydoc ``Examples`` of every ``theorylab.rl`` module run as doctests."""

import doctest

import pytest

from theorylab.rl import agents, control, imitation, mdp


@pytest.mark.parametrize("module", [mdp, agents, imitation, control], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    res = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0
