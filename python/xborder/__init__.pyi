"""Type stubs of the xborder package (see the module docstring in __init__.py)."""

import datetime
import os
from typing import Any, Dict, Iterable, Literal, Optional, Protocol, Sequence, Tuple, Union

from . import spark as spark

__all__ = ["scan", "Session", "OPTIONS", "XborderError", "UsageError", "InputError", "LedgerError", "IncompleteError"]

StrPath = Union[str, os.PathLike]
Level = Literal["allow", "needs_review", "standard_contract", "security_assessment", "prohibited"]
Procedure = Literal["none", "standard_contract", "security_assessment"]
Report = Dict[str, Any]
"""The JSON report, version 1 (DESIGN.md): version, scanned_at, inputs, columns, persons,
important_data, year_to_date, verdict."""

class ArrowStreamExportable(Protocol):
    def __arrow_c_stream__(self, requested_schema: Optional[object] = ...) -> object: ...

class ArrowArrayExportable(Protocol):
    def __arrow_c_array__(self, requested_schema: Optional[object] = ...) -> Tuple[object, object]: ...

OPTIONS: Tuple[str, ...]

class XborderError(Exception): ...
class UsageError(XborderError, ValueError): ...
class InputError(XborderError): ...
class LedgerError(XborderError): ...

class IncompleteError(XborderError):
    report: Optional[Report]
    def __init__(self, message: str, report: Optional[Report] = ...) -> None: ...

def scan(
    paths: Union[StrPath, Sequence[StrPath]],
    *,
    allow_incomplete: bool = ...,
    policy: Optional[StrPath] = ...,
    as_of: Union[str, datetime.date, None] = ...,
    exporter: Optional[str] = ...,
    ciio: bool = ...,
    sector: Optional[str] = ...,
    scenario: Union[str, Sequence[str], None] = ...,
    zone_registered: bool = ...,
    catalogue: Optional[StrPath] = ...,
    ledger: Optional[StrPath] = ...,
    record: bool = ...,
    procedure: Optional[Procedure] = ...,
    fail_at: Optional[Level] = ...,
    persons: Optional[Literal["exact", "sketch"]] = ...,
    threads: Optional[int] = ...,
    batch_size: Optional[int] = ...,
    input_format: Optional[Literal["csv", "json", "parquet"]] = ...,
    encoding: Optional[str] = ...,
    detectors: Union[StrPath, Sequence[StrPath], None] = ...,
    show_values: bool = ...,
) -> Report:
    """Scan files, directories and globs as one export; the JSON report with its verdict.
    Raises UsageError (a ValueError) naming a bad option, IncompleteError when an input could
    not be read whole (unless allow_incomplete)."""

class Session:
    """A scan over Arrow data (pyarrow, Polars, pandas, DuckDB: the PyCapsule interface)."""

    def __init__(
        self,
        *,
        policy: Optional[StrPath] = ...,
        as_of: Union[str, datetime.date, None] = ...,
        exporter: Optional[str] = ...,
        ciio: bool = ...,
        sector: Optional[str] = ...,
        scenario: Union[str, Sequence[str], None] = ...,
        zone_registered: bool = ...,
        catalogue: Optional[StrPath] = ...,
        ledger: Optional[StrPath] = ...,
        record: bool = ...,
        procedure: Optional[Procedure] = ...,
        fail_at: Optional[Level] = ...,
        persons: Optional[Literal["exact", "sketch"]] = ...,
        threads: Optional[int] = ...,
        detectors: Union[StrPath, Sequence[StrPath], None] = ...,
        show_values: bool = ...,
    ) -> None: ...
    def scan(self, data: Union[ArrowStreamExportable, ArrowArrayExportable], name: str = ...) -> int:
        """Scan data as (part of) the input `name`; returns the rows read."""
    def report(self, *, allow_incomplete: bool = ...) -> Report:
        """The report of everything scanned, verdict filled (recorded once with record=True)."""
    @property
    def blocked(self) -> bool: ...
