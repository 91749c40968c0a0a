"""Notification channels, one module each: ``webhook`` (Standard Webhooks signed JSON),
``slack`` (incoming webhook), ``email`` (SMTP), ``retrain`` (the retrain target and its
presets) and ``mlflow_project`` (the retrain target that launches an MLflow Project run);
``base`` holds the ``Channel`` protocol and ``SendOutcome``."""

from __future__ import annotations

from alerts.channels.base import Channel, SendOutcome, redact
from alerts.channels.webhook import sign, signed_headers

__all__ = ["Channel", "SendOutcome", "redact", "sign", "signed_headers"]
