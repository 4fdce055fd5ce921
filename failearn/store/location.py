"""Where a store lives: a SQLite file, or a PostgreSQL database named by a URL.

``--db``, ``FAILEARN_DB`` and ``db = …`` in the configuration all take the
same forms:

* ``postgresql://user@host:5432/name`` (or ``postgres://…``): PostgreSQL,
  through psycopg.  A password may be in the URL, but it is better kept in
  ``PGPASSWORD`` or ``~/.pgpass``, which libpq reads as usual;
* ``sqlite:PATH`` or ``sqlite:///ABSOLUTE/PATH``: a SQLite file;
* anything else: a SQLite file path.

A location is a :class:`~pathlib.Path` (SQLite) or a ``str`` (a PostgreSQL URL).
Whatever failearn prints of a location goes through :func:`display`, which
masks a password, so a URL never shows its credentials in a message, a log or
``--format json``.  Nothing here imports a database driver.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

Location = Path | str

_POSTGRES = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)
_SQLITE = re.compile(r"^sqlite:", re.IGNORECASE)
_MASK = "***"


def parse(text: str, base: Path | None = None) -> Location:
    """The location ``text`` names; a relative SQLite path is taken from ``base`` if given."""
    value = text.strip()
    if _POSTGRES.match(value):
        return value
    if _SQLITE.match(value):
        value = value[len("sqlite:") :]
        if value.startswith("//"):
            value = value[2:]  # sqlite:///abs/path -> /abs/path
    path = Path(value).expanduser()
    return path if path.is_absolute() or base is None else base / path


def is_postgres(location: Location) -> bool:
    return isinstance(location, str) and bool(_POSTGRES.match(location))


def display(location: Location) -> str:
    """The location as failearn shows it: a path, or a URL with any password masked."""
    if not is_postgres(location):
        return str(location)
    return mask(str(location))


def mask(text: str) -> str:
    """``text`` with the password of every PostgreSQL URL in it masked (for messages that
    quote a driver's error, which may repeat the URL)."""
    return re.sub(
        r"postgres(?:ql)?://[^\s'\"]+", lambda m: _mask_url(m.group(0)), text, flags=re.IGNORECASE
    )


def _mask_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^@/]*@", f"//{_MASK}@", url)
    query = re.sub(r"(?i)(password=)[^&]*", rf"\g<1>{_MASK}", parts.query)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":" + _MASK
        netloc = f"{userinfo}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
