"""Curated data files (TOML) shipped with the library."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_resource(name: str) -> dict[str, Any]:
    """Parse one TOML file of this package; cached because every ingest consults them."""
    with resources.files(__name__).joinpath(name).open("rb") as fh:
        return tomllib.load(fh)
