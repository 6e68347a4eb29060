"""Monthly bulletins 简报: a township's or county's month in figures, charts and a PDF."""
