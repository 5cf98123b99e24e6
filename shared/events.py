"""Decoding Pub/Sub push deliveries (CloudEvents) into typed messages."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def decode_pubsub(event_data: Any, model: type[M]) -> M | None:
    """The message inside a Pub/Sub CloudEvent, or None when it is malformed.

    A malformed message can never succeed, so it is dropped (logged) rather than retried forever.
    """
    try:
        message = event_data["message"]
        raw = base64.b64decode(message.get("data") or b"")
        payload = json.loads(raw or b"{}")
        return model.model_validate(payload)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        log.error("dropping malformed message", extra={"model": model.__name__, "error": str(exc)[:300]})
        return None
