"""Keep the process off the network: an audit hook that refuses outbound connections.

reegraph never needs the network to load or analyse data. The console entry point installs this
hook before anything runs, so that nothing in the data (a remote JSON-LD context, an owl:imports)
can make Python code fetch anything, whatever a library might try. The hook cannot see native code:
Oxigraph's own HTTP client (SERVICE, LOAD) is kept off by :func:`reegraph.rdf.sparql.check_query` and by
loading files only through reegraph's parsers.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from urllib.parse import urlsplit

_installed = False
_hosts: set[str] = set()
_addresses: set[tuple] = set()
_origins: set[tuple[str, str]] = set()


def deny_network() -> None:
    """Refuse every IP connection, DNS lookup and urllib request from now on (idempotent)."""
    global _installed
    if _installed:
        return
    sys.addaudithook(_hook)
    _installed = True


def allow(url: str) -> None:
    """Let the process reach the one server the user named (``--endpoint``), and nothing else."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme.lower() == "https" else 80)
    _hosts.add(host)
    _origins.add(_origin(url))
    with contextlib.suppress(OSError):  # unresolvable: the request then fails with the resolver's message
        _addresses.update(info[4][:2] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP))


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and tuple(address[:2]) not in _addresses:
            raise PermissionError(f"reegraph does not use the network (refused connection to {address})")
    elif (event == "socket.getaddrinfo" and str(args[0]).lower() not in _hosts) or (
        event == "urllib.Request" and _origin(str(args[0])) not in _origins
    ):
        raise PermissionError(f"reegraph does not use the network (refused {event} {args[0]!r})")


def _origin(url: str) -> tuple[str, str]:
    """A URL's scheme and host:port, lower-cased (``hostname`` lower-cases the host)."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), f"{parts.hostname}:{parts.port}"
    except ValueError:
        return "", url
