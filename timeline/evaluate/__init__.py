"""Scoring the tool against public gold data (TimeML for dates, journalists' timelines for TLS).

The TimeML / TempEval-3 Task A scorer of the temporal resolver is re-exported here.
"""

from timeline.evaluate.timeml import Report, evaluate, format_report, to_timeml

__all__ = ["Report", "evaluate", "format_report", "to_timeml"]
