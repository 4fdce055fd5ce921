"""Anonymisation: mask personal data and secrets in text, pseudonymise people.

Post-mortems quote logs, chat and dashboards, so they carry e-mail addresses,
IP addresses, phone numbers, bearer tokens and API keys.  Those are masked in
every text field before a record is stored (the raw inbox copy is the only
place the original remains).  People fields (authors, responders, on-call …)
become stable keyed pseudonyms: the same name gives the same ``person-…`` in
every run as long as the secret is the same, and the name cannot be recovered
from it without the secret.

Post-mortems also name people in their text, in lines that label them
("Created By: Jane Doe", "**Authors**: Ann, Bob", "- **Incident commander**: …",
``| On-call | Dave |``, an "Owner" column of an action-item table):
:meth:`Anonymizer.text` gives the value of such a line the same pseudonyms as
the people fields, before masking the rest.

Trace ids (lower-case hex), commit hashes and UUIDs are deliberately *not*
treated as secrets: they are what joins an incident to its evidence.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable

# Bounded (RFC 5321's 64-character local part, 63-character labels) and anchored at the
# start of a run, so a long token near an '@' costs linear, not quadratic, time.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@"
    r"(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*")
# What names a secret: the value that follows one of these words is one.
_SECRET_WORDS = (
    r"api[_\-\s]?key|apikey|access[_\-]?key|secret(?:[_\-]?key)?|client[_\-]?secret|"
    r"password|passwd|pwd|auth[_\-]?token|access[_\-]?token|token|credentials?"
)
# ``password=…``, ``"password": "…"`` (JSON), ``DB_PASSWORD: …``: a quoted value whole, an
# unquoted one up to a space, quote, comma, semicolon or backtick (inline code stays closed).
_KEYED_SECRET = re.compile(
    rf"(?i)(?<![A-Za-z0-9])((?:{_SECRET_WORDS})[\"']?\s*[:=]\s*)"
    r"(?:\"(?!<)[^\"\n]{1,256}\"|'(?!<)[^'\n]{1,256}'|(?![<\"'])[^\s\"'`,;]{6,})"
)
# ``API key `0123…``` : a key-like code span (a digit in it) right after such a word.
_SECRET_CODE = re.compile(
    rf"(?i)(?<![A-Za-z0-9])((?:{_SECRET_WORDS})[ \t]*(?:[:=]|is|was)?[ \t]*`)"
    r"(?=[^`\n]*\d)[A-Za-z0-9+/_.\-]{12,}={0,2}(?=`)"
)
_SECRET_BEFORE = re.compile(
    rf"(?i)(?<![A-Za-z0-9])(?:{_SECRET_WORDS})[ \t]*(?:[:=]|is|was)?[ \t]*[`\"']?$"
)
# ``postgres://user:password@host``, ``redis://:password@host``, ``user:password@host``:
# the password.
_URL_PASSWORD = re.compile(
    r"(?i)((?:\b[a-z][a-z0-9+.\-]{0,20}://[^\s/@:`\"'<>]{0,128}"
    r"|(?<![^\s(\[{,;=\"'`])[^\s/@:`\"'<>]{1,128}):)"
    r"(?!<secret>@)[^\s/@`\"'<>]{1,256}(?=@)"
)
# ``Authorization: Basic dXNlcjpwYXNz`` and the like: whatever the scheme, the credentials.
_SCHEMES = r"basic|bearer|digest|token|negotiate|ntlm|apikey"
_AUTHORIZATION = re.compile(
    r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?\s*"
    rf"(?:(?:{_SCHEMES})\s+)?)(?![<\s])(?!(?:{_SCHEMES})\b)"
    r"(?:(?<=digest )[^\n`]+|[^\s\"'`,;]+)"
)
# ``Basic dXNlcjpwYXNz`` elsewhere: masked when it decodes to ``user:password``.
_BASIC = re.compile(r"\b(Basic\s+)([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])")
_KNOWN_KEYS = re.compile(
    r"\b(?:AKIA[0-9A-Z]{16}|(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z\-_]{35}"
    r"|eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,})"
)
_HIGH_ENTROPY = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{32,}={0,2}(?![A-Za-z0-9+/_\-])")
# Candidates only: octets are checked in Python, which is faster than a regex that
# validates them at every position.
_IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
# The same on ASCII text, where the ASCII rules (\d, \b) read it alike and twice as fast.
_IPV4_ASCII = re.compile(_IPV4.pattern, re.ASCII)
_IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?"
    r"|::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}))(?![\w:])"
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.\-]?(?:\(\d{1,4}\)[\s.\-]?)?\d{2,4}(?:[\s.\-]\d{2,4}){1,4}"
    r"|\(\d{3}\)\s?\d{3}[\s.\-]\d{4}|\d{3}[.\-]\d{3}[.\-]\d{4})(?![\w])"
)

MASKS = ("email", "ip", "phone", "bearer", "api_key")
# How post-mortems label the people of an incident (besides [anonymize] people_fields).
PEOPLE_LABELS: tuple[str, ...] = (
    "created by",
    "written by",
    "authored by",
    "prepared by",
    "edited by",
    "reported by",
    "author",
    "authors",
    "owner",
    "owners",
    "editor",
    "editors",
    "reviewer",
    "reviewers",
    "responder",
    "responders",
    "incident commander",
    "commander",
    "ic",
    "on call",
    "on-call",
    "oncall",
    "on call engineer",
    "primary on call",
    "secondary on call",
    "reporter",
    "scribe",
    "participants",
    "attendees",
    "assignee",
    "assignees",
    "incident lead",
    "incident owner",
    "tech lead",
    "technical lead",
    "comms lead",
    "communications lead",
    "document owner",
    "postmortem owner",
    "post-mortem owner",
)
# Values that name nobody.
_NOBODY = frozenset(
    {"", "-", "—", "–", "n/a", "na", "tbd", "tba", "none", "?", "unknown", "nobody", "todo"}
)
_LABELLED_LINE = re.compile(
    r"^(?P<lead>[ \t]*(?:>[ \t]*)*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+)?(?:\*\*|__)?[ \t]*)"
    r"(?P<label>[A-Za-z][\w /&'()\-]{0,40}?)"
    r"(?P<sep>[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*)(?P<value>\S.*?)[ \t]*$"
)
_BLOCK_ITEM = re.compile(
    r"^(?P<lead>[ \t]*(?:[-*+][ \t]+|\d{1,3}[.)][ \t]+)?)(?P<value>.*?)"
    r"[ \t]*$"
)
_TABLE_RULE = re.compile(r"^[\s|:\-]+$")
_PSEUDONYMS = re.compile(r"^person-[0-9a-f]{8}(?:, person-[0-9a-f]{8})*$")


def label_key(label: str) -> str:
    """A label compared loosely: ``Author(s)``, ``on_call`` and ``On-Call`` are one."""
    return "".join(ch for ch in label.replace("(s)", "s").casefold() if ch.isalnum())


def _label_words(label: str) -> str:
    """A regex for a label in any spelling: ``on[\\s_-]*call``."""
    words = [w for w in re.split(r"[\s_\-]+", label.strip()) if w]
    return r"[\s_\-]*".join(re.escape(w) for w in words)


def _has_mixed_classes(token: str) -> bool:
    return (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
    )


def _mask_high_entropy(match: re.Match[str]) -> str:
    token = match.group(0)
    return "<secret>" if _has_mixed_classes(token) else token


# Cheap tests that tell when a costlier pattern cannot match.
_DIGIT_DOT_DIGIT = re.compile(r"\d\.\d")
_THREE_DIGITS = re.compile(r"\d{3}")
_KEY_WORDS = re.compile(r"(?i)key|secret|passw|pwd|token|credential")
_GITHUB_PREFIX = re.compile(r"gh[pousr]_")
# ASCII text with every digit written as 0: a run of digits, an address's ``0.0`` or a
# phone number's ``000-000-0000`` is then a plain substring, found by a fast search where
# ``\d`` would be tried at every position.  (``\d`` also matches other scripts' digits:
# text that is not ASCII takes the patterns.)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_PHONE_DIGITS = re.compile(rb"000[.\-]000[.\-]0000")
# The characters of a high-entropy token as ``a``, every other byte as a space: a token of
# 32 or more is then a run of 32 ``a``.
_TOKEN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
_TOKEN_RUNS = bytes(ord("a") if b in _TOKEN_BYTES else ord(" ") for b in range(256))
_TOKEN_RUN = b"a" * 32


def _may_name_key(text: str) -> bool:
    """Whether ``text`` holds a word that names a secret (``_KEY_WORDS``).  Plain substring
    tests on ASCII text, several times faster than the case-blind regex; other text goes
    through the regex, whose Unicode case rules (the Kelvin sign is a ``k``) they lack."""
    if text.isascii():
        lowered = text.lower()
        return (
            "key" in lowered
            or "secret" in lowered
            or "passw" in lowered
            or "pwd" in lowered
            or "token" in lowered
            or "credential" in lowered
        )
    return _KEY_WORDS.search(text) is not None


def _may_hold_known_key(text: str) -> bool:
    """Whether ``text`` holds the prefix of a vendor's key (``_KNOWN_KEYS``)."""
    return (
        "AKIA" in text
        or "_live_" in text
        or "_test_" in text
        or "xox" in text
        or "AIza" in text
        or "eyJ" in text
        or ("gh" in text and _GITHUB_PREFIX.search(text) is not None)
    )


