"""Secrets the product generates for itself, once, into its data folder (0600): never in the
repository. The WebRTC softphones' SIP passwords derive from one of them, so the Asterisk
configuration and the web agree without storing each password."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def softphone_password(data_dir: Path, extension: str) -> str:
    """The SIP password of agent EXTENSION's WebRTC endpoint."""
    key = generated_secret(data_dir, "softphone_secret").encode()
    return hmac.new(key, extension.encode(), hashlib.sha256).hexdigest()[:32]


def generated_secret(data_dir: Path, name: str) -> str:
    """DATA_DIR/NAME's secret, generated on first use."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret
