"""Production: the CRM's queues go into a file the site's queues.conf ``#include``s, and
app_queue reloads them through AMI. QueueReload needs no privilege class, so the CTI server's
AMI user as documented (no system/config/command) is enough."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ctiserver.ami.actions import QueueReload

from .render import QueueSpec, render_queues

AmiSend = Callable[[QueueReload], Awaitable[Any]]


class QueuesInclude:
    def __init__(self, path: Path, send: AmiSend) -> None:
        self.path = path
        self.send = send
        """E.g. ``AmiClient.send`` of the CTI server's AMI link."""

    async def apply_queues(self, specs: list[QueueSpec]) -> list[str]:
        """Write the file and reload app_queue, only when its contents change."""
        text = render_queues(specs)
        if self.path.exists() and self.path.read_text() == text:
            return []
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(self.path)
        await self.send(QueueReload())
        return [self.path.name]
