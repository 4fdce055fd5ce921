"""SQL of incident identity: which incident an id names today.

Ingest merges records into incidents and may later merge two incidents into one
(a record that bridges them), and ``taxonomy migrate`` regroups them; the id an
incident had before a merge is kept in ``incident_aliases``.  A user may also
name an incident by the id of any record in it.  Everything that takes an
incident id from a person, or holds incident ids from an earlier run (the
similarity index, rule evidence), asks here what they name now.
"""

from __future__ import annotations

from collections.abc import Sequence

from failearn.errors import NotFoundError, UsageError
from failearn.store import Store, chunks, marks


def incidents_named(store: Store, text: str) -> list[str]:
    """The incidents ``text`` names: an incident id, else an id it had before a merge, else
    the id of a record merged into it (several when records of one id sit in several)."""
    name = text.strip()
    row = store.conn.execute("SELECT id FROM incidents WHERE id = ?", (name,)).fetchone()
    if row:
        return [str(row[0])]
    row = store.conn.execute(
        "SELECT a.incident_id FROM incident_aliases a JOIN incidents i ON i.id = a.incident_id "
        "WHERE a.alias = ?", (name,)).fetchone()
    if row:
        return [str(row[0])]
    return [str(r[0]) for r in store.conn.execute(
        "SELECT DISTINCT r.incident_id FROM reports r JOIN incidents i ON i.id = r.incident_id "
        "WHERE r.record_id = ? ORDER BY r.incident_id", (name,))]


def resolve_incident(store: Store, text: str) -> str:
    """The one incident ``text`` names (:func:`incidents_named`); an error when none is."""
    found = incidents_named(store, text)
    if not found:
        raise NotFoundError(f"no incident {text!r} in {store.path}",
                            hint="incident ids are listed by `failearn cluster --format json`, "
                                 "or in the incidents table")
    if len(found) > 1:
        raise UsageError(f"{text!r} is a record of {len(found)} incidents: "
                         + ", ".join(found), hint="name one of them")
    return found[0]


def current_ids(store: Store, incident_ids: Sequence[str]) -> dict[str, str]:
    """Each of ``incident_ids`` mapped to the incident it is now (itself, or the incident
    that absorbed it); ids that name no incident any more are left out."""
    found: dict[str, str] = {}
    for chunk in chunks(sorted(set(incident_ids))):
        where = f"IN ({marks(len(chunk))})"
        found.update((str(i), str(i)) for (i,) in store.conn.execute(
            f"SELECT id FROM incidents WHERE id {where}", chunk))
        found.update((str(alias), str(target)) for alias, target in store.conn.execute(
            "SELECT a.alias, a.incident_id FROM incident_aliases a "
            f"JOIN incidents i ON i.id = a.incident_id WHERE a.alias {where}", chunk)
            if alias not in found)
    return found
