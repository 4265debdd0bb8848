"""API keys: stored as sha256 hashes; add, find, list, revoke."""

from __future__ import annotations

import hashlib

import pytest

from federation_ai.store import KeyExists, Store


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def test_add_find_list_revoke(store: Store) -> None:
    await store.add_api_key("dashboard", "viewer", _hash("k1"))
    await store.add_api_key("ops", "operator", _hash("k2"))
    await store.add_api_key("root", "admin", _hash("k3"))

    found = await store.find_api_key(_hash("k2"))
    assert found is not None
    assert (found.name, found.scope, found.revoked) == ("ops", "operator", False)
    assert found.created_at.tzinfo is not None
    assert await store.find_api_key(_hash("unknown")) is None
    assert [k.name for k in await store.list_api_keys()] == ["dashboard", "ops", "root"]

    assert await store.revoke_api_key("ops") is True
    assert await store.find_api_key(_hash("k2")) is None
    assert await store.revoke_api_key("ops") is True  # revoking again is harmless
    assert await store.revoke_api_key("nobody") is False
    listed = {k.name: k.revoked for k in await store.list_api_keys()}
    assert listed == {"dashboard": False, "ops": True, "root": False}


async def test_duplicate_name_or_hash_is_refused(store: Store) -> None:
    await store.add_api_key("ops", "operator", _hash("k1"))
    with pytest.raises(KeyExists, match="named 'ops'"):
        await store.add_api_key("ops", "admin", _hash("k2"))
    with pytest.raises(KeyExists, match="hash"):
        await store.add_api_key("ops2", "admin", _hash("k1"))
    assert [(k.name, k.scope) for k in await store.list_api_keys()] == [("ops", "operator")]
    await store.revoke_api_key("ops")
    with pytest.raises(KeyExists):  # a revoked name stays taken: the audit trail refers to it
        await store.add_api_key("ops", "operator", _hash("k3"))


@pytest.mark.parametrize(
    ("name", "scope", "key_hash"),
    [
        ("x", "superuser", "0" * 64),
        ("", "viewer", "0" * 64),
        ("x", "viewer", "abc"),
        ("x", "viewer", "A" * 64),
        ("ops\nadmin", "viewer", "0" * 64),  # a name that would draw a second row
        ("ops\u202e", "viewer", "0" * 64),  # a bidi override
        ("x" * 201, "viewer", "0" * 64),
    ],
)
async def test_invalid_key_records_are_refused(
    store: Store, name: str, scope: str, key_hash: str
) -> None:
    with pytest.raises(ValueError):
        await store.add_api_key(name, scope, key_hash)
    assert await store.list_api_keys() == []


async def test_records_never_show_the_hash(store: Store) -> None:
    digest = _hash("secret")
    await store.add_api_key("ops", "operator", digest)
    (record,) = await store.list_api_keys()
    assert record.key_hash == digest
    assert digest not in repr(record)
    assert digest not in str(record)
