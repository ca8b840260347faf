"""carnet's one exception tree.

Every error carnet raises on purpose is a :class:`CarnetError`. Each class carries the
``error_code`` written on the wire (MLflow's names, so an MLflow client understands them),
the ``http_status`` the server answers with, and the ``exit_code`` the CLI exits with::

    CarnetError                      INTERNAL_ERROR            500
    ├── InvalidArgument              INVALID_PARAMETER_VALUE   400
    │   ├── InvalidName              INVALID_PARAMETER_VALUE   400
    │   ├── InvalidValue             INVALID_PARAMETER_VALUE   400
    │   ├── LimitExceeded            INVALID_PARAMETER_VALUE   400
    │   └── InvalidFilter            INVALID_PARAMETER_VALUE   400
    ├── NotFound                     RESOURCE_DOES_NOT_EXIST   404
    ├── AlreadyExists                RESOURCE_ALREADY_EXISTS   400
    ├── Conflict                     INVALID_PARAMETER_VALUE   400
    │   └── ParamConflict            INVALID_PARAMETER_VALUE   400
    ├── InvalidState                 INVALID_STATE             400
    │   ├── RunNotActive             INVALID_STATE             400
    │   ├── NotAvailableOffline      INVALID_STATE             400
    │   ├── UntrustedModel           INVALID_STATE             400
    │   └── JobFailed                INVALID_STATE             400
    └── StoreError                   INTERNAL_ERROR            500
        └── SchemaOutOfDate          INTERNAL_ERROR            500

A ``CarnetError`` raised by a remote store is rebuilt from ``error_code`` into the same
class, so code behaves the same against a local database and a server.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CarnetError(Exception):
    """Root of every error carnet raises on purpose."""

    error_code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The wire form: ``{"error_code": ..., "message": ...}`` (plus ``field`` when known)."""
        body: dict[str, Any] = {"error_code": self.error_code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidArgument(CarnetError):
    """A caller passed something carnet cannot accept."""

    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400
    exit_code = 2


class InvalidName(InvalidArgument):
    """A name (experiment, run, metric, param, tag, file) is empty, too long or path-like."""


class InvalidValue(InvalidArgument):
    """A value has the wrong type or shape (a string where a number is needed, ragged columns, ...)."""


class LimitExceeded(InvalidArgument):
    """A documented size limit was passed (value length, columns per row, batch size)."""


class InvalidFilter(InvalidArgument):
    """A search filter or order-by clause could not be parsed or does not make sense."""


class NotFound(CarnetError):
    """An experiment, run, file or other object does not exist."""

    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404
    exit_code = 3


class AlreadyExists(CarnetError):
    """An object with that unique name exists already."""

    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 400
    exit_code = 2


class Conflict(CarnetError):
    """The request contradicts what is already stored."""

    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400
    exit_code = 2


class ParamConflict(Conflict):
    """A param was logged again with a different value (params are immutable, like MLflow's)."""


class InvalidState(CarnetError):
    """The object is in a state that does not allow the operation."""

    error_code = "INVALID_STATE"
    http_status = 400
    exit_code = 2


class RunNotActive(InvalidState):
    """Something was logged to a run that has finished (completed, failed or canceled) or was deleted."""


class NotAvailableOffline(InvalidState):
    """A call needs the carnet server, and carnet is offline (``CARNET_MODE=offline``)."""


class UntrustedModel(InvalidState):
    """Loading a model would run code from its files (a pickle, or a skops file naming types nobody
    trusted) and the caller has not opted in."""


class JobFailed(InvalidState):
    """A job ended Failed (or Canceled) while a caller waited for it to complete."""


class StoreError(CarnetError):
    """The backing database or artifact store failed in a way the caller cannot fix by changing input."""


class SchemaOutOfDate(StoreError):
    """The database was created by an older carnet: run ``carnet db upgrade``."""


_BY_CODE: dict[str, type[CarnetError]] = {
    cls.error_code: cls for cls in (CarnetError, InvalidArgument, NotFound, AlreadyExists, InvalidState)
}


def _all_classes(root: type[CarnetError]) -> dict[str, type[CarnetError]]:
    found = {root.__name__: root}
    for sub in root.__subclasses__():
        found.update(_all_classes(sub))
    return found


def error_from_dict(body: dict[str, Any]) -> CarnetError:
    """Rebuild an error from its wire form (the inverse of :meth:`CarnetError.to_dict`).

    When the body names carnet's class (``error_class``, as carnet's server sends it) and that class
    has the same ``error_code``, the very same class comes back (``ParamConflict``, not just
    ``InvalidArgument``); otherwise the class is picked from ``error_code``.
    """
    code = str(body.get("error_code"))
    cls = _BY_CODE.get(code, CarnetError)
    named = _all_classes(CarnetError).get(str(body.get("error_class")))
    if named is not None and named.error_code == code:
        cls = named
    field = body.get("field")
    return cls(str(body.get("message", "")), field=str(field) if field is not None else None)
