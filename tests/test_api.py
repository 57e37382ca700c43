"""The public names of ``import casecode`` stay what they are, whatever was imported before."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import casecode


def test_every_public_name_resolves_to_what_the_lazy_table_names():
    for name in casecode.__all__:
        value = getattr(casecode, name)
        assert not isinstance(value, type(casecode)), f"casecode.{name} is a module"


def test_no_public_name_is_also_a_submodule():
    # Importing casecode.X.y sets casecode.X to the module X, which would replace a
    # function exported under the same name.
    submodules = {info.name for info in pkgutil.iter_modules(casecode.__path__)}
    assert not submodules & set(casecode.__all__)


def test_agreement_stays_a_function_after_its_package_is_imported(tmp_path):
    # In a new process: the package's submodules are imported (as annotate does) and
    # only then is casecode.agreement looked up.
    script = "import casecode, casecode.intercoder.spans, casecode.review; print(callable(casecode.agreement), callable(casecode.annotate))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]


def test_public_functions_are_those_of_their_modules():
    assert casecode.agreement is importlib.import_module("casecode.intercoder").agreement
