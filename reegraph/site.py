"""The static site (``reegraph site -o DIR``): every page reegraph draws, on the graph loaded, linked
from an index and written to one folder that works offline: the report, the flows, the network, the
map, each built-in scenario, the sources, the data card and the ontology's documentation.

The pages are built in memory first; then they are written to a new folder beside ``DIR`` that
replaces ``DIR`` in one rename, so a failure leaves ``DIR`` as it was. A folder that holds anything
reegraph did not write is never replaced: a site's mark file (:data:`MARK`) lists the files written,
and a file it does not list (added since, or a folder without the mark), a folder or link in place
of a file it lists, or a mark an older reegraph wrote (which lists nothing) refuses the run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import tempfile
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from reegraph import app
from reegraph.errors import ExecutionError, InputError
from reegraph.network.project import build_network
from reegraph.rdf.load import data_root
from reegraph.rdf.store import Store
from reegraph.rdf.vocab import REE
from reegraph.render.flows import render_flows_page
from reegraph.render.map import render_map
from reegraph.render.report import render_report_html
from reegraph.render.scenario import render_scenario_html
from reegraph.render.site import (
    nav,
    render_data_card,
    render_index,
    render_ontology_page,
    render_scenarios_index,
    render_sources_page,
    with_nav,
)

#: The file that marks a folder as a site reegraph wrote (and may replace).
MARK = ".reegraph-site"


def build_site(store: Store, *, as_of: date | None = None) -> dict[str, str]:
    """Every page of the site, by file name, for ``store`` as of ``as_of`` (default: today); each
    scenario at its own date."""
    when = as_of or date.today()
    titles = app.source_titles(store)
    found = app.report(store, as_of=when)
    pages: dict[str, str] = {
        "report.html": render_report_html(found, sources=titles),
        "flows.html": render_flows_page(app.flow_view(store, as_of=when)),
    }
    notes = []
    try:
        from reegraph.render.view import render_network

        view = app.network_view(store, as_of=when)
        pages["network.html"] = render_network(
            view.network, title=view.title, chokepoints=view.chokepoints, source_urls=view.source_urls, notes=view.notes
        )
    except ExecutionError as error:  # the views extra is missing: the rest is drawn
        notes.append(f"No network page: {error}")
    pages["map.html"] = render_map(
        build_network(store, as_of=when, include_planned=True),
        title=f"reegraph: the rare-earth supply chain on a map, {when.isoformat()}",
    )
    scenarios = []
    for name, title in app.scenario_titles():
        file, flows = f"scenario-{name}.html", f"scenario-{name}-flows.html"
        pages[file] = render_scenario_html(app.run_scenario(store, name))
        pages[flows] = render_flows_page(app.flow_view(store, scenario=name))
        scenarios.append((file, flows, name, title))
    pages["scenarios.html"] = render_scenarios_index(scenarios)
    pages["sources.html"] = render_sources_page(app.list_sources(store), app.find_estimates(store))
    pages["data-card.html"] = render_data_card((data_root() / "graphs" / "README.md").read_text(encoding="utf-8"))
    pages["ontology.html"] = render_ontology_page(app.ontology_terms(store), namespace=str(REE))
    top = [(f"{c.label}, {c.stage}", c.why) for c in found.chokepoints[:5]]
    pages["index.html"] = render_index(
        app.info(store), as_of=when.isoformat(), version=_version(), files=[*pages, "index.html"], top=top, notes=notes
    )
    files = list(pages)
    return {
        name: with_nav(html, nav("scenarios.html" if name.startswith("scenario-") else name, files))
        for name, html in pages.items()
    }


def _version() -> str:
    try:
        return version("reegraph")
    except PackageNotFoundError:  # a checkout that was never installed
        return "(not installed)"


def write_site(pages: dict[str, str], folder: Path) -> None:
    """Write ``pages`` (file name: HTML) as the folder ``folder``, replacing a site reegraph wrote
    there before; nothing is changed where any step fails.

    The mark file lists the files written, so a folder where anything else was added since (a note,
    a page of one's own, a folder in place of a page) is refused rather than replaced.

    Raises
    ------
    InputError
        ``folder`` is a file, or a folder that holds what reegraph did not write (or that an older
        reegraph wrote, whose mark lists nothing), or cannot be read or written.
    """
    try:
        try:
            target = Path(os.path.abspath(folder)).resolve()
        except RuntimeError:  # a symlink loop (Python 3.13 raises OSError, caught below)
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP)) from None
        if target.exists() and not target.is_dir():
            raise InputError(f"{folder}: not a folder")
        foreign = _foreign(target, folder) if target.is_dir() else []
    except OSError as exc:
        raise InputError(f"{folder}: cannot read: {exc.strerror or exc}") from None
    if foreign:
        named = ", ".join(ascii(name) for name in foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise InputError(f"{folder}: holds files reegraph did not write ({named}); give a new or empty folder")
    new = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        new = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        new.mkdir()  # (as any new folder: the umask applies)
        for name, html in pages.items():
            (new / name).write_text(html, encoding="utf-8")
        (new / MARK).write_text(_MARK_HEAD + "".join(f"{name}\n" for name in sorted(pages)), "utf-8")
        _swap(new, target, folder)
        new = None
    except OSError as exc:
        raise InputError(f"{folder}: cannot write: {exc.strerror or exc}") from None
    finally:
        if new is not None:
            shutil.rmtree(new, ignore_errors=True)


#: The first line of the mark file; the files the site holds follow, one per line.
_MARK_HEAD = "A site written by reegraph site, which may replace this folder while it holds only these files:\n"

#: The whole mark file of a site written by an older reegraph, before the mark listed the files written.
_OLD_MARK = "A site written by reegraph site; the command replaces this folder."


def _foreign(target: Path, folder: Path) -> list[str]:
    """The names in the folder ``target`` that its mark file does not list (all of them when it has
    none), sorted; a name listed that is now a folder or a symbolic link is not one reegraph wrote,
    and counts among them.

    Raises
    ------
    InputError
        The mark is one an older reegraph wrote, which lists no files, so what the folder holds
        cannot be checked.
    OSError
        The folder or its mark cannot be read.
    """
    names = {entry.name for entry in target.iterdir()}
    listed: set[str] = set()
    if MARK in names and _plain_file(target / MARK):
        with (target / MARK).open(encoding="utf-8", errors="replace") as lines:
            text = lines.read(1 << 20)  # (a site lists a few dozen names; a larger mark is not one reegraph wrote)
        if text.startswith(_MARK_HEAD):
            listed = {*text[len(_MARK_HEAD) :].splitlines(), MARK}
        elif text.splitlines()[:1] == [_OLD_MARK]:
            raise InputError(
                f"{folder}: written by an older reegraph, whose mark does not list the files it wrote, so what the"
                " folder holds cannot be checked; remove it or choose another folder"
            )
    return sorted(names - {name for name in listed & names if _plain_file(target / name)})


def _plain_file(path: Path) -> bool:
    """Whether ``path`` is a file itself: not a folder, nor a symbolic link (to anything)."""
    return stat.S_ISREG(path.lstat().st_mode)


def _swap(new: Path, target: Path, folder: Path) -> None:
    """Rename the folder ``new`` to ``target``; a site already there is moved aside first and deleted
    only once the new one is in place, and put back if that fails (or the run is interrupted)."""
    if not target.exists():
        os.replace(new, target)
        return
    aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
    try:
        os.replace(target, aside / "site")
    except BaseException:  # the old site was not moved: the empty folder beside it goes
        with contextlib.suppress(OSError):
            aside.rmdir()
        raise
    try:
        os.replace(new, target)
    except BaseException:
        try:
            os.replace(aside / "site", target)
        except OSError:
            raise InputError(
                f"{folder}: cannot write, and the site written before could not be put back: it is in {aside / 'site'}"
            ) from None
        aside.rmdir()
        raise
    shutil.rmtree(aside, ignore_errors=True)
