"""The client library's batch request, with a quicker writer for its parts.

``googleapiclient.http.BatchHttpRequest`` writes each call of a batch as an ``application/http``
part through the ``email`` package, whose header folding cost about a millisecond a call: a
quarter of a worker's time when it makes 10,000 accounts. ``QuickBatch`` writes the same text
(request line, Content-Type, MIME-Version, the request's headers, Host, content-length, body)
directly; everything else (sending, reading the answers, callbacks) is the library's own.
``tests/integrations/test_google_batch.py`` checks that both write the same bytes.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from googleapiclient import _auth
from googleapiclient.http import BatchHttpRequest


class QuickBatch(BatchHttpRequest):  # type: ignore[misc]  # the library has no types
    def _serialize_request(self, request: Any) -> str:
        parsed = urllib.parse.urlparse(request.uri)
        path = urllib.parse.urlunparse(("", "", parsed.path, parsed.params, parsed.query, ""))
        headers = request.headers.copy()
        if request.http is not None:
            credentials = _auth.get_credentials_from_http(request.http)
            if credentials is not None:
                _auth.apply_credentials(credentials, headers)
        content_type = headers.pop("content-type", "application/json")
        lines = [f"{request.method} {path} HTTP/1.1", f"Content-Type: {content_type}", "MIME-Version: 1.0"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Host: {parsed.netloc}")
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        if body is not None:
            lines.append(f"content-length: {len(body)}")
        return "\n".join(lines) + "\n\n" + (body or "")


def quick_batch(service: Any, callback: Callable[[str, Any, BaseException | None], None]) -> QuickBatch:
    """A batch for ``service`` (the address its discovery document gives batches)."""
    library = service.new_batch_http_request(callback=callback)
    return QuickBatch(callback=callback, batch_uri=library._batch_uri)  # noqa: SLF001 (the library's own field)
