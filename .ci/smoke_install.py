#!/usr/bin/env python3
# ruff: noqa: T201, S603  (a CI script: prints progress, runs git and the installed command)
"""Plain-install smoke test: the product as a user installs it, with no extras.

In a fresh virtual environment in a temporary directory: ``pip install -c
constraints.txt .`` of the working tree, ``federation --version``, an operator key
with ``federation keys create``, ``federation serve`` on its embedded defaults
(in-process bus, SQLite in the temporary directory, a free port), ``/health``, one
event posted over the API and its decision read back from the audit trail, then
SIGTERM and a clean exit (status 0) within a bound. Any failed step stops the run
with exit status 1 and says which step and why. Standard library only.

    python3 .ci/smoke_install.py [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
START_BOUND_S = 60.0  # serve answers /health within this
DECISION_BOUND_S = 10.0  # the posted event's decision is in the audit trail within this
STOP_BOUND_S = 20.0  # serve exits after SIGTERM within this
POLL_S = 0.1
EVENTS_PATH = "/api/federation/events"
SMOKE_IDS = {"event_id": "smoke-1", "account_id": "smoke"}


class SmokeError(Exception):
    pass


def log(msg: str) -> None:
    print(f"smoke: {msg}", flush=True)


def run(
    cmd: list[str], what: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd, env=env)
    if res.returncode != 0:
        raise SmokeError(f"{what}: exit {res.returncode}\n{res.stdout}{res.stderr}")
    return res


def copy_worktree(dest: Path) -> None:
    """The tracked and untracked-not-ignored files, so no stale build output is packaged."""
    files = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        "git ls-files",
        cwd=ROOT,
    ).stdout.split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(method: str, url: str, key: str | None = None, body: object = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback only
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if key is not None:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


@contextlib.contextmanager
def timed(name: str, times: dict[str, float]) -> Iterator[None]:
    log(f"{name} ...")
    t0 = time.monotonic()
    yield
    times[name] = time.monotonic() - t0


def wait_for_health(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + START_BOUND_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SmokeError(f"serve exited with {proc.returncode} before /health answered")
        try:
            status, body = http("GET", f"{base}/health")
        except OSError:
            status, body = 0, None
        if status == 200:
            if not isinstance(body, dict) or body.get("status") != "ok":
                raise SmokeError(f"/health answered {body!r}")
            return
        time.sleep(POLL_S)
    raise SmokeError(f"/health did not answer within {START_BOUND_S:.0f} s")


def documented_event(base: str) -> dict[str, object]:
    """The example event of the served API documentation, under the smoke test's ids:
    what a user copies from /docs is what the smoke test posts."""
    status, spec = http("GET", f"{base}/openapi.json")
    try:
        body = spec["paths"][EVENTS_PATH]["post"]["requestBody"]  # type: ignore[index]
        example = body["content"]["application/json"]["schema"]["examples"][0]
    except (KeyError, IndexError, TypeError) as exc:
        raise SmokeError(f"/openapi.json ({status}) documents no example event: {exc!r}") from exc
    return {**example, **SMOKE_IDS}


def post_and_read_back(base: str, key: str) -> str:
    event = documented_event(base)
    status, body = http("POST", f"{base}{EVENTS_PATH}", key, event)
    if status != 200 or not isinstance(body, dict):
        raise SmokeError(f"POST /api/federation/events: {status} {body!r}")
    if body.get("outcome") != "processed" or not body.get("decisions"):
        raise SmokeError(f"the event made no decision: {body!r}")
    wanted = {d["decision_id"] for d in body["decisions"]}
    url = f"{base}/api/federation/decisions?account_id={event['account_id']}&limit=500"
    deadline = time.monotonic() + DECISION_BOUND_S
    while True:
        status, page = http("GET", url, key)
        if status != 200 or not isinstance(page, dict):
            raise SmokeError(f"GET /api/federation/decisions: {status} {page!r}")
        found = {d["decision_id"] for d in page["items"] if d["event_id"] == event["event_id"]}
        if wanted <= found:
            return ", ".join(sorted(d["decision_type"] for d in body["decisions"]))
        if time.monotonic() > deadline:
            raise SmokeError(f"decisions {sorted(wanted - found)} not in the audit trail")
        time.sleep(POLL_S)


def stop(proc: subprocess.Popen[bytes], serve_log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=STOP_BOUND_S)
    except subprocess.TimeoutExpired:
        raise SmokeError(f"serve still running {STOP_BOUND_S:.0f} s after SIGTERM") from None
    if code != 0:
        raise SmokeError(f"serve exited with {code} after SIGTERM (expected 0)")
    text = serve_log.read_text(errors="replace")
    if "Traceback" in text:
        raise SmokeError("serve logged a traceback")
    if "serve_stopped" not in text:
        raise SmokeError("serve exited without stopping the service (no serve_stopped)")


def smoke(tmp: Path, times: dict[str, float]) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    src, venv, data = tmp / "src", tmp / "venv", tmp / "data"
    src.mkdir()
    copy_worktree(src)
    fed = str(venv / "bin" / "federation")
    with timed("fresh venv + pip install -c constraints.txt . (no extras)", times):
        run([sys.executable, "-m", "venv", str(venv)], "python -m venv")
        pip = [str(venv / "bin" / "pip"), "install", "-q", "-c", str(src / "constraints.txt")]
        run([*pip, str(src)], "pip install .")
    with timed("federation --version", times):
        out = run([fed, "--version"], "federation --version").stdout.strip()
        if out != f"federation-ai {version}":
            raise SmokeError(f"federation --version printed {out!r}, expected {version}")
    env = {**os.environ, "FEDERATION_SERVICE__DATA_DIR": str(data)}
    env.pop("FEDERATION_SERVICE__DB_URL", None)
    env.pop("FEDERATION_SERVICE__BUS_URL", None)
    with timed("federation keys create (SQLite in the temp dir)", times):
        key = run(
            [fed, "keys", "create", "smoke", "--scope", "operator"], "keys create", env=env
        ).stdout.strip()
        if not key:
            raise SmokeError("keys create printed no key")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_log = tmp / "serve.log"
    with serve_log.open("wb") as out_fh:
        proc = subprocess.Popen(
            [fed, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out_fh,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp,
        )
    try:
        with timed(f"federation serve on {base} until /health answers", times):
            wait_for_health(proc, base)
        with timed("POST one event, read its decision back", times):
            made = post_and_read_back(base, key)
        log(f"decisions of the event: {made}")
        with timed("SIGTERM and a clean exit", times):
            stop(proc, serve_log)
    except SmokeError:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sys.stderr.write(f"--- serve log ---\n{serve_log.read_text(errors='replace')[-4000:]}\n")
        raise


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="federation-smoke-"))
    times: dict[str, float] = {}
    t0 = time.monotonic()
    try:
        smoke(tmp, times)
    except SmokeError as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    for name, secs in times.items():
        log(f"{secs:6.1f} s  {name}")
    log(f"passed in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
