"""Reading one input file safely: size, binary content, encoding.

Every way a file can be unreadable becomes a coded :class:`~failearn.record.Issue`
on a rejected :class:`~failearn.record.RawRecord` that still carries the bytes,
so the inbox keeps what was received and the run goes on with the next file.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from failearn.codes import hint
from failearn.record import Issue, RawRecord

_BINARY_SNIFF = 8192
NOT_REGULAR = "not a regular file"
# What the inbox keeps of a payload over the size limit: its head (and the hash and size
# of all of it), never the whole of a file that may be gigabytes.
RAW_HEAD_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024


class NotRegularFileError(OSError):
    """A path that is a FIFO, a socket or a device: reading it could block or never end."""

    def __init__(self, path: Path) -> None:
        super().__init__(0, NOT_REGULAR, str(path))


def is_regular(path: Path) -> bool:
    """True for a regular file (or a link to one), and for a path that cannot be looked at
    (reading it will say why); False for a FIFO, socket or device."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def open_regular(path: Path) -> BinaryIO:
    """Open a file to read bytes, refusing anything but a regular file.

    Opening a FIFO for reading blocks until something writes to it, and a device
    may never end: the file is opened without blocking, checked, then read as usual.
    """
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFileError(path)
        if nonblocking:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass(slots=True)
