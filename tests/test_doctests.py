"""Every example in the package's docstrings runs and gives what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import credit_macros

MODULES = sorted(m.name for m in pkgutil.walk_packages(credit_macros.__path__, "credit_macros.") if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
