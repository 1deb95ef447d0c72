"""Renderers: results to text, Markdown, CSV, JSON and self-contained HTML pages. They never print."""
