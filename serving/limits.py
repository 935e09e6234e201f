"""Request limits: oversized bodies get 413 before any parsing (plain ASGI), and big batches are capped per key."""

from __future__ import annotations

import json
import threading

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """Refuses bodies over `max_bytes`, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = refused = False

        # Past the limit the 413 goes out at once and the app is told the client left. Raising from here instead
        # would not reach this middleware: FastAPI turns any error while reading a body into a 400.
        async def limited() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                refused = True
                if not started:
                    await self._refuse(send)
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused and not started:  # the app's answer to the disconnect: the 413 already went out
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited, guarded_send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body is larger than {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class BatchSlots:
    """At most `per_key` batch calls in flight for each key; one more is refused at once rather than queued."""

    def __init__(self, per_key: int) -> None:
        self.per_key = per_key
        self._busy: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> bool:
        """Take a slot for the key; False when all of its slots are busy."""
        with self._lock:
            if self._busy.get(key, 0) >= self.per_key:
                return False
            self._busy[key] = self._busy.get(key, 0) + 1
            return True

    def give_back(self, key: str) -> None:
        with self._lock:
            left = self._busy.get(key, 0) - 1
            if left > 0:
                self._busy[key] = left
            else:
                self._busy.pop(key, None)
