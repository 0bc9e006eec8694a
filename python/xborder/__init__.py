"""xborder: find personal information in outbound datasets and say which Chinese cross-border
procedure applies — the same report and verdict as the ``xborder`` command line.

>>> import xborder
>>> report = xborder.scan("sample_data/", as_of="2026-11-28")          # doctest: +SKIP
>>> report["persons"]["total"], report["verdict"]["level"]             # doctest: +SKIP
(330, 'standard_contract')

Arrow data (a pyarrow ``RecordBatch``/``Table``, or anything exporting the Arrow PyCapsule
stream interface: Polars, pandas through pyarrow, DuckDB) is scanned without copies::

    s = xborder.Session(exporter="acme", as_of="2026-11-28")
    s.scan(table, name="customers")
    report = s.report()

``xborder.spark.assess(df, **options)`` gives the same report for a Spark DataFrame.

Options mirror the CLI's flags by name: ``policy, as_of, exporter, ciio, sector, scenario,
zone_registered, catalogue, ledger, record, procedure, fail_at, persons, threads, batch_size,
input_format, encoding, detectors, show_values``. A bad option raises :class:`UsageError` (a
``ValueError``) naming it. Reports never hold raw values (unless ``show_values=True``), nor do
exception messages.
"""

import json as _json


class XborderError(Exception):
    """Base class of xborder's errors. Messages name the file, the place and the column, and
    never quote a cell value."""


class UsageError(XborderError, ValueError):
    """A bad option or value (the CLI's exit code 2)."""


class InputError(XborderError):
    """An input could not be read (Arrow data from Python that failed mid-stream)."""


class LedgerError(XborderError):
    """The ledger database failed."""


class IncompleteError(XborderError):
    """An input could not be read whole (the CLI's exit code 3). The verdict of the part read is
    only a lower bound, so it is never returned as if it were clean; the report is in
    :attr:`report` (its inputs say which ones are incomplete, and why)."""

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report


from . import _xborder  # noqa: E402  (the exceptions above must exist first: the module raises them)

__all__ = [
    "scan",
    "Session",
    "OPTIONS",
    "XborderError",
    "UsageError",
    "InputError",
    "LedgerError",
    "IncompleteError",
]

#: The option names of :func:`scan`, :class:`Session` and :func:`xborder.spark.assess`.
OPTIONS = tuple(_xborder.option_names())


def _finish(outcome, allow_incomplete):
    report = _json.loads(outcome.report_json)
    if not outcome.complete and not allow_incomplete:
        detail = "; ".join(outcome.errors) or "an input could not be read whole"
        raise IncompleteError(f"incomplete: {detail}", report)
    return report


def scan(paths, *, allow_incomplete=False, **options):
    """Scan files, directories (recursive) and globs as one export and return the JSON report
    (version 1) as a dict, with its ``verdict`` and ``year_to_date`` filled.

    ``paths`` is a path or a list of paths. Options are the CLI's flags by name (see the module
    documentation); ``record=True`` with ``ledger=PATH`` records the export unless it is blocked
    or incomplete, as ``--record`` does.

    An input that cannot be read whole raises :class:`IncompleteError` (its ``report``
    attribute holds the report); pass ``allow_incomplete=True`` to get the report instead, whose
    ``inputs[i]["complete"]`` is then false for that input.
    """
    return _finish(_xborder.scan(paths, **options), allow_incomplete)


class Session:
    """A scan over Arrow data from Python, judged as one export by :meth:`report`.

    Each :meth:`scan` call reads one Arrow object (pyarrow ``RecordBatch``, ``Table`` or
    ``RecordBatchReader``; a Polars or pandas DataFrame; a DuckDB result; anything with
    ``__arrow_c_stream__``) without copying it. Calls with the same ``name`` are one input:
    rows sharing a key across calls and inputs are one person.
    """

    def __init__(self, **options):
        self._inner = _xborder.Session(**options)
        self._report = None

    def scan(self, data, name="memory"):
        """Scan ``data`` as (part of) the input ``name``; returns the rows read."""
        return self._inner.scan(data, name)

    def report(self, *, allow_incomplete=False):
        """The JSON report (version 1) of everything scanned, verdict filled; with ``record``
        and ``ledger`` the export is recorded (once: a second call returns the same report)."""
        if self._report is None:
            self._outcome = self._inner.assess()
            self._report = _json.loads(self._outcome.report_json)
        if not self._outcome.complete and not allow_incomplete:
            detail = "; ".join(self._outcome.errors) or "an input could not be read whole"
            raise IncompleteError(f"incomplete: {detail}", self._report)
        return self._report

    @property
    def blocked(self):
        """After :meth:`report`: the verdict is at or above ``fail_at`` (the CLI would exit 1)."""
        return self._outcome.blocked

from . import spark  # noqa: E402,F401  (pyspark itself is imported only when assess runs)
