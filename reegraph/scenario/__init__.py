"""Scenario files: TOML read into a spec, and a spec resolved against the graph."""
