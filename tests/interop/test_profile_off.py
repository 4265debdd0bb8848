"""With the interop profile off, the service is built exactly as before."""

from __future__ import annotations

from federation_ai.bus import INPUT_EVENT_TYPES
from federation_ai.service import build_service
from federation_ai.settings import load_settings


async def test_profile_off_reads_the_seed_streams_only_and_enforces_nothing(tmp_path):
    settings = load_settings(environ={}, overrides={"service": {"data_dir": str(tmp_path)}})
    svc = await build_service(settings)
    try:
        assert svc.runner.translate is None
        assert svc.bus.event_types == INPUT_EVENT_TYPES  # type: ignore[attr-defined]
        assert "enforcement" not in svc.adapters.writers
        await svc.refresh_figures()
        assert svc.status()["enforcement"] is None
    finally:
        await svc.stop()


async def test_profile_on_adds_the_ess_streams_and_the_translation(tmp_path):
    settings = load_settings(
        environ={"FEDERATION_INTEROP__PROFILE": "quantum_trader",
                 "FEDERATION_INTEROP__ENFORCEMENT": "false"},
        overrides={"service": {"data_dir": str(tmp_path)}},
    )
    svc = await build_service(settings)
    try:
        assert svc.runner.translate is not None
        assert svc.bus.event_types[-2:] == ("ess.state.changed", "ess.tripped")  # type: ignore[attr-defined]
        assert "enforcement" not in svc.adapters.writers  # switched off
    finally:
        await svc.stop()
