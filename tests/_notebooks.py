"""Text shared by tests that write small jupytext MyST notebooks of their own."""

MYST_HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A tiny notebook
"""
"""The jupytext front matter of a MyST notebook and its title."""