def _may_hold_token(text: str) -> bool:
    """Whether ``text`` holds a run of 32 characters a high-entropy token is made of."""
    if len(text) < 32:
        return False
    return _TOKEN_RUN in text.encode("utf-8", "surrogatepass").translate(_TOKEN_RUNS)


def _mask_keyed(match: re.Match[str]) -> str:
    value = match.group(0)[len(match.group(1)) :]
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{quote}<secret>{quote}"


def _mask_basic(match: re.Match[str]) -> str:
    try:
        decoded = base64.b64decode(match.group(2), validate=True)
    except ValueError:
        return match.group(0)
    return f"{match.group(1)}<secret>" if b":" in decoded else match.group(0)


def names_a_secret(before: str) -> bool:
    """Whether the text just before a value says the value is a secret (``API key `…```,
    ``token: …``): such a value is never taken for a trace id."""
    return _SECRET_BEFORE.search(before[-48:]) is not None


def _is_ipv4(candidate: str) -> bool:
    """Whether the four numbers of a candidate (one to three digits each) are octets."""
    first, second, third, fourth = candidate.split(".")
    return int(first) <= 255 and int(second) <= 255 and int(third) <= 255 and int(fourth) <= 255


def _mask_ipv4(match: re.Match[str]) -> str:
    text = match.group(0)
    return "<ip>" if _is_ipv4(text) else text


