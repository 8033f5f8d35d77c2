"""A cap on the size of uploads at the edge.

Reflex's upload endpoint spools whatever arrives to disk before any handler sees it, and rx.upload's own
limit lives only in the browser. A request to /_upload larger than the largest document we accept
(plus room for the multipart framing) is refused with 413 before it is read, or cut off once it
exceeds the cap when it gives no length.
"""

from __future__ import annotations

from .services.documents import MAX_BYTES

UPLOAD_PREFIX = "/_upload"
LIMIT = MAX_BYTES + 256 * 1024


async def _refuse(send) -> None:
    await send(
        {"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"text/plain; charset=utf-8")]}
    )
    await send({"type": "http.response.body", "body": b"The file is larger than 20 MB."})


def limit_upload_size(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(UPLOAD_PREFIX):
            return await app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > LIMIT:
            return await _refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > LIMIT:
                    return {"type": "http.disconnect"}
            return message

        return await app(scope, counted, send)

    return wrapped
