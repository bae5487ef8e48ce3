"""Tables flattened into run-on text (placeholder)."""

from __future__ import annotations


def find_runon_tables(lines):  # noqa: ANN001, ANN201
    return []
