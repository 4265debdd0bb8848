"""Structured JSON logs (structlog), configured once by the serve command, never at import.

Secrets never reach the output: values of secret-looking keys are masked and the
password of any URL is redacted. An exception, logged through structlog or the
standard library, is rendered under ``exception`` as its traceback text.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

from federation_ai.settings import redact_url

_SECRET_KEYS = re.compile(
    r"(pass(word)?|secret|token|api_?key|authorization|credential)", re.IGNORECASE
)
_URL_WITH_PASSWORD = re.compile(r"//[^:/@\s]+:[^@\s]*@")


def redact(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(event.items()):
        if _SECRET_KEYS.search(key):
            event[key] = "***"
        elif isinstance(value, str) and _URL_WITH_PASSWORD.search(value):
            event[key] = redact_url(value)
    return event


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for structlog and the standard library (uvicorn) alike."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # a standard-library record's exc_info (uvicorn's "Exception in ASGI
                # application") becomes a traceback text, not a repr of the tuple
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
