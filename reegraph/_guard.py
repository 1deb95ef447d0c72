"""Keep the process off the network: an audit hook that refuses outbound connections.

reegraph never needs the network to load or analyse data. The console entry point installs this
hook before anything runs, so that nothing in the data (a SERVICE clause, a remote JSON-LD
context, an owl:imports) can make the program fetch anything, whatever a library might try.
"""

from __future__ import annotations

import socket
import sys

_installed = False


def deny_network() -> None:
    """Refuse every IP connection, DNS lookup and urllib request from now on (idempotent)."""
    global _installed
    if _installed:
        return
    sys.addaudithook(_hook)
    _installed = True


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            raise PermissionError(f"reegraph does not use the network (refused connection to {address})")
    elif event in ("socket.getaddrinfo", "urllib.Request"):
        raise PermissionError(f"reegraph does not use the network (refused {event} {args[0]!r})")
