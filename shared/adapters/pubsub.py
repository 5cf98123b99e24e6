"""Publishing typed messages to Pub/Sub (the emulator when PUBSUB_EMULATOR_HOST is set)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.cloud import pubsub_v1  # type: ignore[attr-defined]

from shared.messages import Message

BATCH_WAIT = 1000
"""Messages in flight before ``publish_all`` waits for them (bounds memory at any fan-out)."""


class PubSubPublisher:
    def __init__(self, project_id: str, client: Any | None = None, timeout: float = 30.0):
        self._project = project_id
        self._client = client or pubsub_v1.PublisherClient(
            batch_settings=pubsub_v1.types.BatchSettings(max_messages=500, max_latency=0.01)
        )
        self._timeout = timeout
        self.published = 0

    def publish(self, topic: str, message: Message) -> None:
        self._client.publish(self._client.topic_path(self._project, topic), message.encode()).result(
            timeout=self._timeout
        )
        self.published += 1

    def publish_all(self, topic: str, messages: Iterable[Message]) -> int:
        path = self._client.topic_path(self._project, topic)
        pending: list[Any] = []
        count = 0
        for message in messages:
            pending.append(self._client.publish(path, message.encode()))
            count += 1
            if len(pending) >= BATCH_WAIT:
                for future in pending:
                    future.result(timeout=self._timeout)
                pending.clear()
        for future in pending:
            future.result(timeout=self._timeout)
        self.published += count
        return count