def _remember(memory: dict[str, str], text: str, value: str) -> str:
    """Keep ``value`` as what ``text`` becomes; forget everything once the memory is full."""
    if len(memory) >= _REMEMBERED:
        memory.clear()
    memory[text] = value
    return value


def _mask(text: str, masks: frozenset[str]) -> str:
    if "bearer" in masks:
        text = _mask_credentials(text)
    if "api_key" in masks:
        text = _mask_keys(text)
    if "email" in masks and "@" in text:
        text = _EMAIL.sub("<email>", text)
    if "ip" in masks:
        text = _mask_addresses(text)
    if "phone" in masks and _may_hold_phone(text):
        text = _PHONE.sub("<phone>", text)
    return text


def _mask_credentials(text: str) -> str:
    """Bearer tokens, ``Authorization`` headers' credentials, ``Basic`` user:password."""
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(lambda m: f"{m.group(1)} <token>", text)
    if "uthoriz" in text or "UTHORIZ" in text:
        text = _AUTHORIZATION.sub(r"\1<secret>", text)
    if "Basic" in text:
        text = _BASIC.sub(_mask_basic, text)
    return text


def _mask_keys(text: str) -> str:
    """Passwords in URLs, vendors' keys, values named as secrets, high-entropy tokens."""
    if "@" in text and ":" in text:
        text = _URL_PASSWORD.sub(r"\1<secret>", text)
    if _may_hold_known_key(text):
        text = _KNOWN_KEYS.sub("<secret>", text)
    if _may_name_key(text):
        if "=" in text or ":" in text:
            text = _KEYED_SECRET.sub(_mask_keyed, text)
        if "`" in text:
            text = _SECRET_CODE.sub(r"\1<secret>", text)
    if _may_hold_token(text):
        text = _HIGH_ENTROPY.sub(_mask_high_entropy, text)
    return text


