"""Optional compiled build of the decision core.

``pip install .`` builds the pure-Python package. With ``FEDERATION_MYPYC=1`` the
modules of ``federation_ai.core`` are compiled with mypyc into C extensions (the same
source, the same decisions; see docs/benchmarks.md). Everything else stays Python.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup

ext_modules = []
if os.environ.get("FEDERATION_MYPYC") == "1":
    from mypyc.build import mypycify

    core = sorted(str(p) for p in Path("src/federation_ai/core").rglob("*.py"))
    # Not the project's mypy section (it names every package and checks more than the
    # compiler needs): the core alone, as mypyc types it.
    ext_modules = mypycify(["--config-file", os.devnull, *core], opt_level="3")

setup(ext_modules=ext_modules)
