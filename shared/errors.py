"""Errors a user can act on. The API maps each to an HTTP status; the message names the problem."""

from __future__ import annotations


class TokenMeterError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(TokenMeterError):
    status = 422
    code = "invalid_input"


class BadRequest(TokenMeterError):
    status = 400
    code = "bad_request"


class NotFound(TokenMeterError):
    status = 404
    code = "not_found"


class Conflict(TokenMeterError):
    status = 409
    code = "conflict"


class Unauthenticated(TokenMeterError):
    status = 401
    code = "unauthenticated"


class Forbidden(TokenMeterError):
    status = 403
    code = "forbidden"


class PayloadTooLarge(TokenMeterError):
    status = 413
    code = "payload_too_large"


class UpstreamRejectedKey(TokenMeterError):
    """The key cannot be used: invalid/revoked, not an admin key, or a workspace key."""

    status = 422
    code = "key_rejected"

    def __init__(self, message: str, *, field: str | None = None, code: str = "key_rejected"):
        super().__init__(message, field=field)
        self.code = code


class UpstreamUnavailable(TokenMeterError):
    """The provider could not be reached to verify the key; nothing was stored."""

    status = 503
    code = "provider_unavailable"
