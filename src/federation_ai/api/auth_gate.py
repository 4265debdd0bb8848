"""The key is checked first: before the body is read, parsed or validated.

FastAPI reads and parses a request's JSON body before it resolves dependencies, so a
request without a key but with a broken body would get 422 and learn about the
route's body before proving who it is. Every route of the API is an
``AuthFirstRoute``: the route finds the scope its ``require(scope)`` dependency asks
for and admits the request (401, 403 or 429) before the body is touched; the
dependency then hands the admitted principal to the handler.

Each refused key is logged (route, method, client address, reason; never the key,
never its digest), and a client that keeps presenting bad keys is held by the
``FailureThrottle`` (429 with ``Retry-After``) without its keys being looked at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from fastapi import HTTPException, Request, status
from fastapi.routing import APIRoute

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from fastapi.dependencies.models import Dependant
    from starlette.responses import Response

    from federation_ai.api.auth_throttle import FailureThrottle
    from federation_ai.api.security import Authenticator, Principal

log = structlog.get_logger("federation_ai.api.auth")

SCOPE_ATTRIBUTE = "required_scope"  # set on each dependency made by ``deps.require``


def presented_key(request: Request) -> str | None:
    """The key of ``Authorization: Bearer <key>`` or else ``X-API-Key``, stripped."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    key = credentials.strip() if scheme.lower() == "bearer" else ""
    return key or request.headers.get("x-api-key", "").strip() or None


def client_of(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


async def admit(request: Request, needed: str) -> Principal:
    """The principal of the request's key, if it may act at ``needed``; else 401/403/429."""
    throttle: FailureThrottle = request.app.state.auth_throttle
    auth: Authenticator = request.app.state.authenticator
    client = client_of(request)
    wait = throttle.retry_after(client)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many refused API keys from this client; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    key = presented_key(request)
    if not key:
        principal, reason = None, "missing API key (Authorization: Bearer <key> or X-API-Key)"
    else:
        principal, reason = await auth.authenticate(key), "unknown or revoked API key"
    if principal is None:
        held = throttle.failed(client)
        log.warning(
            "api_key_refused",
            route=_route_of(request),
            method=request.method,
            client=client,
            reason=reason.split(" (", 1)[0],
            client_held=held,
        )
        raise _unauthorized(reason)
    if not principal.allows(needed):
        log.warning(
            "api_key_forbidden",
            route=_route_of(request),
            method=request.method,
            client=client,
            key_name=principal.name,
            scope=principal.scope,
            needed=needed,
        )
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"needs the {needed} scope; key {principal.name!r} has {principal.scope}",
        )
    return principal


def required_scope(dependant: Dependant) -> str | None:
    """The scope a route's ``require(scope)`` dependency asks for, found anywhere in its tree."""
    for dep in dependant.dependencies:
        found = getattr(dep.call, SCOPE_ATTRIBUTE, None) or required_scope(dep)
        if found:
            return str(found)
    return None


class AuthFirstRoute(APIRoute):
    """A route that admits the request's key before FastAPI reads the body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        needed = required_scope(self.dependant)
        if needed is None:
            return handler

        async def key_first(request: Request) -> Response:
            request.state.principal = await admit(request, needed)
            return await handler(request)

        return key_first
