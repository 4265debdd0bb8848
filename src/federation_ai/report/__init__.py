"""Governed replay (SPEC §13): what the federation's decisions would have done.

Computation over the replay's steps, standard library only: the :class:`Recorder`
consumes each (event, step result, state) of a replay, passes each snapshot's
``governed.csv`` row on as it is made (and spools it to a temporary file), and keeps
per account only what is bounded by the windows and the days; :func:`build_report`
turns that into ``report.json``'s figures and KPIs.
"""

from federation_ai.report.build import build_report
from federation_ai.report.exposure import Exposure, Multiplier
from federation_ai.report.recorder import Recorder
from federation_ai.report.report_settings import ReportConfig
from federation_ai.report.rows import GOVERNED_HEADER, governed_rows

__all__ = [
    "GOVERNED_HEADER",
    "Exposure",
    "Multiplier",
    "Recorder",
    "ReportConfig",
    "build_report",
    "governed_rows",
]
