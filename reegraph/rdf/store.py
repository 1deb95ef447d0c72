"""The seam to RDF engines.

Every other module talks to RDF through a :class:`Store`: load files, run SELECT / ASK / CONSTRUCT
queries with safely bound parameters, evaluate a user's query within a time and size limit, and
name the files that stated a fact. The embedded default, :class:`OxigraphStore`, is Oxigraph in
memory (measured 10-150x faster than rdflib's memory store on load and SPARQL; see bench/);
:class:`~reegraph.rdf.remote.RemoteStore` implements the same protocol over a SPARQL endpoint.

Terms cross the seam as rdflib terms (``URIRef``, ``BNode``, ``Literal``), the common currency of
Python RDF tools. Each loaded file goes into its own named graph; queries see the union of all
graphs as their default graph, so a finding can be traced back to the file that stated it. Every
query is checked by :func:`reegraph.rdf.sparql.check_query` before the engine sees it.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import io
import json
import math
import multiprocessing
import os
import re
import resource
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.term import Node

from reegraph.errors import NOT_UTF8, ExecutionError, InputError, ParseError, ReegraphError
from reegraph.rdf.sparql import OVERSIZED_NUMBERS, check_query, with_values
from reegraph.rdf.vocab import PREFIXES

#: An RDF term as rdflib gives it.
Term = URIRef | BNode | Literal
#: A row of :meth:`Store.select`: variable names to terms (unbound variables are absent).
Row = dict[str, Term]
#: A row of :meth:`Store.values`: variable names to string values (``None`` when unbound).
Values = dict[str, str | None]

#: Formats reegraph reads, by file suffix. JSON-LD remote contexts are never fetched.
FORMATS: Mapping[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}

#: The serialisations :meth:`Store.evaluate` writes, with their media types: results (SELECT, ASK)
#: first, then graphs (CONSTRUCT, DESCRIBE).
MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "n-triples": "application/n-triples",
    "rdf-xml": "application/rdf+xml",
}


class AnswerTooLargeError(ExecutionError):
    """A query's answer is larger than the limit it was given."""


