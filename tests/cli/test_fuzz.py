"""A seeded mutator over real payloads, fed to ``failearn ingest`` as a user runs it.

The seeds are the real exports and post-mortems of ``tests/fixtures/realdata`` (their
provenance and licences are in its SOURCES.md). Each round mutates them (bytes flipped,
cut, repeated; hostile pieces spliced in: backtick runs, escape sequences, bidi
controls, deep nesting, huge numbers, long digit runs, invalid UTF-8) and ingests the
round's files into one store in a process limited to 1.5 GB of address space. Every
run must end as a run does (exit 0 or 1, one JSON document, no traceback: never exit
3 or a MemoryError), and nothing stored before may be lost. The rounds are fixed by the
seed; a deadline only cuts them short on a slow machine.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.paths import FIXTURES

pytestmark = pytest.mark.slow

REAL = FIXTURES / "realdata"
SEEDS = sorted(
    [
        *REAL.glob("alertmanager/*.json"),
        *REAL.glob("opentelemetry/*.json"),
        *REAL.glob("kubernetes-test-infra/*.md"),
        *REAL.glob("postmortem-templates/*.md"),
        *sorted(REAL.glob("moj-cloud-platform/*.erb"))[:4],
    ]
)
HOSTILE = [
    b"``<img src=x onerror=alert(1)>`",
    b"\x1b]0;pwned\x07",
    b"\xe2\x80\xae",
    b"\xe2\x80\x8b",
    b"[" * 5000,
    b'{"a":' * 3000,
    b"1e400",
    b"1" * 60 + b"x",
    b"\xff\xfe\x00",
    b'"password": "hunter2"',
    b"## " + b"9" * 40 + b"\n",
    b"\n---\n",
    b'"id": 18446744073709551617',
    b"\\ud800",
    b"\x00",
    b"---\nkey: &a [*a]\n---\n",
    b"\r\n" * 50,
]
ROUNDS = 12
FILES_PER_ROUND = 24
DEADLINE_SECONDS = 240
ADDRESS_SPACE = 1536 * 1024 * 1024


def mutate(data: bytes, rnd: random.Random) -> bytes:
    """One to four mutations of ``data``."""
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        where = rnd.randrange(len(out) + 1)
        kind = rnd.randrange(6)
        if kind == 0 and out:  # flip bytes
            for _ in range(rnd.randint(1, 8)):
                out[rnd.randrange(len(out))] = rnd.randrange(256)
        elif kind == 1:  # cut
            out = out[:where]
        elif kind == 2:  # splice a hostile piece
            out[where:where] = rnd.choice(HOSTILE)
        elif kind == 3 and out:  # repeat a slice
            end = min(len(out), where + rnd.randint(1, 400))
            out[where:where] = out[where:end] * rnd.randint(2, 50)
        elif kind == 4 and out:  # delete a slice
            del out[where : where + rnd.randint(1, 200)]
        else:  # splice another seed's bytes
            other = rnd.choice(SEEDS).read_bytes()
            start = rnd.randrange(len(other))
            out[where:where] = other[start : start + rnd.randint(1, 500)]
    return bytes(out)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def ingest(folder: Path, db: Path) -> dict[str, object]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "failearn",
            "ingest",
            str(folder),
            "--db",
            str(db),
            "--format",
            "json",
            "--as-of",
            "2026-11-23",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        preexec_fn=_limited,
    )
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    document: dict[str, object] = json.loads(done.stdout)
    return document


def stored(db: Path) -> tuple[set[str], int]:
    with sqlite3.connect(db) as conn:
        keys = {key for (key,) in conn.execute("SELECT key FROM reports")}
        inbox = conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
    return keys, int(inbox)


def test_mutated_real_payloads_never_crash_or_lose_what_was_stored(tmp_path: Path) -> None:
    assert len(SEEDS) >= 10
    db = tmp_path / "fuzz.db"
    ingest(FIXTURES / "good", db)
    kept, inbox = stored(db)
    assert kept
    rnd = random.Random(20261123)
    deadline = time.monotonic() + DEADLINE_SECONDS
    for round_number in range(ROUNDS):
        if time.monotonic() > deadline:
            break
        folder = tmp_path / f"round-{round_number}"
        folder.mkdir()
        for number in range(FILES_PER_ROUND):
            seed = rnd.choice(SEEDS)
            suffix = ".json" if seed.suffix == ".json" else ".md"
            if suffix == ".json" and rnd.random() < 0.3:
                suffix = ".ndjson"
            (folder / f"f{number:02d}{suffix}").write_bytes(mutate(seed.read_bytes(), rnd))
        document = ingest(folder, db)
        assert document["files"] == FILES_PER_ROUND
        keys, count = stored(db)
        assert kept <= keys, kept - keys  # nothing stored before is lost
        assert count >= inbox
        kept, inbox = keys, count
        shutil.rmtree(folder)
