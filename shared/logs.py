"""Structured JSON logs (Cloud Logging reads them from stdout) with a redaction filter for keys."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

KEY_PATTERN = re.compile(r"sk-(?:ant-[a-z0-9]+-|admin-|proj-)?[A-Za-z0-9_\-]{16,}")
_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def redact(text: str) -> str:
    """Replace anything shaped like a provider key."""
    return KEY_PATTERN.sub("[REDACTED KEY]", text)


class RedactingFilter(logging.Filter):
    """Scrubs key-shaped strings from the message, its arguments and extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return redact(json.dumps(entry, default=str))


def configure(level: int = logging.INFO) -> None:
    """Install the JSON handler with redaction once per process."""
    root = logging.getLogger()
    if any(getattr(h, "_tokenmeter", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    handler._tokenmeter = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request at INFO, URL and all: half of an hourly sync's log volume (billed by the GiB)
    # for what the collector's own "collect finished" line already counts. Its warnings still show.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
