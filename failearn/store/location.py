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
    """The location as failearn shows it: a path, or a URL with any password masked (a
    ``password=`` written in a path, a connection string taken for a file, is masked too)."""
    if not is_postgres(location):
        return _KEYWORD_PASSWORD.sub(rf"\g<1>{_MASK}", str(location))
    return mask(str(location))


def mask(text: str, url: str | None = None) -> str:
    """``text`` with the password of every PostgreSQL URL in it masked (for messages that
    quote a driver's error, which may repeat the URL); with ``url``, every piece of that
    URL's password is masked wherever it shows (a driver may quote a host name that a
    password's unencoded ``@`` cut off)."""
    masked = _URL.sub(lambda m: _mask_url(m.group(0)), text)
    for secret in _secrets(url) if url else []:
        masked = masked.replace(secret, _MASK)
    return masked


_URL = re.compile(r"postgres(?:ql)?://[^\s'\"]+", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(?i)(password\s*=\s*)[^\s&]+")
# Pieces of a password shorter than this are not hunted for in messages (they would mask
# ordinary words).
_SHORTEST_SECRET = 4


def _split_credentials(url: str) -> tuple[str, str, str] | None:
    """(scheme and ``://``, the user information, the rest) of a URL with credentials.

    libpq reads the user information up to an ``@``; a password may hold ``#``, ``?``,
    ``/`` or ``@`` unencoded, which a URL parser takes for the end of the host.  So the
    user information runs to the last ``@`` (over-masking a query that holds one is the
    safe side)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return None
    userinfo, after = rest.rsplit("@", 1)
    return scheme + sep, userinfo, after


def _secrets(url: str) -> list[str]:
    parts = _split_credentials(url)
    if parts is None or ":" not in parts[1]:
        return []
    password = parts[1].split(":", 1)[1]
    pieces = {password, *re.split(r"[@/#?]", password)}
    return sorted((p for p in pieces if len(p) >= _SHORTEST_SECRET), key=len, reverse=True)


def _mask_url(url: str) -> str:
    parts = _split_credentials(url)
    if parts is None:
        return _KEYWORD_PASSWORD.sub(rf"\g<1>{_MASK}", url)
    scheme, userinfo, after = parts
    if ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":" + _MASK
    after = _KEYWORD_PASSWORD.sub(rf"\g<1>{_MASK}", after)
    return f"{scheme}{userinfo}@{after}"
