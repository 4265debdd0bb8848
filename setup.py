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

    # The decision core only: the report's objects travel between ``--jobs`` processes,
    # and compiled classes that take constructor arguments do not unpickle.
    # The configuration stays Python: it is read once; reading a TOML section goes by its
    # dataclass's annotations, which compiled classes do not keep; and ``--jobs`` sends
    # it to other processes, which a compiled frozen dataclass cannot be unpickled in.
    interpreted = {
        "config_checks.py",
        "config_reading.py",
        "config_sections.py",
        "core_config.py",
    }
    core = sorted(
        str(p)
        for p in Path("src/federation_ai/core").rglob("*.py")
        if p.name not in interpreted
    )
    # Not the project's mypy section (it names every package and checks more than the
    # compiler needs): the core alone, as mypyc types it.
    ext_modules = mypycify(["--config-file", os.devnull, *core], opt_level="3")

setup(ext_modules=ext_modules)
