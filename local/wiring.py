"""Wire the local stack the way infra/ wires the cloud: topics, push subscriptions with dead-letter
topics and bounded delivery attempts, and one functions-framework process per function."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from google.api_core import exceptions
from google.cloud import pubsub_v1

from local.procs import Proc, Supervisor, free_port, http_ok, wait_until
from shared import topology

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FunctionsHost:
    ports: dict[str, int]
    procs: list[Proc] = field(default_factory=list)
    supervisor: Supervisor | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()
        for p in self.procs:
            p.stop()

    def supervise(self, echo: Callable[[str], None]) -> Supervisor:
        """Restart any function process that dies (``make run``), saying so through ``echo``."""
        self.supervisor = Supervisor(self.procs, echo)
        self.supervisor.start()
        return self.supervisor


def create_topology(project: str, host_ports: dict[str, int], ack_deadline: int = 600) -> None:
    """Topics, dead-letter topics and push subscriptions to each function (idempotent)."""
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    try:
        for topic in topology.TOPICS:
            with contextlib.suppress(exceptions.AlreadyExists):
                publisher.create_topic(name=publisher.topic_path(project, topic))
        for fn in topology.FUNCTIONS:
            if fn.trigger_topic is None:
                continue
            dead = publisher.topic_path(project, topology.dead_letter_topic(fn))
            with contextlib.suppress(exceptions.AlreadyExists):
                publisher.create_topic(name=dead)
            endpoint = f"http://127.0.0.1:{host_ports[fn.name]}/projects/{project}/topics/{fn.trigger_topic}"
            sub_path = subscriber.subscription_path(project, topology.subscription_name(fn))
            with contextlib.suppress(exceptions.NotFound):
                subscriber.delete_subscription(subscription=sub_path)
            subscriber.create_subscription(
                request={
                    "name": sub_path,
                    "topic": publisher.topic_path(project, fn.trigger_topic),
                    "push_config": {"push_endpoint": endpoint},
                    "ack_deadline_seconds": ack_deadline,
                    "dead_letter_policy": {
                        "dead_letter_topic": dead,
                        "max_delivery_attempts": fn.max_delivery_attempts,
                    },
                    "retry_policy": {"minimum_backoff": {"seconds": 1}, "maximum_backoff": {"seconds": 60}},
                }
            )
    finally:
        subscriber.close()


def start_functions(env: dict[str, str], log_dir: Path, ports: dict[str, int] | None = None) -> FunctionsHost:
    """One `functions-framework` process per function, as Cloud Functions runs them."""
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = dict(ports or {})
    host = FunctionsHost(ports={})
    exe = str(Path(sys.executable).parent / "functions-framework")
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    try:
        for fn in topology.FUNCTIONS:
            port = ports.get(fn.name) or free_port()
            host.ports[fn.name] = port
            host.procs.append(
                Proc(
                    f"function-{fn.name}",
                    [
                        exe,
                        f"--target={fn.entry_point}",
                        f"--source={ROOT / fn.source}",
                        f"--signature-type={fn.signature_type}",
                        "--host=127.0.0.1",
                        f"--port={port}",
                    ],
                    env=full_env,
                    log_path=log_dir / f"function-{fn.name}.log",
                    cwd=ROOT,
                )
            )
        for fn, proc in zip(topology.FUNCTIONS, host.procs, strict=True):
            wait_until(http_ok(f"http://127.0.0.1:{host.ports[fn.name]}/"), 60, f"function {fn.name}", proc)
    except Exception:
        host.stop()
        raise
    return host