class Store(Protocol):
    """What reegraph needs from an RDF engine (queries see the union of the loaded graphs)."""

    def select(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        """Run a SELECT query; rows map variable names to terms (unbound variables are absent)."""

    def values(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Values]:
        """Run a SELECT query; rows map variable names to each term's string value (an IRI, or a
        literal's lexical form; ``None`` when unbound or empty). The fast path for bulk reads: no
        rdflib terms are built."""

    def values_many(self, queries: Sequence[str]) -> Iterator[list[Values]]:
        """:meth:`values` of each query, yielded in order (an engine may run them concurrently)."""

    def ask(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query."""

    def construct(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query into an in-memory rdflib graph."""

    def evaluate(
        self,
        query: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        results: str = "json",
        graph: str = "turtle",
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> tuple[str, bytes]:
        """Run any query and serialise its answer: ``("results", data)`` for SELECT and ASK in the
        format ``results``, ``("graph", data)`` for CONSTRUCT and DESCRIBE in the format ``graph``
        (names of :data:`MEDIA`). The work stops after ``timeout`` seconds (``None``: no limit) with
        an :class:`~reegraph.errors.ExecutionError`; an answer larger than ``max_bytes`` raises
        :class:`AnswerTooLargeError`."""

    def graphs_of(self, subjects: Iterable[URIRef]) -> dict[URIRef, list[str]]:
        """For each IRI, the named graphs (loaded files) in which it is the subject of a triple."""

    def to_rdflib(self) -> Graph:
        """The union of the loaded graphs as an rdflib graph (for pySHACL)."""

    def __len__(self) -> int:
        """Number of triples in all graphs."""


class OxigraphStore:
    """An in-memory Oxigraph store.

    Examples
    --------
    >>> store = OxigraphStore()
    >>> store.load_data(b'<urn:a> <urn:b> "1" .', name="example.nt", graph="urn:g")
    1
    >>> [str(row["o"]) for row in store.select("SELECT ?o WHERE { ?s ?p ?o }")]
    ['1']
    """

    def __init__(self) -> None:
        self._store = ox.Store()

    def load_file(self, path: Path, *, graph: str, trusted: bool = False) -> int:
        """Parse one file into the named graph ``graph``; return the number of triples it added
        (``trusted``: a bundled file, whose numbers need no screening).

        Raises
        ------
        InputError
            The file is missing, unreadable, or has an unknown suffix.
        ParseError
            The file does not parse; the message names the file and line.
        """
        fmt = format_of(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return self.load_data(data, name=str(path), graph=graph, fmt=fmt, trusted=trusted)

    def load_data(
        self, data: bytes, *, name: str, graph: str, fmt: ox.RdfFormat | None = None, trusted: bool = False
    ) -> int:
        """Parse ``data`` (called ``name`` in messages) into the named graph ``graph``. RDF/XML with
        DTD entity declarations is refused before it is parsed; data with a number whose lexical
        form is too long or too large to convert is refused after (unless ``trusted``)."""
        fmt = fmt or format_of(Path(name))
        if fmt == ox.RdfFormat.RDF_XML and (entity := re.search(rb"<!ENTITY", data, re.IGNORECASE)):
            line = data.count(b"\n", 0, entity.start()) + 1
            raise ParseError(name, line, "DTD entity declarations are refused (they can expand without bound)")
        target = ox.NamedNode(graph)
        before = len(self._store)
        try:
            if fmt.supports_datasets:
                # Quads keep their own graph; the file's default graph goes to ``graph``.
                self._store.extend(
                    [
                        ox.Quad(
                            q.subject,
                            q.predicate,
                            q.object,
                            target if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name,
                        )
                        for q in ox.parse(data, format=fmt)
                    ]
                )
            else:
                self._store.load(data, format=fmt, to_graph=target)
        except SyntaxError as exc:
            raise ParseError(name, exc.lineno, _parse_message(exc)) from None
        except (ValueError, OSError) as exc:
            raise ParseError(name, None, str(exc)) from None
        except MemoryError as exc:  # the parser's bound on one token (16 MiB), not the machine's memory
            raise ParseError(name, None, f"a term is too large to read ({exc})") from None
        bindings = {} if fmt.supports_datasets else {"g": URIRef(graph)}
        for row in [] if trusted else self.values(OVERSIZED_NUMBERS, bindings=bindings):
            self._store.clear_graph(target)
            shown = lexical = str(row["lexical"])
            shown = shown if len(shown) <= 40 else f"{shown[:20]}...{shown[-12:]} ({len(shown):,} characters)"
            at = data.find(lexical.encode("utf-8"))  # (as written, unless escaped)
            raise ParseError(
                name,
                data.count(b"\n", 0, at) + 1 if at >= 0 else None,
                f"number {shown} of {row['s']} is too long or too large to read",
            )
        return len(self._store) - before

    def select(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        """Run a SELECT query over the union of all graphs."""
        solutions = self._query(query, bindings)
        if not isinstance(solutions, ox.QuerySolutions):
            raise InputError("not a SELECT query")
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row: Row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = to_rdflib(term)
            rows.append(row)
        return rows

    def values(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Values]:
        """Run a SELECT query over the union of all graphs; rows hold each term's string value."""
        solutions = self._query(query, bindings)
        if not isinstance(solutions, ox.QuerySolutions):
            raise InputError("not a SELECT query")
        rows = read_csv_values(_serialize(solutions, ox.QueryResultsFormat.CSV))
        if rows is None:  # Oxigraph's CSV leaves an IRI with a comma unquoted: ask for JSON
            answer = _serialize(self._query(query, bindings), ox.QueryResultsFormat.JSON)
            rows = read_json_values(json.loads(answer))
        return rows

    def values_many(self, queries: Sequence[str]) -> Iterator[list[Values]]:
        """Run several SELECT queries as :meth:`values` does, two at a time, and yield their rows in
        order: Oxigraph evaluates and serialises without holding the GIL, so the queries run on both
        cores while the caller works on the answers already in (at 1e6 triples the projection's
        eleven queries take 0.45 s of wall time instead of 1.15 s)."""
        with ThreadPoolExecutor(2) as pool:
            yield from pool.map(self.values, queries)

    def evaluate(
        self,
        query: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        results: str = "json",
        graph: str = "turtle",
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> tuple[str, bytes]:
        """Run any query over the union of all graphs and serialise its answer (see
        :meth:`Store.evaluate`). With a ``timeout`` it runs in a forked child process, killed past
        ``timeout`` seconds (see :meth:`start`); without one it runs in this process (faster: no
        copy-on-write faults)."""
        if timeout is None:
            return self._evaluate(query, bindings, results, graph, max_bytes)
        return self.start(query, bindings=bindings, results=results, graph=graph, timeout=timeout,
                          max_bytes=max_bytes).result()  # fmt: skip

    def start(
        self,
        query: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        results: str = "json",
        graph: str = "turtle",
        timeout: float,
        max_bytes: int | None = None,
        memory: int | None = None,
    ) -> Evaluation:
        """Start evaluating a query as :meth:`evaluate` does, in a forked child process that shares
        the loaded store copy-on-write, so that a runaway query really stops (Oxigraph cannot cancel
        one): the child is killed past ``timeout`` seconds, and it may allocate at most ``memory``
        more bytes (``None``: no bound)."""
        return Evaluation(lambda: self._evaluate(query, bindings, results, graph, max_bytes), timeout, memory)

    def _evaluate(
        self, query: str, bindings: Mapping[str, Node] | None, results: str, graph: str, max_bytes: int | None
    ) -> tuple[str, bytes]:
        result = self._query(query, bindings)
        kind = "graph" if isinstance(result, ox.QueryTriples) else "results"
        return kind, _serialize(result, _FORMATS[graph if kind == "graph" else results], max_bytes)

    def ask(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query over the union of all graphs."""
        result = self._query(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise InputError("not an ASK query")
        return bool(result)

    def construct(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query over the union of all graphs."""
        result = self._query(query, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise InputError("not a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in result:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def export(self, *, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> bytes:
        """Serialise the store: every named graph for N-Quads or TriG, else the union of all graphs."""
        if fmt.supports_datasets:
            return self._store.dump(format=fmt) or b""
        return self._union().dump(format=fmt, from_graph=ox.DefaultGraph(), prefixes=PREFIXES) or b""

    def graphs_of(self, subjects: Iterable[URIRef]) -> dict[URIRef, list[str]]:
        """For each IRI, the named graphs (loaded files) where it is the subject of a triple: an index
        lookup, no query text."""
        found: dict[URIRef, list[str]] = {}
        for subject in set(subjects):
            quads = self._store.quads_for_pattern(ox.NamedNode(str(subject)), None, None, None)
            graphs = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
            if graphs:
                found[subject] = graphs
        return found

    def to_rdflib(self) -> Graph:
        """A read-only rdflib view of the union of all graphs: a snapshot copy in Oxigraph, via oxrdflib."""
        return _rdflib_view(self._union())

    def __len__(self) -> int:
        return len(self._store)

    def _union(self) -> ox.Store:
        union = ox.Store()
        union.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in self._store)
        return union

    def _query(self, query: str, bindings: Mapping[str, Node] | None) -> Any:
        check_query(query)
        query = with_values(query, bindings or {})  # as a remote endpoint gets them: one way for both
        try:
            return self._store.query(query, use_default_graph_as_union=True)
        except SyntaxError as exc:  # its list of what was expected runs over several lines
            line = str(exc).splitlines()[0]
            raise InputError(f"invalid SPARQL: {line if len(line) <= 160 else line[:160] + ' ...'}") from None
        except RuntimeError as exc:  # the engine refuses the query (an unsupported function)
            raise InputError(f"cannot evaluate the query: {exc}") from None
        except OSError as exc:
            raise ExecutionError(f"query failed: {exc}") from None


_FORMATS: dict[str, Any] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "turtle": ox.RdfFormat.TURTLE,
    "json-ld": ox.RdfFormat.JSON_LD,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "rdf-xml": ox.RdfFormat.RDF_XML,
}


def _serialize(result: Any, fmt: Any, max_bytes: int | None = None) -> bytes:
    """Oxigraph's answer serialised; an error met while the results stream is a failed query. The
    answer streams into a buffer that refuses to grow past ``max_bytes``, so the evaluation stops
    there rather than after it has built the whole answer."""
    out = _Capped(max_bytes)
    try:
        result.serialize(out, format=fmt)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ExecutionError(f"query failed: {exc}") from None
    return out.getvalue()


class _Capped(io.BytesIO):
    """A bytes buffer that raises :class:`AnswerTooLargeError` when it would pass ``limit`` bytes."""

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: Any) -> int:
        if self.limit is not None and self.tell() + len(data) > self.limit:
            raise AnswerTooLargeError(f"the answer is over the limit of {self.limit:,} bytes: add a LIMIT")
        return super().write(data)


class Evaluation:
    """One query evaluated in a forked child process (started by :meth:`OxigraphStore.start`).

    The child holds no socket (neither the server's port nor its clients' connections), writes
    nothing to the terminal, and carries its own limits: CPU time a little past the timeout (so it
    ends even if the parent is killed first) and, with ``memory``, address space. Past
    :data:`NICE_AFTER` seconds it runs at a lower priority, so quick queries keep the processors.
    :meth:`result` waits (blocking) and reaps the child; :meth:`kill` may be called from any thread.
    """

    #: Seconds after which a query still running yields the processors to newer ones.
    NICE_AFTER = 0.5

    def __init__(self, work: Callable[[], tuple[str, bytes]], timeout: float, memory: int | None) -> None:
        self.timeout, self.memory, self.killed = timeout, memory, False
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        args = (work, send, timeout, memory, os.getpid())
        self._child = context.Process(target=_evaluate_in_child, args=args, daemon=True)
        self._child.start()
        send.close()

    def result(self) -> tuple[str, bytes]:
        """The answer, ``(kind, data)`` as :meth:`OxigraphStore.evaluate` gives it.

        Raises
        ------
        ExecutionError
            Past the timeout, over the memory bound, or killed (:class:`AnswerTooLargeError` over
            the size bound); :class:`InputError` for a query the engine refuses.
        """
        try:
            if not self._receive.poll(min(self.NICE_AFTER, self.timeout)):
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, self._child.pid or 0, 10)
                if not self._receive.poll(max(0.0, self.timeout - self.NICE_AFTER)):
                    raise ExecutionError(f"query stopped after its timeout of {self.timeout:g} s")
            status, payload = self._receive.recv()
        except (EOFError, OSError):
            raise ExecutionError(self._ended()) from None
        finally:
            self._child.kill()
            self._child.join()
            self._child.close()
            self._receive.close()
        if status == "ok":
            return payload
        raise status(payload)

    def kill(self) -> None:
        """Stop the evaluation now (:meth:`result` then raises, unless the answer was in)."""
        self.killed = True
        with contextlib.suppress(ValueError):  # (already reaped and closed)
            self._child.kill()

    def _ended(self) -> str:
        self._child.join()
        if self.killed:
            return "query stopped"
        if self._child.exitcode == -signal.SIGSEGV:  # past even the deep stack
            return "query stopped: it is nested too deeply to evaluate"
        if self.memory is not None and self._child.exitcode == -signal.SIGABRT:  # an allocation failed
            return _over_memory(self.memory)
        return "query stopped: the evaluating process ended without an answer"


def _evaluate_in_child(
    work: Callable[[], tuple[str, bytes]], send: Any, timeout: float, memory: int | None, parent: int
) -> None:
    """In the child: shed the parent's sockets and signal handlers, set its limits, evaluate, then
    send ``("ok", (kind, data))`` or ``(error class, message)``."""
    with contextlib.suppress(ValueError):  # (only the main thread handles signals)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
    for fd in _open_fds():
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)  # an engine that aborts says so on stderr: the parent reports it instead
    os.close(null)
    resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(timeout) + 1, math.ceil(timeout) + 2))
    _die_with(parent)

    def bounded() -> tuple[str, bytes]:  # on the deep stack, which is reserved by now: bound the rest
        if memory is not None:
            with contextlib.suppress(OSError, ValueError):  # (a lower bound set outside holds)
                resource.setrlimit(resource.RLIMIT_AS, (_address_space() + memory,) * 2)
        return work()

    try:
        send.send(("ok", _deep(bounded)))
    except ReegraphError as exc:
        kinds = (AnswerTooLargeError, InputError, ExecutionError)
        send.send((next(c for c in kinds if isinstance(exc, c)), str(exc)))
    except MemoryError:
        send.send((ExecutionError, _over_memory(memory)))
    except UnicodeError:
        send.send((InputError, NOT_UTF8))
    except BaseException as exc:  # the parent reports it in one line
        send.send((ExecutionError, f"query failed: {type(exc).__name__}: {exc}"))
    finally:
        send.close()


#: The stack of the thread that parses and evaluates a query: Oxigraph's parser recurses once per
#: term of a flat chain (20,000 UNIONs overflowed the main thread's 8 MB); this is virtual memory,
#: used only as deep as a query goes.
QUERY_STACK = 1 << 30


def _deep(call: Callable[[], Any]) -> Any:
    """``call()`` on a thread with a :data:`QUERY_STACK` stack; its error raised here."""
    found: dict[str, Any] = {}

    def work() -> None:
        try:
            found["value"] = call()
        except BaseException as exc:
            found["error"] = exc

    before = threading.stack_size(QUERY_STACK)
    try:
        worker = threading.Thread(target=work, daemon=True)
        worker.start()
    finally:
        threading.stack_size(before)
    worker.join()
    if "error" in found:
        raise found["error"]
    return found["value"]


def _die_with(parent: int) -> None:
    """End this process when ``parent`` does (Linux: the kernel sends SIGKILL; elsewhere the CPU
    limit ends it)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before that took hold
        os._exit(1)


def _over_memory(memory: int | None) -> str:
    bound = f"its memory limit of {memory / 1e6:,.0f} MB" if memory is not None else "the memory there is"
    return f"query stopped: it needed more than {bound}"


def _open_fds() -> list[int]:
    """This process's open file descriptors above stderr (none known without /proc or /dev/fd)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        with contextlib.suppress(OSError):
            return [int(fd) for fd in os.listdir(folder) if int(fd) > 2]
    return []


def _address_space() -> int:
    """This process's address space in bytes (0 where /proc does not say)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def read_csv_values(data: bytes) -> list[Values] | None:
    """Rows of SPARQL CSV results: plain string values; an empty cell (unbound, or an empty literal)
    is None. ``None`` when a row does not fit the header (an unquoted comma)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    names = next(reader, [])
    rows = list(reader)
    if any(len(row) != len(names) for row in rows):
        return None
    return [dict(zip(names, [v or None for v in row], strict=True)) for row in rows]


def read_json_values(results: dict) -> list[Values]:
    """Rows of (parsed) SPARQL JSON results as :func:`read_csv_values` gives them."""
    names = results["head"]["vars"]
    return [{n: (b[n]["value"] or None) if n in b else None for n in names} for b in results["results"]["bindings"]]


def reserialize(data: bytes, *, kind: str, fmt: str) -> bytes:
    """An answer from elsewhere (a remote endpoint) serialised as this store serialises its own:
    ``kind`` ``"results"`` takes SPARQL JSON results, ``"graph"`` N-Triples; ``fmt`` names a format
    of :data:`MEDIA`.

    Raises
    ------
    ExecutionError
        ``data`` does not parse.
    """
    try:
        if kind == "results":
            return _serialize(ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON), _FORMATS[fmt])
        return bytes(ox.serialize(ox.parse(data, format=ox.RdfFormat.N_TRIPLES), format=_FORMATS[fmt]) or b"")
    except (SyntaxError, ValueError, OSError) as exc:
        raise ExecutionError(f"the endpoint's answer does not parse: {str(exc).splitlines()[0][:200]}") from None


def parse_rdflib(data: bytes) -> Graph:
    """N-Triples (a remote endpoint's CONSTRUCT answer) in an Oxigraph-backed rdflib graph, whose
    literals compare as :func:`read_rdflib`'s and :meth:`OxigraphStore.to_rdflib`'s do.

    Raises
    ------
    ExecutionError
        ``data`` does not parse.
    """
    store = ox.Store()
    try:
        store.load(data, format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError, OSError) as exc:
        raise ExecutionError(f"the endpoint's answer does not parse: {str(exc).splitlines()[0][:200]}") from None
    return _rdflib_view(store)


def read_rdflib(path: Path) -> Graph:
    """Parse one of reegraph's own files (such as the shapes) into an Oxigraph-backed rdflib graph.

    Its literals then compare equal to those of :meth:`OxigraphStore.to_rdflib` (oxrdflib keeps
    ``xsd:string`` explicit where rdflib's own parser does not).
    """
    store = ox.Store()
    store.load(path=str(path), format=format_of(path))
    return _rdflib_view(store)


def _rdflib_view(store: ox.Store) -> Graph:
    from oxrdflib import OxigraphStore as RdflibOxigraphStore

    class SnapshotStore(RdflibOxigraphStore):
        """oxrdflib over a snapshot nobody writes to: its size is counted once, not per call.

        pySHACL asks for the graph's length for every sh:or result; each ask is a full COUNT query.
        """

        _size: int | None = None

        def __len__(self, context: Any = None) -> int:
            if self._size is None:
                self._size = super().__len__(context)
            return self._size

    return Graph(store=SnapshotStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)


def format_of(path: Path) -> ox.RdfFormat:
    """The RDF format of a file, from its suffix."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise InputError(f"{path}: unknown RDF file type {path.suffix!r} (known: {known})") from None


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Term:
    """Convert an Oxigraph term to the equal rdflib term (``xsd:string`` literals become plain)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))
    raise InputError(f"unsupported RDF term {term!r}")


def _parse_message(exc: SyntaxError) -> str:
    """Oxigraph's parse message without its own position prefix (reegraph prints path:line)."""
    message = exc.msg or str(exc)
    if "LoadDocumentCallback" in message:
        return "remote JSON-LD contexts are never fetched; put the @context inline"
    head, sep, tail = message.partition(": ")
    return tail if sep and head.startswith("Parser error") else message
