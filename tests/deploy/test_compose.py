"""compose.yaml and the Dockerfile: start order, health gates, profiles, settings.

No registry is reachable in CI, so compose itself is not run there; these tests hold its
structure, and `make image-test` runs the same image with the same settings and the
same commands (`db upgrade`, then `serve`) against PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import re

import yaml

from federation_ai.settings import load_settings

from .conftest import DEPLOY, ROOT

COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def compose() -> dict:
    """compose.yaml with every ``${VAR:-default}`` at its default (an empty environment)."""
    return yaml.safe_load(_DEFAULTED.sub(lambda m: m.group(2), COMPOSE.read_text()))


def services() -> dict:
    return compose()["services"]


def test_services_and_the_monitoring_profile():
    svc = services()
    assert set(svc) == {"postgres", "redis", "migrate", "federation", "prometheus", "grafana"}
    for name in ("prometheus", "grafana"):
        assert svc[name]["profiles"] == ["monitoring"]
    for name in ("postgres", "redis", "migrate", "federation"):
        assert "profiles" not in svc[name]


def test_migrations_run_before_the_service_once_the_databases_are_healthy():
    svc = services()
    assert svc["migrate"]["command"] == ["db", "upgrade"]
    assert svc["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert svc["migrate"]["restart"] == "no"
    assert svc["federation"]["command"] == ["serve"]
    assert svc["federation"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert svc["prometheus"]["depends_on"] == {"federation": {"condition": "service_healthy"}}
    for name in ("postgres", "redis", "federation"):
        assert svc[name]["healthcheck"]["test"][0] == "CMD", name


def test_data_lives_in_named_volumes_and_mounted_files_exist():
    doc = compose()
    declared = set(doc["volumes"])
    for name, svc in doc["services"].items():
        for mount in svc.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: {source}"
            else:
                assert source in declared, f"{name}: {source}"
    assert {"postgres-data", "redis-data"} <= declared


def test_the_service_configuration_is_valid_settings():
    svc = services()
    env = svc["federation"]["environment"]
    assert env == svc["migrate"]["environment"]
    assert all(key.startswith("FEDERATION_") for key in env)
    settings = load_settings(environ=env)  # raises ConfigError naming a bad key
    assert settings.service.bus_url == "redis://redis:6379/0"
    assert settings.service.database_url().startswith("postgresql://federation:")
    assert settings.service.database_url().endswith("@postgres:5432/federation")


def test_the_image_test_runs_the_service_as_compose_configures_it():
    env = services()["federation"]["environment"]
    script = (DEPLOY / "image-test.sh").read_text()
    for key, value in env.items():
        if key.startswith("FEDERATION_ADAPTERS__") and not key.endswith("_URL"):
            assert f"{key}={value}" in script, key


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = (line.strip() for line in text.splitlines())
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_dockerfile_base_user_healthcheck_and_entry_point():
    steps = _instructions()
    assert steps[0] == ("ARG", "BASE=python:3.11-slim")
    assert [arg for op, arg in steps if op == "FROM"] == ["${BASE} AS build", "${BASE}"]
    build_arg = services()["federation"]["build"]["args"]["BASE"]
    assert build_arg == "python:3.11-slim"
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    user = [arg for op, arg in final if op == "USER"]
    assert user == ["federation"]
    assert json.loads(dict(final)["ENTRYPOINT"]) == ["federation"]
    assert json.loads(dict(final)["CMD"]) == ["serve"]
    healthcheck = dict(final)["HEALTHCHECK"]
    probe = json.loads(healthcheck.split("CMD", 1)[1])
    assert probe == services()["federation"]["healthcheck"]["test"][1:]
    assert "constraints.txt" in DOCKERFILE.read_text()
    assert ".[" not in DOCKERFILE.read_text()  # no extras
