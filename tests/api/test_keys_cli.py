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


def _insert_raw(db: str, name: str) -> None:
    """A row as an older version (or a hand edit) may have left it: no name check."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO federation_api_keys (name, key_hash, scope, created_at, revoked) "
            "VALUES (?, ?, 'viewer', '2024-01-01 00:00:00.000000', 0)",
            (name, hash_key(name)),
        )


def test_list_escapes_control_characters_so_no_fake_row_appears(tmp_path):
    db = str(tmp_path / "keys.db")
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "create", "alice", "--scope", "viewer", "--db", db]).exit_code == 0
    forged = "mallory\nadmin                    admin     2024-01-01T00:00:00+00:00  active"
    _insert_raw(db, forged)
    _insert_raw(db, "eve\u202eevitca")  # a right-to-left override
    r = runner.invoke(app, ["keys", "list", "--db", db])
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 4  # the header and three keys
    assert not any(line.startswith("admin") for line in lines)
    assert any(line.startswith("mallory\\nadmin") for line in lines)
    assert any(line.startswith("eve\\u202eevitca") for line in lines)
    assert "\u202e" not in r.stdout


def test_create_refuses_control_characters_in_a_name(tmp_path):
    db = str(tmp_path / "keys.db")
    runner = CliRunner()
    for name in ("bob\nadmin", "bob\x1b[2J", "bob\u202e", "bob\u2028", " bob"):
        r = runner.invoke(app, ["keys", "create", name, "--scope", "viewer", "--db", db])
        assert r.exit_code == 2, (name, r.output)
        assert "\x1b" not in r.output
    assert runner.invoke(app, ["keys", "list", "--db", db]).stdout.strip() == "no API keys"


def test_the_database_file_is_private(tmp_path):
    db = tmp_path / "keys.db"
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "create", "alice", "--scope", "viewer", "--db", str(db)]).exit_code == 0
    for path in (db, *tmp_path.glob("keys.db-*")):
        assert path.stat().st_mode & 0o777 == 0o600, path
    db.chmod(0o644)  # a file from before: tightened when next opened
    assert runner.invoke(app, ["keys", "list", "--db", str(db)]).exit_code == 0
    assert db.stat().st_mode & 0o777 == 0o600
