"""The error hierarchy shared by the library, the CLI and the API.

The CLI maps each class to an exit code and the API to an HTTP status; both print
the message as one line, so messages name the file or field and what was expected.
"""

from __future__ import annotations


class MinshengError(Exception):
    """Base class for every error minsheng reports to a user."""

    exit_code = 1
    http_status = 400


class InputError(MinshengError):
    """A document or argument could not be read or did not contain what was expected."""


class NotFoundError(MinshengError):
    """A commitment, department, official or file named by the user does not exist."""

    http_status = 404


class QueryError(MinshengError):
    """A search or SPARQL query is empty, too long, malformed or not allowed."""


class ModelError(MinshengError):
    """An embedding model is not available offline, or an index was built with another model."""

    http_status = 409


class StoreError(MinshengError):
    """The workspace store is missing, corrupt or from an incompatible version."""

    http_status = 500
