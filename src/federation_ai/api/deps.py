"""FastAPI dependencies: the service, the authenticated key, scope requirements."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from federation_ai.api.auth_gate import SCOPE_ATTRIBUTE, admit
from federation_ai.api.facade import Service
from federation_ai.api.security import Principal
from federation_ai.core.ids import ID_PATTERN, ID_RULE, MAX_ID_LENGTH

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: <key>`")


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates and demands at least ``scope``.

    An ``AuthFirstRoute`` has admitted the key before the body was read and left the
    principal on the request; the dependency hands it to the handler. The two
    security schemes document the API's authentication in OpenAPI. One dependency
    over both: every sub-dependency costs each request its own resolution in FastAPI.
    """

    async def dependency(
        request: Request,
        _bearer_doc: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        _api_key_doc: Annotated[str | None, Depends(_api_key)],
    ) -> Principal:
        admitted: Principal | None = getattr(request.state, "principal", None)
        if admitted is not None and admitted.allows(scope):
            return admitted
        return await admit(request, scope)

    setattr(dependency, SCOPE_ATTRIBUTE, scope)
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
