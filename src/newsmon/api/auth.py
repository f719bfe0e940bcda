"""Token auth for writes: ``Authorization: Bearer <token>``, the token from the settings
(``NEWSMON_API__TOKEN``). Without a configured token every write is refused: an API that
anybody on the network could change rules through is not a default."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from newsmon.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="NEWSMON_API__TOKEN")


def require_write_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """Dependency of every write route."""
    settings: Settings = request.app.state.settings
    if settings.api.token is None:
        raise HTTPException(403, "writes are disabled: set NEWSMON_API__TOKEN to enable them")
    expected = settings.api.token.get_secret_value().encode()
    given = (credentials.credentials if credentials else "").encode()
    if not given or not hmac.compare_digest(given, expected):
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
