"""On PostgreSQL: the batch's alert rows (one statement with the decisions) and the
sent markers keep a freeze to one message per channel across a restart."""

from __future__ import annotations

import asyncio

import pytest

from federation_ai.service import build_service
from federation_ai.settings import load_settings
from federation_ai.store import Store

from .receivers import wait_until
from .service_setup import WEBHOOK_SECRET, freeze, webhook_bodies

pytestmark = pytest.mark.postgres


async def test_a_freeze_is_one_message_across_a_restart_on_postgres(tmp_path, http, pg_url):
    store = await Store.open(pg_url)
    await store.upgrade()
    await store.close()
    settings = load_settings(environ={}, overrides={
        "service": {"data_dir": str(tmp_path), "db_url": pg_url},
        "alerts": {"urls": [f"webhook+http://{http.url('/signed')}", f"json://{http.url('/json')}"],
                   "webhook_secret": WEBHOOK_SECRET, "group_s": 0.3,
                   "severity": {"early_warning": "off"}},
    })  # fmt: skip
    for _ in range(2):
        svc = await build_service(settings)
        await svc.start()
        try:
            await freeze(svc, "acc-pg")
            await wait_until(lambda: len(http.at("/signed")) == 1 and len(http.at("/json")) == 1)
            await asyncio.sleep(0.8)
        finally:
            await svc.stop()
    assert len(http.at("/json")) == 1
    (message,) = webhook_bodies(http)
    assert message["count"] == 3
