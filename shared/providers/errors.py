"""The project's provider errors: retryable versus permanent, each with a message a person can act on."""

from __future__ import annotations


class ProviderError(Exception):
    """Base class. ``retryable`` says whether trying again later can help."""

    retryable = False
    code = "provider_error"

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id


class InvalidKey(ProviderError):
    """401: the key is unknown, revoked or expired."""

    code = "invalid_key"


class NotAdminKey(ProviderError):
    """403: the key works but cannot read organization usage (a workspace key, or demoted)."""

    code = "not_admin_key"


class ProviderBadRequest(ProviderError):
    """400/404/422: our request was wrong; a bug on our side or an API change."""

    code = "provider_bad_request"


class ProviderUnavailable(ProviderError):
    """429, 5xx, 529, timeouts and connection failures that outlasted the retry budget."""

    retryable = True
    code = "provider_unavailable"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, status=status, request_id=request_id)
        self.retry_after = retry_after


class MalformedResponse(ProviderUnavailable):
    """A 200 whose body is not the documented shape (kept retryable: usually a transient proxy fault)."""

    code = "malformed_response"
