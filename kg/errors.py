"""The error hierarchy shared by the library, the CLI and the API.

The CLI maps each class to an exit code and the API to an HTTP status; both print
the message as one line, so messages name the file or field and what was expected.
"""

from __future__ import annotations


class MinshengError(Exception):
    """Base class for every error minsheng reports to a user.

    Exit codes: 1 bad input or not found, 2 usage, 3 store problem.
    """

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

    exit_code = 3
    http_status = 500


class ForbiddenError(MinshengError):
    """The operation is not allowed here: a SPARQL update, a write without the API key."""

    http_status = 403


class UnauthorizedError(MinshengError):
    """A write needs credentials (Authorization: Bearer KEY) that were missing or wrong."""

    http_status = 401


class TooLargeError(InputError):
    """An input exceeds a size limit (bytes, decompressed size, items, nesting, result rows)."""

    http_status = 413


class BusyError(MinshengError):
    """A query or parse ran out of its time limit, or the store is being rebuilt."""

    http_status = 503


class StoreChangedError(StoreError):
    """The database file was removed or replaced under a running process: its data is stale."""

    http_status = 503


class InvalidParameterError(InputError):
    """A request parameter or upload name is malformed or out of range (HTTP 422)."""

    http_status = 422
