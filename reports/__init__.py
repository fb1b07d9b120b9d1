"""Renderers of results: JSON, JUnit XML, Markdown, HTML."""