class ReadText:
    """A file's text, or the rejected record that explains why there is none."""

    text: str | None
    rejected: RawRecord | None


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The path as users and CI annotations want it: relative to the working directory."""
    base = (cwd or Path.cwd()).resolve()
    try:
        resolved = path.resolve()
        return resolved.relative_to(base).as_posix()
    except (ValueError, OSError, RuntimeError):  # elsewhere, or a loop of links
        return path.as_posix()


def is_utf8(name: str) -> bool:
    """False for a name holding bytes that are not UTF-8 (decoded as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_name(name: str) -> str:
    """A file name as it can be stored and shown: bytes that are not UTF-8 as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def reject(
    source: str,
    kind: str,
    code: str,
    message: str,
    *,
    line: int | None = None,
    raw: str | None = None,
    raw_bytes: bytes | None = None,
    field: str | None = None,
) -> RawRecord:
    """A record the source could not read, kept for the inbox with its coded issue."""
    issue = Issue(
        code=code, message=message, source=source, line=line, field=field, hint=hint(code)
    )
    return RawRecord(
        source=source, line=line, kind=kind, raw=raw, raw_bytes=raw_bytes, issues=[issue]
    )


def first_bad_utf8_line(data: bytes, error: UnicodeDecodeError) -> int:
    """The 1-based line of the first byte that is not UTF-8."""
    return data.count(b"\n", 0, error.start) + 1


# Byte-order marks of the Unicode encodings other than UTF-8 (the longer ones first:
# UTF-32-LE's mark begins with UTF-16-LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a UTF-16 or UTF-32 byte-order mark at the start names, if any."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def decode(data: bytes, source: str, kind: str, *, line_offset: int = 0) -> ReadText:
    """Decode UTF-8 (a BOM is dropped), or UTF-16 / UTF-32 when a byte-order mark says so
    (Windows editors save so); reject binary content and invalid bytes."""
    encoding = bom_encoding(data)
    if encoding is not None:
        try:
            return ReadText(data.decode(encoding), None)
        except UnicodeDecodeError as exc:
            text = data[: exc.start].decode(encoding, "replace")
            return ReadText(
                None,
                reject(
                    source,
                    kind,
                    "invalid-utf8",
                    f"the file is marked {encoding.upper()} but byte "
                    f"offset {exc.start} is not {encoding.upper()}",
                    line=line_offset + text.count("\n") + 1,
                    raw_bytes=data,
                ),
            )
    if b"\x00" in data[:_BINARY_SNIFF]:
        return ReadText(
            None,
            reject(
                source,
                kind,
                "binary-file",
                "the file holds binary data, not text",
                line=line_offset + 1,
                raw_bytes=data,
            ),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = line_offset + first_bad_utf8_line(data, exc)
        return ReadText(
            None,
            reject(
                source,
                kind,
                "invalid-utf8",
                f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8",
                line=line,
                raw_bytes=data,
            ),
        )
    return ReadText(text, None)


@dataclass(frozen=True, slots=True)
class Oversize:
    """A payload over its size limit as far as it is kept: its head, and the SHA-256 and
    size of all of it (the payload itself is never held whole)."""

    head: bytes
    sha256: str
    size: int


def bounded_lines(handle: IO[bytes], max_bytes: int) -> Iterator[bytes | Oversize]:
    """The lines of a stream as UTF-8 bytes, a line over ``max_bytes`` as its
    :class:`Oversize` head: as they are (a UTF-8 byte-order mark dropped), or decoded
    from UTF-16 / UTF-32 when the stream opens with a byte-order mark (such lines are
    not split at 0x0A bytes).  No line is read whole before its length is known."""
    peek = getattr(handle, "peek", None)
    head = bytes(peek(4)[:4]) if peek is not None else b""
    encoding = bom_encoding(head)
    if encoding is not None:
        yield from _decoded_lines(handle, encoding, max_bytes)
        return
    first = True
    while line := handle.readline(max_bytes + 1):
        if first:
            line, first = line.removeprefix(codecs.BOM_UTF8), False
        if len(line) <= max_bytes:
            yield line
            continue
        rest = b"" if line.endswith(b"\n") else handle.readline(_CHUNK)
        digest, size = hashlib.sha256(line), len(line)
        while rest:
            digest.update(rest)
            size += len(rest)
            if rest.endswith(b"\n"):
                break
            rest = handle.readline(_CHUNK)
        yield Oversize(line[:RAW_HEAD_BYTES], digest.hexdigest(), size)


def _decoded_lines(handle: IO[bytes], encoding: str, max_bytes: int) -> Iterator[bytes | Oversize]:
    reader = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    while text := reader.readline(max_bytes + 1):
        line = text.encode("utf-8")
        if len(text) <= max_bytes and len(line) <= max_bytes:
            yield line
            continue
        digest, size = hashlib.sha256(line), len(line)
        while not text.endswith(("\n", "\r")) and (text := reader.readline(_CHUNK)):
            part = text.encode("utf-8")
            digest.update(part)
            size += len(part)
        yield Oversize(line[:RAW_HEAD_BYTES], digest.hexdigest(), size)


def too_large(
    source: str,
    kind: str,
    head: bytes,
    digest: str,
    size: int,
    limit: int,
    what: str = "file",
    line: int | None = 1,
) -> RawRecord:
    """A payload over its size limit, rejected: the inbox keeps its head only, with the
    SHA-256 and size of all of it."""
    code = "file-too-large" if what == "file" else "record-too-large"
    kept = (
        f"; the inbox keeps its first {len(head):,} bytes and the SHA-256 of all of it"
        if len(head) < size
        else ""
    )
    record = reject(
        source,
        kind,
        code,
        f"the {what} is {size:,} bytes; the limit is {limit:,}{kept}",
        line=line,
        raw_bytes=head,
    )
    record.sha256 = digest
    record.size = size if len(head) < size else None
    return record


def head_and_digest(first: bytes, rest: IO[bytes] | None = None) -> tuple[bytes, str, int]:
    """The head the inbox keeps of a payload, the SHA-256 and the size of all of it,
    reading what is left of it in chunks (nothing beyond the head stays in memory)."""
    digest = hashlib.sha256(first)
    size = len(first)
    head = first[:RAW_HEAD_BYTES]
    if rest is not None:
        while chunk := rest.read(_CHUNK):
            if len(head) < RAW_HEAD_BYTES:
                head += chunk[: RAW_HEAD_BYTES - len(head)]
            digest.update(chunk)
            size += len(chunk)
    return head, digest.hexdigest(), size


def keep_copy(record: RawRecord, path: Path) -> RawRecord:
    """Give a record rejected without being read the file's head for the inbox, with the
    SHA-256 and size of all of it (nothing when the file cannot be read)."""
    try:
        with open_regular(path) as handle:
            head, digest, size = head_and_digest(handle.read(RAW_HEAD_BYTES), handle)
    except OSError:
        return record
    record.raw_bytes, record.sha256 = head, digest
    record.size = size if len(head) < size else None
    return record


def read_file(path: Path, source: str, kind: str, max_bytes: int) -> ReadText:
    """Read and decode a whole file within ``max_bytes``; a larger one is rejected without
    being loaded."""
    try:
        with open_regular(path) as handle:
            if os.fstat(handle.fileno()).st_size > max_bytes:
                data = handle.read(min(RAW_HEAD_BYTES, max_bytes + 1))
            else:
                data = handle.read(max_bytes + 1)  # the file may have grown since
            if len(data) > max_bytes or os.fstat(handle.fileno()).st_size > max_bytes:
                head, digest, size = head_and_digest(data, handle)
                return ReadText(None, too_large(source, kind, head, digest, size, max_bytes))
    except OSError as exc:
        return ReadText(
            None,
            reject(source, kind, "unreadable-file", f"cannot read the file: {exc.strerror or exc}"),
        )
    if not data.strip():
        return ReadText(
            None,
            reject(
                source,
                kind,
                "empty-file",
                "the file is empty",
                line=1,
                raw=data.decode("utf-8", "replace"),
            ),
        )
    return decode(data, source, kind)
