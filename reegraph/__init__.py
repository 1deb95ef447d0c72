"""reegraph: an open knowledge graph of the rare-earth supply chain and the analytics that find
where it breaks.

The Python API (README, "Python API") is what the command line uses::

    import reegraph
    from datetime import date

    store = reegraph.load()                                   # the bundled graph (or data=, endpoint=)
    found = reegraph.report(store, as_of=date(2026, 11, 28))  # chokepoints, concentration, flows
    april = reegraph.run_scenario(store, "china-2025-04", elements=["Dy"])
    rows = reegraph.query(store, "separators-outside-china", {"element": "Tb"})

Every result is a frozen dataclass with ``as_dict()``, its JSON contract. Errors are
:class:`ReegraphError` (:class:`InputError` for bad input, :class:`ExecutionError` for a failed run).
"""

from importlib.metadata import PackageNotFoundError, version

from reegraph.analysis.concentration import Concentration, Share
from reegraph.analysis.flow import StageFlow
from reegraph.analysis.ranking import Chokepoint
from reegraph.app import (
    Comparison,
    Info,
    MonteCarloReport,
    Report,
    ScenarioReport,
    compare,
    info,
    load,
    monte_carlo,
    query,
    read_scenario,
    report,
    run_scenario,
    validate,
)
from reegraph.errors import ExecutionError, InputError, ParseError, ReegraphError
from reegraph.model import Amount
from reegraph.network.ops import make_network
from reegraph.network.project import build_network
from reegraph.rdf.store import Store
from reegraph.rdf.validate import Finding
from reegraph.scenario.spec import ExportControlSpec, NewFacility, Online, ScenarioSpec, Stockpile, Target

try:
    __version__ = version("reegraph")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

__all__ = [
    "Amount",
    "Chokepoint",
    "Comparison",
    "Concentration",
    "ExecutionError",
    "ExportControlSpec",
    "Finding",
    "Info",
    "InputError",
    "MonteCarloReport",
    "NewFacility",
    "Online",
    "ParseError",
    "ReegraphError",
    "Report",
    "ScenarioReport",
    "ScenarioSpec",
    "Share",
    "StageFlow",
    "Stockpile",
    "Store",
    "Target",
    "__version__",
    "build_network",
    "compare",
    "info",
    "load",
    "make_network",
    "monte_carlo",
    "query",
    "read_scenario",
    "report",
    "run_scenario",
    "validate",
]
