"""Cells of the CSV files people open in a spreadsheet."""

from typing import Any

# A cell starting with one of these is run as a formula by Excel and LibreOffice (an account id
# or a name like =HYPERLINK(…) would be a link, or worse); tab and CR start one too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value, with a quote before a string that a spreadsheet would read as a formula
    ('=1+2' → "'=1+2"); anything else unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
