"""The API reads through the service's read port: no module of ``api/`` imports the store."""

from __future__ import annotations

import ast
from pathlib import Path

import federation_ai.api

API_DIR = Path(federation_ai.api.__file__).parent


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_api_imports_nothing_from_the_store():
    found = {
        f"{path.name}: {name}"
        for path in sorted(API_DIR.glob("*.py"))
        for name in _imports(path)
        if name == "federation_ai.store" or name.startswith("federation_ai.store.")
    }
    assert not found, sorted(found)
