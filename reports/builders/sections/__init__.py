"""The sections of a справка, a module per section: each function queries (through the gate) and returns a plain
``Section``; ``reports.builders.SECTIONS`` lists them in the справка's order.

Every query here is bounded by the report's territory (``BuildScope``) and reads in bulk: a region's справка of
1,000 schools costs the same handful of queries as a municipality's of 40.
"""

from .diagnostics import diagnostics_section
from .dynamics import dynamics_section
from .events import events_section
from .indicators import indicators_section
from .mentoring import mentoring_section
from .results_data import results_data_table
from .risks import risks_section
from .roadmaps import roadmaps_section
from .shnor_list import list_of, list_section

__all__ = [
    "diagnostics_section",
    "dynamics_section",
    "events_section",
    "indicators_section",
    "list_of",
    "list_section",
    "mentoring_section",
    "results_data_table",
    "risks_section",
    "roadmaps_section",
]
