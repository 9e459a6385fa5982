"""The sandbox application: one router for the control API, Google and Microsoft, one store,
one set of quotas; served over HTTPS by a threaded server (one thread per connection)."""

from __future__ import annotations

import logging
import random
import socket
import ssl
import threading
import time
from collections import Counter
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox.http import ApiError, Request, Response, Router
from sandbox.profiles import PROFILES, Profile
from sandbox.quotas import Quotas
from sandbox.store import Store
from sandbox.tls import ensure_certificates

logger = logging.getLogger("sandbox")

CONTROL_PREFIX = "/_sandbox/"


class Sandbox:
    def __init__(
        self,
        state_dir: Path,
        profile: str | Profile = "fast",
        time_scale: float = 1.0,
        seed: int | None = None,
    ):
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.state_dir = Path(state_dir)
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.time_scale = float(time_scale)
        self.store = Store(self.state_dir / "state.sqlite3")
        self.quotas = Quotas(self.time_scale)
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.outage_offset = self.rng.random() * 1000.0  # where in its period the first burst falls
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.stats_lock = threading.Lock()
        self.router = Router()
        self.throttle_until: dict[str, float] = {}  # chaos 429 storms: key -> monotonic deadline
        from sandbox import control, google, microsoft

        control.register(self.router)
        google.register(self.router)
        microsoft.register(self.router)

    # --- time -------------------------------------------------------------------------------
    def scaled(self, seconds: float) -> float:
        """Provider seconds → wall-clock seconds under the time scale."""
        return seconds / self.time_scale

    @property
    def replication_delay(self) -> float:
        return self.scaled(self.profile.replication_delay)

    def in_outage(self) -> bool:
        """Whether now falls in an outage: the first ``outage_share`` of every ``outage_slot``
        seconds (provider time) answers every call with a server error, a burst each period."""
        if not self.profile.outage_share:
            return False
        period = self.scaled(self.profile.outage_slot)
        return (time.monotonic() + self.outage_offset) % period < period * self.profile.outage_share

    def random(self) -> float:
        with self.rng_lock:
            return self.rng.random()

    # --- one request ----------------------------------------------------------------------------
    def handle(self, request: Request, *, inner: bool = False) -> Response:
        """Answer one request (``inner``: a part of a batch, already delayed as a whole)."""
        found = self.router.match(request.method, request.path)
        if found is None:
            response = Response.json(404, {"error": {"code": 404, "message": f"Not found: {request.path}"}})
            self._count("unrouted", response)
            return response
        handler, params, name = found
        control = request.path.startswith(CONTROL_PREFIX)
        if not control and not inner:
            latency = self.profile.pick_latency(self.rng)
            if latency:
                time.sleep(self.scaled(latency))
            if self.profile.drop_rate and self.random() < self.profile.drop_rate:
                self._count(name, Response(0))
                return Response(0, drop=True)
        try:
            failing = not control and (
                (self.profile.error_rate and self.random() < self.profile.error_rate) or self.in_outage()
            )
            if failing:
                from sandbox.google.errors import is_google_path
                from sandbox.google.errors import server_error as google_error
                from sandbox.microsoft.errors import server_error as graph_error

                response = google_error() if is_google_path(request.path) else graph_error()
            else:
                response = handler(self, request, **params)
                late = self.profile.late_error_rate
                if not control and late and response.status < 300 and self.random() < late:
                    from sandbox.google.errors import is_google_path
                    from sandbox.google.errors import server_error as google_error
                    from sandbox.microsoft.errors import server_error as graph_error

                    response = google_error() if is_google_path(request.path) else graph_error()
        except ApiError as error:
            response = error.response
        except Exception:  # a bug in the emulator: answer like a backend error, log it
            logger.exception("sandbox handler %s failed", name)
            response = Response.json(
                500, {"error": {"code": 500, "message": "Internal error in the sandbox."}}
            )
        self._count(name, response)
        return response

    def _count(self, name: str, response: Response) -> None:
        with self.stats_lock:
            self.calls[name] += 1
            self.statuses[f"{name}:{response.status}"] += 1
            if response.status == 429 or (response.status == 403 and b"RateLimitExceeded" in response.body):
                self.statuses["throttled"] += 1

    def stats(self) -> dict:
        with self.stats_lock:
            calls = dict(self.calls)
            statuses = dict(self.statuses)
        return {
            "profile": self.profile.name,
            "time_scale": self.time_scale,
            "calls": calls,
            "statuses": statuses,
            "throttled": statuses.get("throttled", 0),
            "quotas": self.quotas.stats(),
            "created": self.store.counters("created:"),
            "objects": self._object_counts(),
        }

    def _object_counts(self) -> dict[str, int]:
        with self.store.lock:
            rows = self.store.db.execute("SELECT kind, COUNT(*) FROM docs GROUP BY kind").fetchall()
        return dict(rows)

    def reset(self) -> None:
        self.store.reset()
        self.quotas.reset()
        with self.stats_lock:
            self.calls.clear()
            self.statuses.clear()
        self.throttle_until.clear()


# --- the HTTP server ---------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for an ACK
    server_version = "SchoolCloudSandbox/1.0"
    sandbox: Sandbox  # set on the subclass made by make_server

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        logger.debug("%s %s", self.address_string(), format % args)

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = Message()
        for key, value in self.headers.items():
            headers[key] = value
        host = self.headers.get("Host") or f"localhost:{self.server.server_address[1]}"
        request = Request.build(self.command, self.path, headers, body, host, self.server.scheme)
        request.client = f"{self.client_address[0]}:{self.client_address[1]}"
        response = self.sandbox.handle(request)
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, handler, ssl_context: ssl.SSLContext | None):
        self.ssl_context = ssl_context
        self.scheme = "https" if ssl_context else "http"
        super().__init__(address, handler)

    def get_request(self):
        sock, address = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            try:
                request.settimeout(30)
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)


def make_server(
    sandbox: Sandbox, host: str = "127.0.0.1", port: int = 8443, tls: bool = True
) -> SandboxServer:
    context = None
    if tls:
        _ca, cert, key = ensure_certificates(sandbox.state_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
    handler = type("SandboxHandler", (_Handler,), {"sandbox": sandbox})
    return SandboxServer((host, port), handler, context)
