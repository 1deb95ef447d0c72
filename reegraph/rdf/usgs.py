"""``reegraph import usgs-mcs``: the USGS Mineral Commodity Summaries data release, read into Turtle.

USGS publishes with each year's summaries one CSV file for every commodity, one value per row (the
layout of the MCS 2026 release, ScienceBase doi:10.5066/P1WKQ63T)::

    MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes,...

This module reads the ``RARE EARTHS`` chapter of such a file: the world mine production and reserves
table (each country's production per year and its reserves), the United States' net import reliance
for compounds and metals, and the sources of its imports. Every figure becomes a ``ree:Quantity``
of the country (or of the world and "other countries" regions) with its year, its confidence
(``Estimated.`` in the notes makes it an estimate), the notes as a comment, and one source, the
edition. What USGS marks as not available (``NA``, ``W``, ``Large``, ``E``) is left out, never read
as zero; ``—`` is USGS's zero; ``>X`` is recorded as the lower bound X, and said so.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV

from reegraph.errors import InputError
from reegraph.rdf.vocab import DATA, REE

#: The columns every row starts with, in this order.
HEADER = ("MCS chapter", "Section", "Commodity", "Country", "Statistics", "Statistics_detail", "Unit", "Year",
          "Value", "Notes")  # fmt: skip
#: The largest file read (the whole 2026 release is about 3 MB).
MAX_BYTES = 64 * 1024 * 1024
#: USGS's country names in the rare-earth chapters, and their ISO 3166-1 codes.
COUNTRIES = {
    "Australia": "AU", "Brazil": "BR", "Burma": "MM", "Canada": "CA", "China": "CN", "Estonia": "EE",
    "Greenland": "GL", "India": "IN", "Japan": "JP", "Kazakhstan": "KZ", "Laos": "LA", "Madagascar": "MG",
    "Malaysia": "MY", "Nigeria": "NG", "Russia": "RU", "South Africa": "ZA", "Tanzania": "TZ", "Thailand": "TH",
    "United States": "US", "Vietnam": "VN",
}  # fmt: skip
#: USGS's rows that are not one country, and the regions they stand for.
REGIONS = {"World total": "region/world", "Other countries": "region/usgs-other-countries"}
#: Values USGS gives where the figure is not known or withheld: left out.
UNKNOWN = {"NA", "W", "LARGE", "E", "XX", ""}

UNIT = Namespace("http://qudt.org/vocab/unit/")
SCHEMA = Namespace("https://schema.org/")


@dataclass(frozen=True)
class Imported:
    """What an import made: the Turtle text, the number of figures, and those left out as unknown."""

    turtle: str
    figures: int
    unknown: int
    edition: int


def import_mcs(path: Path, *, url: str | None = None, accessed: date | None = None) -> Imported:
    """The rare-earth figures of a USGS MCS data-release CSV file as Turtle.

    The edition is the year after the latest year of the world table (MCS 2026 gives 2025's
    estimates); its source is ``source/usgs-mcs-<edition>-rare-earths``, with ``url`` if given and
    ``accessed`` (default: today) as the day the file was read.

    Raises
    ------
    InputError
        The file cannot be read, is too large, is not in the published layout (its header), or has a
        row that cannot be read (the message names the line); a country the module does not know.
    """
    rows = list(_rows(path))
    world = [r for r in rows if r.section == "World Mine Production and Reserves"]
    if not world:
        raise InputError(f"{path}: no RARE EARTHS world mine production rows: is this a USGS MCS data release?")
    edition = max(r.year for r in world) + 1
    source = URIRef(DATA + f"source/usgs-mcs-{edition}-rare-earths")
    g = Graph()
    for prefix, ns in (("ree", REE), ("q", Namespace(DATA + "quantity/")), ("src", Namespace(DATA + "source/")),
                       ("cc", Namespace(DATA + "country/")), ("region", Namespace(DATA + "region/")),
                       ("unit", UNIT), ("prov", PROV), ("dcterms", DCTERMS), ("schema", SCHEMA)):  # fmt: skip
        g.bind(prefix, ns)
    g.add((source, RDF.type, REE.Source))
    g.add((source, DCTERMS.title, Literal(f"Mineral Commodity Summaries {edition} — Rare Earths (data release)")))
    g.add((source, DCTERMS.publisher, Literal("U.S. Geological Survey")))
    g.add((source, DCTERMS.issued, Literal(str(edition), datatype=XSD.gYear)))
    g.add((source, REE.accessed, Literal((accessed or date.today()).isoformat(), datatype=XSD.date)))
    if url:
        g.add((source, SCHEMA.url, URIRef(url)))
    figures = unknown = 0
    for row in rows:
        try:
            made = _figure(row)
        except InputError as exc:
            raise InputError(f"{path}: line {row.line}: {exc}") from None
        if made is None:
            continue
        holder, slug, kind, value, year, comment, extra = made
        if value is None:
            unknown += 1
            continue
        q = URIRef(DATA + f"quantity/usgs-mcs{edition}-{slug}")
        g.add((URIRef(DATA + holder), REE.hasQuantity, q))
        g.add((q, RDF.type, REE.Quantity))
        g.add((q, REE.quantityKind, kind))
        g.add((q, REE.value, Literal(int(value)) if value.is_integer() else Literal(Decimal(str(round(value, 6))))))
        g.add((q, REE.unit, UNIT.TONNE if kind in (REE.Production, REE.Reserves) else UNIT.UNITLESS))
        g.add((q, REE.basis, REE.REO))
        g.add((q, REE.year, Literal(year)))
        if "estimated" in row.notes.lower():
            g.add((q, REE.confidence, REE.Estimate))
            g.add((q, REE.method, Literal(f"Estimated by USGS (Mineral Commodity Summaries {edition}).")))
        else:
            g.add((q, REE.confidence, REE.Reported))
        if kind in (REE.Production, REE.Reserves):
            g.add((q, REE.forStage, REE.MiningStage))
        for p, o in extra:
            g.add((q, p, o))
        if comment:
            g.add((q, RDFS.comment, Literal(comment, lang="en")))
        g.add((q, PROV.wasDerivedFrom, source))
        figures += 1
    return Imported(g.serialize(format="turtle"), figures, unknown, edition)


@dataclass(frozen=True)
class _Row:
    line: int
    section: str
    country: str
    statistics: str
    detail: str
    year: int
    span: str
    value: str
    notes: str


def _rows(path: Path) -> Iterator[_Row]:
    """The RARE EARTHS rows of the file, checked."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: {size:,} bytes is more than the {MAX_BYTES:,} an MCS data release needs")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # the release has been published in Windows-1252
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header[: len(HEADER)]) != HEADER:
            raise InputError(f"{path}: line 1: not the USGS MCS data-release layout (expected {', '.join(HEADER)})")
        for cells in reader:
            if not cells or cells[0].strip().upper() != "RARE EARTHS":
                continue
            line = reader.line_num
            if len(cells) < len(HEADER):
                raise InputError(f"{path}: line {line}: {len(cells)} columns, expected at least {len(HEADER)}")
            span = cells[7].strip()
            found = re.fullmatch(r"(\d{4})(?:\s*[–-]\s*(\d{2}|\d{4}))?", span)
            if not found:
                raise InputError(f"{path}: line {line}: Year {span[:40]!r} is not a year or a span of years")
            start, end = found.groups()
            year = int(start) if end is None else int(start[: 4 - len(end)] + end)
            yield _Row(line, _clean(cells[1]), cells[3].strip(), cells[4].strip(), cells[5].strip(), year, span,
                       cells[8].strip(), _clean(cells[9]))  # fmt: skip
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: not CSV: {exc}") from None


