"""``python -m sandbox [--port 8443] [--state-dir var/sandbox] [--profile …] [--time-scale N]``."""

from sandbox.cli import main

main()
