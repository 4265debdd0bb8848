"""The JSON log lines: exceptions as tracebacks, from structlog and the standard library."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import logging, structlog
from federation_ai.service.logs import configure_logging
configure_logging("INFO")
try:
    1 / 0
except ZeroDivisionError as exc:
    logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    structlog.get_logger("federation_ai.test").error("failed", exc_info=exc)
"""


def test_exceptions_are_logged_as_tracebacks():
    # a process of its own: configure_logging sets the process-wide logging up
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True)
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert [r["event"] for r in records] == ["Exception in ASGI application", "failed"]
    for record in records:
        assert "exc_info" not in record
        assert record["exception"].startswith("Traceback (most recent call last):")
        assert "ZeroDivisionError: division by zero" in record["exception"]
