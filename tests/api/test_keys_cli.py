"""`federation keys create|list|revoke`: the key is printed once, only its hash is stored."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from federation_ai.api.security import hash_key
from federation_ai.cli.main import app


def test_create_list_revoke(tmp_path):
    db = str(tmp_path / "keys.db")
    runner = CliRunner()
    r = runner.invoke(app, ["keys", "create", "alice", "--scope", "operator", "--db", db])
    assert r.exit_code == 0, r.output
    key = r.stdout.strip().splitlines()[0]
    assert key.startswith("fed_")
    assert len(key) > 40

    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    assert key not in dump
    assert hash_key(key) in dump

    r = runner.invoke(app, ["keys", "create", "alice", "--scope", "viewer", "--db", db])
    assert r.exit_code == 1
    assert "already exists" in r.output

    r = runner.invoke(app, ["keys", "create", "bob", "--scope", "root", "--db", db])
    assert r.exit_code == 2

    r = runner.invoke(app, ["keys", "list", "--db", db])
    assert r.exit_code == 0
    assert "alice" in r.stdout
    assert "operator" in r.stdout
    assert "active" in r.stdout
    assert key not in r.stdout
    assert hash_key(key) not in r.stdout

    assert runner.invoke(app, ["keys", "revoke", "alice", "--db", db]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "--db", db]).stdout
    assert runner.invoke(app, ["keys", "revoke", "nobody", "--db", db]).exit_code == 1
