"""Type stubs of xborder.spark."""

import datetime
import os
from typing import Any, Dict, Literal, Mapping, Optional, Sequence, Union

from pyspark.sql import DataFrame

Report = Dict[str, Any]

def assess(
    df: Union[DataFrame, Mapping[str, DataFrame]],
    *,
    allow_incomplete: bool = ...,
    stats: Optional[Dict[str, Any]] = ...,
    policy: Optional[Union[str, os.PathLike]] = ...,
    as_of: Union[str, datetime.date, None] = ...,
    exporter: Optional[str] = ...,
    ciio: bool = ...,
    sector: Optional[str] = ...,
    scenario: Union[str, Sequence[str], None] = ...,
    zone_registered: bool = ...,
    catalogue: Optional[Union[str, os.PathLike]] = ...,
    ledger: Optional[Union[str, os.PathLike]] = ...,
    record: bool = ...,
    procedure: Optional[Literal["none", "standard_contract", "security_assessment"]] = ...,
    fail_at: Optional[str] = ...,
    persons: Optional[Literal["exact"]] = ...,
    threads: Optional[int] = ...,
    detectors: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]], None] = ...,
    show_values: bool = ...,
) -> Report:
    """The report for a Spark DataFrame (or a dict of name -> DataFrame judged as one export),
    persons counted exactly however the rows are partitioned."""
