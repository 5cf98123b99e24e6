"""The ledger of priced usage: the one way priced usage is read (see reader.py)."""

from shared.ledger.reader import (
    Grain,
    HourlyReading,
    Ledger,
    Piece,
    Provisional,
    Query,
    Reading,
    RowFilter,
    local_window,
)

__all__ = ["Grain", "HourlyReading", "Ledger", "Piece", "Provisional", "Query", "Reading", "RowFilter", "local_window"]