def _clean(text: str) -> str:
    return " ".join(text.replace("\ufffd", "—").split())


def _holder(row: _Row) -> str:
    if row.country in REGIONS:
        return REGIONS[row.country]
    if row.country not in COUNTRIES:
        raise InputError(f"USGS country {row.country[:60]!r} has no ISO code in reegraph.rdf.usgs.COUNTRIES")
    return f"country/{COUNTRIES[row.country]}"


def _figure(row: _Row) -> tuple | None:
    """What a row says, as (holder, slug, kind, value, year, comment, extra triples), or None for a
    row this import does not read; ``value`` None where USGS gives no figure."""
    number, bound = _number(row.value)
    if number is not None and number < 0:
        raise InputError(f"Value {row.value[:40]!r} is negative")
    comment = row.notes
    if bound:
        comment = f"USGS gives more than {number:,.0f}; recorded here as the lower bound. {comment}".strip()
    if row.section == "World Mine Production and Reserves" and row.statistics in ("Production", "Reserves"):
        holder = _holder(row)
        code = holder.rsplit("/", 1)[-1].lower()
        if row.statistics == "Production":
            return holder, f"{code}-mine-{row.year}", REE.Production, number, row.year, comment, ()
        return holder, f"{code}-reserves-{row.year}", REE.Reserves, number, row.year, comment, ()
    if row.statistics == "Net import reliance" and row.detail.endswith("Compounds and metals"):
        share = None if number is None else number / 100
        per = (REE.perUnit, Literal("net imports as a share of apparent U.S. consumption of compounds and metals"))
        return (
            "country/US",
            f"us-net-import-reliance-{row.year}",
            REE.NetImportReliance,
            share,
            row.year,
            comment,
            (per,),
        )
    if row.section == "Import Sources":
        holder = _holder(row)
        share = None if number is None else number / 100
        per = (REE.perUnit, Literal(f"share of U.S. imports of {row.detail.lower()}, {row.span}"))
        slug = f"us-imports-from-{holder.rsplit('/', 1)[-1].lower()}-{row.year}"
        return holder, slug, REE.Share, share, row.year, comment, (per,)
    return None


def _number(value: str) -> tuple[float | None, bool]:
    """A USGS value as a number (``—`` is zero; ``>X`` the lower bound X, flagged), or None."""
    text = value.replace(",", "").replace("\u2014", "—").strip()
    if text in ("—", "-", "--"):
        return 0.0, False
    bound = text.startswith(">")
    text = text.lstrip(">").strip()
    if text.upper() in UNKNOWN or text.startswith("<"):
        return None, False
    try:
        number = float(text)
    except ValueError:
        return None, False
    return (number if number == number and number not in (float("inf"), float("-inf")) else None), bound
