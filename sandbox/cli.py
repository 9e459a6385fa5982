"""Serving the sandbox from a command line: ``python -m sandbox`` (no portal needed) and the
portal's ``manage.py run_sandbox`` share these options and this loop."""

from __future__ import annotations

import argparse
import logging
import signal
from collections.abc import Callable
from pathlib import Path

from sandbox.app import Sandbox, make_server
from sandbox.profiles import PROFILES


class StartError(Exception):
    """The sandbox cannot start with these options (the message says why)."""


def add_arguments(parser: argparse.ArgumentParser, state_dir: str) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--state-dir", default=state_dir, help="State and the local CA live here.")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="realistic")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="Run quotas, latency and delays N× faster."
    )
    parser.add_argument("--plain-http", action="store_true", help="No TLS (debugging only).")


def _stop(*_args):
    raise KeyboardInterrupt


def serve(options: dict, write: Callable[[str], None]) -> None:
    """Serve until SIGTERM or Ctrl-C. ``write`` gets one line with the URL and the CA file (a
    parent process waits for it); raises ``StartError`` when the options or the port are unusable."""
    if options["time_scale"] <= 0:
        raise StartError("--time-scale must be positive.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox %(levelname)s %(message)s")
    state_dir = Path(options["state_dir"])
    sandbox = Sandbox(state_dir, options["profile"], options["time_scale"])
    try:
        server = make_server(sandbox, options["host"], options["port"], tls=not options["plain_http"])
    except OSError as error:
        sandbox.store.close()
        raise StartError(f"Cannot listen on {options['host']}:{options['port']}: {error}") from error
    signal.signal(signal.SIGTERM, _stop)
    scheme = "http" if options["plain_http"] else "https"
    write(
        f"Sandbox ({sandbox.profile.name}, time scale {sandbox.time_scale:g}) on "
        f"{scheme}://{options['host']}:{server.server_address[1]}/ — CA: {state_dir / 'ca.pem'}"
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sandbox.store.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Run the Google Directory API and Microsoft Graph sandbox over HTTPS.",
    )
    add_arguments(parser, state_dir="var/sandbox")
    try:
        serve(vars(parser.parse_args(argv)), lambda line: print(line, flush=True))
    except StartError as error:
        parser.exit(2, f"{parser.prog}: {error}\n")
