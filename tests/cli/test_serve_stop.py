"""`federation serve` stops cleanly on SIGTERM and SIGINT: the service shuts down, exit 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

STOP_BOUND_S = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_exits_zero_after_stopping_the_service(tmp_path, sig):
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "FEDERATION_SERVICE__DATA_DIR": str(tmp_path)}
    env.pop("FEDERATION_SERVICE__DB_URL", None)
    cmd = [sys.executable, "-m", "federation_ai.cli.main", "serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:  # readiness, not a timing assertion
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        proc.send_signal(sig)
        code = proc.wait(timeout=STOP_BOUND_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "serve_stopped" in text  # the service's own shutdown ran
    assert "Traceback" not in text
