"""FastAPI dependencies: the service, the authenticated key, scope requirements."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from federation_ai.api.facade import Service
from federation_ai.api.security import Authenticator, Principal
from federation_ai.core.ids import ID_PATTERN, ID_RULE, MAX_ID_LENGTH

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: <key>`")


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def authenticate(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    api_key: str | None,
) -> Principal:
    """The key's principal; 401 without a key or with an unknown or revoked one."""
    auth: Authenticator = request.app.state.authenticator
    key = bearer.credentials.strip() if bearer is not None else None
    key = key or (api_key.strip() if api_key else None)
    if not key:
        raise _unauthorized("missing API key (Authorization: Bearer <key> or X-API-Key)")
    principal = await auth.authenticate(key)
    if principal is None:
        raise _unauthorized("unknown or revoked API key")
    return principal


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates and demands at least ``scope``.

    One dependency over the two security schemes (which also document the API's
    authentication in OpenAPI): every sub-dependency costs each request its own
    resolution in FastAPI.
    """

    async def dependency(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        api_key: Annotated[str | None, Depends(_api_key)],
    ) -> Principal:
        principal = await authenticate(request, bearer, api_key)
        if not principal.allows(scope):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"needs the {scope} scope; key {principal.name!r} has {principal.scope}",
            )
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require("viewer"))]
Operator = Annotated[Principal, Depends(require("operator"))]
Admin = Annotated[Principal, Depends(require("admin"))]


def known_account(service: Service, account_id: str) -> dict[str, Any]:
    """The account's effective policy; 404 when no event has been seen for it."""
    policy = service.policy(account_id)
    if policy is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown account {account_id!r}")
    return policy


AccountQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_ID_LENGTH,
        pattern=ID_PATTERN,
        description=f"Account id ({ID_RULE}); unknown accounts answer 404.",
    ),
]
