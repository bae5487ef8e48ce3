"""Query parameters shared by the routes, each with a type, a range and a length limit.

Bounds live here rather than in the library so that an out-of-range value (a 21-digit
year that SQLite cannot bind, a 10 MB query string) is a 422 before any work is done.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# Lists are dated by year; anything outside this range names no list and could overflow SQLite.
MIN_YEAR, MAX_YEAR = 1949, 2100
# Names and filter values are short; the longest bundled department name is under 30 characters.
MAX_NAME_CHARS = 100
# Free-text queries: the search engine's own limit is 500 characters.
MAX_QUERY_CHARS = 500
MAX_TOP_K = 100

Year = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="Only this year, e.g. 2024.")]
Jurisdiction = Annotated[str | None, Query(max_length=MAX_NAME_CHARS,
                                           description="Jurisdiction name, short name (章丘) or code.")]
Department = Annotated[str | None, Query(max_length=MAX_NAME_CHARS, description="Department name or alias.")]
Official = Annotated[str | None, Query(max_length=MAX_NAME_CHARS, description="Lead official's name.")]
Theme = Annotated[str | None, Query(max_length=MAX_NAME_CHARS, description="Theme or target type, e.g. 养老.")]
# At least one character that is not blank to Python's str.strip(), which the engine applies:
# besides Unicode White_Space (the schema's \s) it strips the separators U+001C-U+001F.
SearchText = Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"[^\s\x1c-\x1f]",
                                  description="The query, e.g. 养老床位")]
TopK = Annotated[int, Query(ge=1, le=MAX_TOP_K, description="Number of results.")]
