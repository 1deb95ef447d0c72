"""A manufacturer's products (``reegraph exposure PRODUCTS.csv``): a plain CSV, read and checked.

One row per product and element (or component), with a header row naming the columns, in any
order::

    product,units_per_year,element,component,content_kg_per_unit,region,supplier_country
    Traction motor M1,120000,Dy,,0.03,EU,CN
    Fin actuator,2000,,component/smco-actuator,,US,

- ``product`` and ``units_per_year`` (a number above 0) are required;
- ``element`` (a symbol such as ``Dy``) or ``component`` (a component of the graph, such as
  ``smco-actuator``), one of the two;
- ``content_kg_per_unit``: kg of the element in one unit (needed to give tonnes a year; optional);
- ``region``: where the product is made, ``CN``, ``US``, ``EU``, ``JP`` or ``ROW`` (default ``ROW``);
- ``supplier_country``: an ISO code, recorded as given;
- ``end_use``: the end use the product goes into (such as ``electric-cars``); without it, the
  worst of the civil end uses that take the element stands for it;
- ``stock_days``: days of the product's need for the element held in stock (default: the
  scenario's stock for the region).

Reading needs no store: names the graph must know (elements, components) are checked against it by
:func:`reegraph.app.exposure`. Every error names the file and the line.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from reegraph.errors import InputError
from reegraph.model import REGION_CODES

#: The columns a products file may have; the first two are required.
COLUMNS = ("product", "units_per_year", "element", "component", "content_kg_per_unit", "region", "supplier_country",
           "end_use", "stock_days")  # fmt: skip
#: The largest products file read, and the most rows.
MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 10_000


@dataclass(frozen=True)
class Product:
    """One row of a products file."""

    line: int
    name: str
    units_per_year: float
    element: str
    component: str
    content_kg_per_unit: float | None
    region: str
    supplier_country: str
    end_use: str = ""
    stock_days: float | None = None


def read_products(path: Path) -> tuple[Product, ...]:
    """The rows of a products CSV file, checked.

    Raises
    ------
    InputError
        The file cannot be read or is too large; its header lacks a required column or has an
        unknown one; a row has a missing or bad value (the message names the line).
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path}: {size:,} bytes is more than the {MAX_BYTES:,} a products file may have")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        unknown = [h for h in header if h not in COLUMNS]
        missing = [c for c in COLUMNS[:2] if c not in header]
        if unknown or missing or len(set(header)) != len(header):
            said = (
                f"unknown column {unknown[0]!r}"
                if unknown
                else f"no {missing[0]!r} column"
                if missing
                else "a column twice"
            )
            raise InputError(f"{path}: line 1: {said} (columns: {', '.join(COLUMNS)})")
        rows: list[Product] = []
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise InputError(f"{path}: line {line}: more than {MAX_ROWS:,} products")
            if len(cells) != len(header):
                raise InputError(f"{path}: line {line}: {len(cells)} cells, the header has {len(header)}")
            rows.append(_product(path, line, dict(zip(header, (c.strip() for c in cells), strict=True))))
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: not CSV: {exc}") from None
    if not rows:
        raise InputError(f"{path}: no products (a header row and one row per product)")
    return tuple(rows)


def _product(path: Path, line: int, row: dict[str, str]) -> Product:
    where = f"{path}: line {line}"
    name = row["product"]
    if not name or len(name) > 200:
        raise InputError(f"{where}: product must be a name of 1 to 200 characters")
    units = _number(where, "units_per_year", row["units_per_year"])
    if units is None or units <= 0:
        raise InputError(f"{where}: units_per_year must be a number above 0")
    element, component = row.get("element", ""), row.get("component", "")
    if bool(element) == bool(component):
        raise InputError(f"{where}: give an element or a component (one of them)")
    if element and not re.fullmatch(r"[A-Z][a-z]?", element):
        raise InputError(f"{where}: element {element[:20]!r} is not an element symbol such as Dy")
    if component and not re.fullmatch(r"(component/)?[a-z0-9][a-z0-9-]{0,80}", component):
        raise InputError(f"{where}: component {component[:40]!r} is not a component id such as smco-actuator")
    content = _number(where, "content_kg_per_unit", row.get("content_kg_per_unit", ""))
    if content is not None and content < 0:
        raise InputError(f"{where}: content_kg_per_unit must be a number of kg, 0 or more")
    region = row.get("region", "") or "ROW"
    if region not in REGION_CODES:
        raise InputError(f"{where}: region {region[:20]!r} is none of {', '.join(REGION_CODES)}")
    supplier = row.get("supplier_country", "")
    if supplier and not re.fullmatch(r"[A-Z]{2}", supplier):
        raise InputError(f"{where}: supplier_country {supplier[:20]!r} is not an ISO 3166-1 code such as CN")
    end_use = row.get("end_use", "")
    if end_use and not re.fullmatch(r"(end-use/)?[a-z0-9][a-z0-9-]{0,80}", end_use):
        raise InputError(f"{where}: end_use {end_use[:40]!r} is not an end-use id such as electric-cars")
    stock = _number(where, "stock_days", row.get("stock_days", ""))
    if stock is not None and not 0 <= stock <= 36_500:
        raise InputError(f"{where}: stock_days must be a number of days from 0 to 36500")
    short = component.removeprefix("component/")
    return Product(
        line, name, units, element, short, content, region, supplier, end_use.removeprefix("end-use/"), stock
    )


def _number(where: str, column: str, text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text) else text)
    except ValueError:
        raise InputError(f"{where}: {column} {text[:20]!r} is not a number") from None
    if not math.isfinite(value) or value > 1e12:
        raise InputError(f"{where}: {column} {text[:20]!r} is not a finite number up to 1e12")
    return value
