"""Measure the temporal resolver against annotated corpora (TimeML / TempEval-3 Task A)."""

from timeline.evaluate.timeml import Report, evaluate, format_report, to_timeml

__all__ = ["Report", "evaluate", "format_report", "to_timeml"]
