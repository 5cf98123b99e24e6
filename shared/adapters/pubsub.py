"""Publishing JSON messages to Pub/Sub (the emulator when PUBSUB_EMULATOR_HOST is set)."""

from __future__ import annotations

import json
from typing import Any

from google.cloud import pubsub_v1  # type: ignore[attr-defined]


class PubSubPublisher:
    def __init__(self, project_id: str, client: pubsub_v1.PublisherClient | None = None, timeout: float = 30.0):
        self._project = project_id
        self._client = client or pubsub_v1.PublisherClient()
        self._timeout = timeout
        self.published = 0

    def publish(self, topic: str, message: dict[str, Any], ordering_key: str = "") -> None:
        data = json.dumps(message, separators=(",", ":"), sort_keys=True, default=str).encode()
        path = self._client.topic_path(self._project, topic)
        future = (
            self._client.publish(path, data, ordering_key=ordering_key)
            if ordering_key
            else self._client.publish(path, data)
        )
        future.result(timeout=self._timeout)
        self.published += 1
