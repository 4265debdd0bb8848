"""Error bodies: every 4xx answers ``{"detail": ...}``; validation errors list field paths.

A 422 ``detail`` is a list of ``{"loc": [...], "msg": str, "type": str}`` like
FastAPI's own request validation errors, so clients handle one shape.
"""

from __future__ import annotations

import json
import re
from typing import Any

import structlog
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from federation_ai.api.security import KeyStoreUnavailable
from federation_ai.core import InvalidEvent
from federation_ai.service.faults import OUTAGE_TYPES, describe_error, fault_kind
from federation_ai.service.read_port import InvalidReadQuery

log = structlog.get_logger("federation_ai.api")
RETRY_AFTER_S = "1"


def invalid_input(loc: list[str | int], msg: str, kind: str = "invalid_event") -> HTTPException:
    detail = [{"loc": loc, "msg": msg, "type": kind}]
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)


def event_error_loc(exc: InvalidEvent) -> list[str | int]:
    """``payload.total_equity`` -> ``["body", "payload", "total_equity"]``."""
    if exc.path in ("$", ""):
        return ["body"]
    return ["body", *path_loc(exc.path)]


_PATH_PART = re.compile(r'\.?([^.\[\]"]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def path_loc(path: str) -> list[str | int]:
    """A codec field path as a ``loc`` list: dotted names, ``[n]`` indexes, ``["key"]``."""
    loc: list[str | int] = []
    for name, index, quoted in _PATH_PART.findall(path):
        if quoted:
            loc.append(json.loads(quoted))
        elif index:
            loc.append(int(index))
        else:
            loc.append(name)
    return loc


def _clean(errors: Any) -> list[dict[str, Any]]:
    # Keep loc/msg/type; drop echoed input and ctx objects that may not be JSON.
    return [{"loc": list(e["loc"]), "msg": str(e["msg"]), "type": str(e["type"])} for e in errors]


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": _clean(exc.errors())}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


async def _invalid_event(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidEvent)
    detail = [{"loc": event_error_loc(exc), "msg": exc.reason, "type": "invalid_event"}]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _invalid_query(_: Request, exc: Exception) -> JSONResponse:
    loc = ["query", "cursor"] if "cursor" in str(exc) else ["query"]
    detail = [{"loc": loc, "msg": str(exc), "type": "invalid_query"}]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """A store or bus that cannot answer: 503 with Retry-After (never a 500 or a hang).

    Logged once per request at debug level while the health board already reports the
    outage, as a warning otherwise (e.g. a single query that timed out).
    """
    if isinstance(exc, KeyStoreUnavailable):
        detail = str(exc)
    else:
        detail = f"the service cannot reach its store or bus ({fault_kind(exc)}): retry later"
    service = request.app.state.service
    known = service.health_summary()["status"] != "ok"
    (log.debug if known else log.warning)(
        "request_unavailable", path=request.url.path, error=describe_error(exc)
    )
    return JSONResponse(
        {"detail": detail},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": RETRY_AFTER_S},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InvalidEvent, _invalid_event)
    app.add_exception_handler(InvalidReadQuery, _invalid_query)
    unavailable: tuple[type[Exception], ...] = (KeyStoreUnavailable, *OUTAGE_TYPES)
    for kind in unavailable:
        app.add_exception_handler(kind, _unavailable)
