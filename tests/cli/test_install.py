"""What a plain `pip install .` brings and reports: its dependencies and `--version`."""

from __future__ import annotations

from importlib.metadata import requires, version

from packaging.requirements import Requirement
from typer.testing import CliRunner

from federation_ai.cli.main import app


def test_version_prints_the_package_version():
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == f"federation-ai {version('federation-ai')}"


def test_without_a_command_the_help_is_shown():
    assert "serve" in CliRunner().invoke(app, []).output


def test_sqlalchemy_is_required_with_its_asyncio_extra():
    """SQLAlchemy 2.1 no longer brings greenlet, which its asyncio layer (the store) needs."""
    runtime = [Requirement(r) for r in requires("federation-ai") or [] if "extra ==" not in r]
    sqlalchemy = [r for r in runtime if r.name.lower() == "sqlalchemy"]
    assert [sorted(r.extras) for r in sqlalchemy] == [["asyncio"]]