def _mask_addresses(text: str) -> str:
    """IPv4 addresses (octets up to 255) and IPv6 addresses."""
    if "." in text:
        text = _mask_ipv4s(text)
    if "::" in text or text.count(":") >= 7:
        text = _IPV6.sub("<ip>", text)
    return text


def _mask_ipv4s(text: str) -> str:
    if not text.isascii():
        return _IPV4.sub(_mask_ipv4, text) if _DIGIT_DOT_DIGIT.search(text) else text
    # Every address holds ``0.0`` (digits as 0) where its first dot is: none starts more
    # than two characters before a ``0.0``, so each search starts there (``\b`` still sees
    # the character before it) and none is made past the last one.
    digits = text.encode("ascii").translate(_DIGITS_AS_ZERO)
    found = digits.find(b"0.0")
    parts: list[str] = []
    done = searched = 0
    while found >= 0:
        match = _IPV4_ASCII.search(text, max(searched, found - 2))
        if match is None:
            break
        searched = match.end()
        if _is_ipv4(match.group(0)):
            parts += (text[done : match.start()], "<ip>")
            done = searched
        found = digits.find(b"0.0", searched)
    return "".join((*parts, text[done:])) if parts else text


def _may_hold_phone(text: str) -> bool:
    """Whether ``text`` may hold a phone number (``_PHONE``) and three digits in a row: a
    number holds a ``+``, a ``(`` or ``000-000-0000`` (``.`` or ``-`` between, digits as 0)."""
    if "+" not in text and "(" not in text and text.count(".") + text.count("-") < 2:
        return False
    if not text.isascii():
        return _THREE_DIGITS.search(text) is not None
    digits = text.encode("ascii").translate(_DIGITS_AS_ZERO)
    if b"000" not in digits:
        return False
    return "+" in text or "(" in text or _PHONE_DIGITS.search(digits) is not None


# Short texts (a service, a class, a severity, a metric's name, a title) recur from record
# to record: their masked form is remembered, up to this many of them at a time.
_REMEMBERED_LENGTH = 80
_REMEMBERED = 8192


