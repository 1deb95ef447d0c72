"""Seeded generator of ontology-conformant, supply-chain-shaped graphs (Turtle), for benchmarks.

Layers mine -> concentration -> separation -> metal -> magnet -> component, with stage fractions
22/8/10/14/24/22 % of the facilities; 25 countries with China weighted ~40 % (and more at separation
and metal); companies Zipf-weighted; each facility has a sourced production quantity and one or two
supply links from the previous stage chosen preferentially, so hubs and chokepoints appear.
About 22 triples per facility.

    python bench/generate.py --triples 100000 -o bench/out/synth-1e5.ttl
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

STAGES = [
    ("Mine", 0.22),
    ("ConcentrationPlant", 0.08),
    ("SeparationPlant", 0.10),
    ("MetalAlloyPlant", 0.14),
    ("MagnetPlant", 0.24),
    ("ComponentPlant", 0.22),
]
COUNTRIES = [
    "CN",
    "US",
    "AU",
    "MM",
    "MY",
    "JP",
    "VN",
    "IN",
    "RU",
    "BR",
    "TH",
    "NG",
    "MG",
    "EE",
    "FR",
    "DE",
    "KR",
    "GB",
    "CA",
    "KZ",
    "LA",
    "ZA",
    "TZ",
    "GL",
    "UZ",
]
ELEMENTS = [
    "La",
    "Ce",
    "Pr",
    "Nd",
    "Sm",
    "Eu",
    "Gd",
    "Tb",
    "Dy",
    "Ho",
    "Er",
    "Tm",
    "Yb",
    "Lu",
    "Y",
    "Sc",
    "Pm",
]
TRIPLES_PER_FACILITY = 22

HEADER = """@prefix ree: <https://w3id.org/reegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix s: <https://example.org/synth/> .
@prefix el: <https://w3id.org/reegraph/id/element/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def generate(triples: int, *, seed: int = 42) -> str:
    """Turtle text of a synthetic graph with about ``triples`` triples."""
    rng = random.Random(seed)
    n = max(len(STAGES) * 2, triples // TRIPLES_PER_FACILITY)
    out = [HEADER]
    for code in COUNTRIES:
        out.append(f's:c-{code} a ree:Country ; rdfs:label "Country {code}" ; ree:isoCode "{code}" .\n')
    for i in range(50):
        out.append(f's:src{i} a ree:Source ; dcterms:title "Synthetic source {i}" ; dcterms:publisher "Bench" .\n')
    companies = max(4, n // 8)
    zipf = [1 / (k + 1) for k in range(companies)]
    for k in range(companies):
        out.append(
            f's:org{k} a ree:Organization ; rdfs:label "Company {k}" ; ree:headquarters s:c-{_country(rng, 0)} .\n'
        )
    previous: list[int] = []
    index = 0
    for stage_number, (cls, fraction) in enumerate(STAGES):
        count = max(2, round(n * fraction))
        current = list(range(index, index + count))
        weights = [1 / (j + 1) ** 0.8 for j in range(len(previous))]
        for f in current:
            operator = rng.choices(range(companies), zipf)[0]
            amount = round(rng.lognormvariate(6, 1.2), 1)
            element = rng.choice(ELEMENTS)
            out.append(
                f's:f{f} a ree:{cls} ; rdfs:label "Facility {f}" ; ree:country s:c-{_country(rng, stage_number)} ;\n'
                f"  ree:operator s:org{operator} ; ree:status ree:Operating ; prov:wasDerivedFrom s:src{f % 50} ;\n"
                f'  ree:reviewed "2026-12-03"^^xsd:date ;\n'
                f"  ree:hasQuantity s:q{f} .\n"
                f"s:q{f} a ree:Quantity ; ree:quantityKind ree:Production ; ree:value {amount} ;\n"
                f"  ree:unit unit:TONNE ; ree:basis ree:REO ; ree:year {2020 + f % 5} ; ree:element el:{element} ;\n"
                f"  ree:confidence ree:Reported ;\n"
                f"  prov:wasDerivedFrom s:src{f % 50} .\n"
            )
            if previous:
                for supplier in sorted(set(rng.choices(previous, weights, k=rng.choice((1, 2))))):
                    out.append(
                        f"s:l{supplier}-{f} a ree:SupplyLink ; ree:supplier s:f{supplier} ; ree:customer s:f{f} ;\n"
                        f"  ree:linkStatus ree:ReportedFlow ; prov:wasDerivedFrom s:src{f % 50} .\n"
                    )
        previous = current
        index += count
    return "".join(out)


def _country(rng: random.Random, stage_number: int) -> str:
    china = 0.4 if stage_number not in (2, 3) else 0.6
    return "CN" if rng.random() < china else rng.choice(COUNTRIES[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(generate(args.triples, seed=args.seed), encoding="utf-8")


if __name__ == "__main__":
    main()
