"""reegraph: an open knowledge graph of the rare-earth supply chain and the analytics that find
where it breaks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reegraph")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"
