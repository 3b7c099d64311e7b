"""Scoring the tool against public gold data (TimeML for dates, journalists' timelines for TLS)."""