class Anonymizer:
    """Masks text and pseudonymises names with one secret."""

    def __init__(
        self, secret: str, masks: Iterable[str] = MASKS, people_labels: Iterable[str] = ()
    ) -> None:
        self._key = secret.encode("utf-8")
        self._masks = frozenset(masks)
        self._names: dict[str, str] = {}
        self._masked: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        labels = sorted({*PEOPLE_LABELS, *people_labels}, key=len, reverse=True)
        self.people_keys = frozenset(label_key(label) for label in labels)
        # A cheap test that a text may hold a people line at all: a label opening a line
        # or a table cell (anchored, so most positions fail at once).
        self._may_name = re.compile(
            r"(?im)(?:^|\|)[ \t>*+\-\d.)_]*(?:"
            + "|".join(_label_words(label) for label in labels)
            + ")"
        )

    def mask(self, text: str) -> str:
        """Text with personal data and secrets replaced by ``<email>``, ``<ip>`` …"""
        if len(text) > _REMEMBERED_LENGTH:
            return _mask(text, self._masks)
        masked = self._masked.get(text)
        if masked is None:
            masked = _remember(self._masked, text, _mask(text, self._masks))
        return masked

    def identifier(self, text: str) -> str:
        """An id a source gave, masked as text is; when masking changes it, a keyed digest
        of the original follows, so that two ids never become one."""
        masked = _mask(text, self._masks)
        if masked == text:
            return text
        digest = hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{masked}~{digest[:8]}"

    def text(self, text: str) -> str:
        """Text as it is stored: the people its lines label pseudonymised, then masked."""
        if len(text) > _REMEMBERED_LENGTH:
            return self._text(text)
        stored = self._texts.get(text)
        if stored is None:
            stored = _remember(self._texts, text, self._text(text))
        return stored

    def _text(self, text: str) -> str:
        if ":" in text or "|" in text:  # a people line has one or the other
            text = self.people_lines(text)
        return _mask(text, self._masks)

    def _names_of(self, value: str) -> str:
        stripped = value.strip().strip("*_` ")
        if stripped.casefold() in _NOBODY or _PSEUDONYMS.match(stripped):
            return value
        return ", ".join(self.people(stripped)) or value

    def _may_name_people(self, text: str) -> bool:
        """Whether a label of people may open a line or a cell of ``text``: on one line
        without a cell only its start can."""
        if "|" not in text and "\n" not in text:
            return self._may_name.match(text) is not None
        return self._may_name.search(text) is not None

    def people_lines(self, text: str) -> str:
        """The values of lines that label people (``Created By: Jane Doe``, a table's
        ``| Owner | Jane |`` row or "Owner" column) replaced by their pseudonyms."""
        if (":" not in text and "|" not in text) or not self._may_name_people(text):
            return text
        lines = text.split("\n")
        columns: set[int] = set()
        for number, line in enumerate(lines):
            if line.lstrip().startswith("|"):
                header = (
                    number + 1 < len(lines)
                    and _TABLE_RULE.match(lines[number + 1]) is not None
                    and "-" in lines[number + 1]
                )
                lines[number], columns = self._table_row(line, columns, header)
                continue
            columns = set()
            match = _LABELLED_LINE.match(line)
            if match is not None and label_key(match.group("label")) in self.people_keys:
                lines[number] = (
                    line[: match.start("value")]
                    + self._names_of(match.group("value"))
                    + line[match.end("value") :]
                )
        return "\n".join(lines)

    def _table_row(self, line: str, columns: set[int], header: bool) -> tuple[str, set[int]]:
        """One row of a Markdown table: a header (its people columns are returned), a
        ``| Owner | Jane |`` row, or a row under a header that named people columns."""
        cells = line.split("|")
        inner = range(1, len(cells) - 1) if line.rstrip().endswith("|") else range(1, len(cells))
        if _TABLE_RULE.match(line):
            return line, columns
        if header:
            return line, {i for i in inner if label_key(cells[i].strip(" *_:")) in self.people_keys}
        changed = set(columns)
        for i in inner:
            if i + 1 in inner and label_key(cells[i].strip(" *_:")) in self.people_keys:
                changed.add(i + 1)
        for i in sorted(changed):
            if i in inner:
                value = self._names_of(cells[i])
                if value != cells[i]:
                    cells[i] = f" {value} "
        return "|".join(cells), columns

    def people_block(self, text: str) -> str:
        """A section that lists people (under an "Authors" heading): every item pseudonymised."""
        lines = text.split("\n")
        for number, line in enumerate(lines):
            match = _BLOCK_ITEM.match(line)
            if match is not None and match.group("value"):
                lines[number] = match.group("lead") + self._names_of(match.group("value"))
        return "\n".join(lines)

    def pseudonym(self, name: str) -> str:
        """A stable keyed pseudonym (``person-3fa94c1e``) for a person's name."""
        key = _EMAIL.sub("", name).strip(" <>()\t").casefold() or name.casefold()
        cached = self._names.get(key)
        if cached is None:
            digest = hmac.new(self._key, key.encode("utf-8"), hashlib.sha256).hexdigest()
            cached = f"person-{digest[:8]}"
            self._names[key] = cached
        return cached

    def people(self, value: object) -> list[str]:
        """Pseudonyms for a people field given as a list or a comma-separated string."""
        names: list[str] = []
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None:
                continue
            if isinstance(item, dict):
                item = item.get("name") or item.get("email") or item.get("summary") or ""
            for part in re.split(r"\s*(?:,|;|\band\b|&)\s*", str(item)):
                if part.strip():
                    names.append(self.pseudonym(part))
        return names
