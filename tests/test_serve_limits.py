"""``reegraph serve`` under load and at shutdown: idle and slow clients, the cap on queries running
at once, the memory bound of each query, and SIGTERM (issue 19)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from reegraph.serve import QUEUE

pytestmark = pytest.mark.slow

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?e ?d ?c ?b ?a"  # sorts 90 million rows


@contextlib.contextmanager
def serving(*options: str, ends: int = 0):
    server = subprocess.Popen([sys.executable, "-m", "reegraph", "serve", "--port", "0", *options],
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    line = server.stderr.readline()
    assert "serving" in line, line
    try:
        yield server, urllib.parse.urlsplit(line.split(" at ")[1].strip())
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
    said = server.stderr.read()
    assert "Traceback" not in said and server.returncode == ends, said


def ask(url, query: str = "ASK {}") -> tuple[int, Message, str]:
    address = f"http://{url.netloc}/sparql?{urllib.parse.urlencode({'query': query})}"
    try:
        with urllib.request.urlopen(address, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def ask_quietly(url, query: str) -> None:
    """:func:`ask`, for a server about to end: however the exchange ends is fine."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        ask(url, query)


def send(url, query: str) -> socket.socket:
    """A connection that has sent a GET for ``query`` and not read the answer."""
    sock = socket.create_connection((url.hostname, url.port), timeout=60)
    sock.sendall(f"GET /sparql?query={urllib.parse.quote(query)} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode())
    return sock


def test_idle_and_slow_clients_hold_nothing():
    with serving() as (_, url):
        idle = [socket.create_connection((url.hostname, url.port), timeout=30) for _ in range(300)]
        partial = socket.create_connection((url.hostname, url.port), timeout=30)
        partial.sendall(b"GET /\r\n")  # a request head that never ends
        slow = socket.create_connection((url.hostname, url.port), timeout=30)
        slow.sendall(f"POST /sparql HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/sparql-query\r\n"
                     "Content-Length: 100\r\n\r\nASK".encode())  # fmt: skip
        assert ask(url)[0] == 200  # answered while 302 connections idle or dawdle
        assert slow.makefile("rb").readline().split()[1] == b"408"  # the body never came: after IDLE s
        assert partial.recv(100) == b""  # closed by the server
        assert all(sock.recv(100) == b"" for sock in idle)
        for sock in (*idle, partial, slow):
            sock.close()


def test_queries_wait_for_a_turn_and_a_hung_up_client_frees_its_turn():
    with serving("--max-queries", "1", "--timeout", "60") as (server, url):
        gone = send(url, RUNAWAY)
        wait_for_children(server, 1)
        gone.close()  # its query is stopped, so the next one gets the only turn
        assert ask(url)[0] == 200
        held = send(url, RUNAWAY)
        wait_for_children(server, 1)
        status, headers, body = ask(url)  # waits QUEUE s for the turn the runaway holds
        assert status == 503 and headers["Retry-After"] == str(QUEUE) and "slots are busy" in body
        held.close()


def test_a_query_over_its_memory_bound_is_stopped():
    with serving("--max-memory", "100", "--timeout", "60") as (_, url):
        status, _, body = ask(url, HUNGRY)
        assert status == 503 and "memory limit of 100 MB" in body, body
        assert ask(url)[0] == 200


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def wait_for_children(server: subprocess.Popen, count: int) -> list[int]:
    """The server's query processes, once there are ``count`` of them."""
    deadline = time.monotonic() + 30
    while len(children := children_of(server.pid)) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(children) == count
    return children


def port_is_free(url, within: float = 30) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with contextlib.suppress(OSError):
                probe.bind((url.hostname, url.port))
                return True
        time.sleep(0.02)
    return False


def test_sigterm_frees_the_port_and_stops_running_and_waiting_queries():
    with serving("--timeout", "60", "--max-queries", "2") as (server, url):
        answers: list[tuple] = []
        runaways = [threading.Thread(target=lambda: answers.append(ask(url, RUNAWAY))) for _ in range(3)]
        for thread in runaways:
            thread.start()
        children = wait_for_children(server, 2)  # and the third waits for a turn
        server.send_signal(signal.SIGTERM)
        assert port_is_free(url)  # (bench/serve.py measures how soon)
        assert server.wait(timeout=30) == 0
        for thread in runaways:
            thread.join()
        assert [a[0] for a in answers] == [503] * 3 and all("shutting down" in a[2] for a in answers), answers
        for child in children:
            with pytest.raises(ProcessLookupError):
                os.kill(child, 0)


def test_a_client_that_does_not_read_its_answer_cannot_keep_the_server_alive():
    with serving("--timeout", "60") as (server, url):
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect((url.hostname, url.port))
        query = urllib.parse.quote("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 100000")
        reader.sendall(f"GET /sparql?query={query} HTTP/1.1\r\nHost: {url.netloc}\r\nAccept: text/csv\r\n\r\n".encode())
        time.sleep(1)  # (the answer is 28 MB: it fills the socket's buffers and waits)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0  # it waited for the socket to drain, forever
        reader.close()


def test_sighup_ends_the_server_and_query_processes_end_with_it():
    with serving("--timeout", "60") as (server, url):
        threading.Thread(target=ask_quietly, args=(url, RUNAWAY), daemon=True).start()
        wait_for_children(server, 1)
        server.send_signal(signal.SIGHUP)  # (it had no handler: the server died, its queries ran on)
        assert server.wait(timeout=30) == 0 and port_is_free(url)
    with serving("--timeout", "60", ends=-signal.SIGKILL) as (server, url):
        threading.Thread(target=ask_quietly, args=(url, RUNAWAY), daemon=True).start()
        children = wait_for_children(server, 1)
        server.kill()  # no chance to stop its queries: they notice and end
        server.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{child}").exists() for child in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(Path(f"/proc/{child}").exists() for child in children)
