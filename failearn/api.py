"""A small Python API for notebooks: a store's tables as pandas DataFrames.

    >>> import failearn.api as fl
    >>> incidents = fl.incidents("failearn.db")            # or a postgresql:// URL
    >>> incidents.groupby(["service", "failure_class"]).size().nlargest(5)
    >>> patterns = fl.patterns("failearn.db")              # as the newest cluster run left them
    >>> rules = fl.rules("failearn.db")
    >>> events = fl.events("failearn.db")                  # the registry's event log

Each function opens the store read-only in spirit (it never writes), reads one
consistent snapshot, and returns a :class:`pandas.DataFrame` with the columns
``failearn export`` writes (list columns as Python lists).  pandas is imported
only when one of these is called (``pip install 'failearn[notebook]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from failearn.errors import UsageError
from failearn.store import Store
from failearn.store import export as sql

if TYPE_CHECKING:
    import pandas


def frame(db: str | Path, what: str) -> pandas.DataFrame:
    """The rows of ``what`` (see :data:`failearn.store.export.WHAT`) as a DataFrame."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise UsageError(
            "the notebook API needs pandas", hint="pip install 'failearn[notebook]'"
        ) from exc
    if what not in sql.WHAT:
        raise UsageError(f"what must be one of {', '.join(sql.WHAT)}, not {what!r}")
    with Store.open(db, create=False) as store, store.snapshot():
        columns = [c.name for c in sql.columns(store, what)]
        return pd.DataFrame.from_records(list(sql.rows(store, what)), columns=columns)


def incidents(db: str | Path = "failearn.db") -> pandas.DataFrame:
    """One row per incident, oldest first, with its error messages, trace ids and
    dependencies as lists."""
    return frame(db, "incidents")


def reports(db: str | Path = "failearn.db") -> pandas.DataFrame:
    """One row per stored record (the reports incidents are merged from)."""
    return frame(db, "reports")


def patterns(db: str | Path = "failearn.db") -> pandas.DataFrame:
    """One row per recurring pattern, as the newest cluster run left it."""
    return frame(db, "patterns")


def rules(db: str | Path = "failearn.db") -> pandas.DataFrame:
    """The learning registry's rules."""
    return frame(db, "rules")


def events(db: str | Path = "failearn.db") -> pandas.DataFrame:
    """The registry's append-only event log."""
    return frame(db, "events")
