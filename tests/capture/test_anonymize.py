from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failearn.capture import anonymize
from failearn.capture.anonymize import Anonymizer


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail jane.doe@example.com now", "mail <email> now"),
        ("host 10.42.7.19:8443 down", "host <ip>:8443 down"),
        ("fe80::1ff:fe23:4567:890a and 2001:db8:85a3:0:0:8a2e:370:7334", "<ip> and <ip>"),
        ("call +44 20 7946 0958 or (555) 123-4567", "call <phone> or <phone>"),
        (
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghij",
            "Authorization: Bearer <token>",
        ),
        ("api_key=abcd1234efgh", "api_key=<secret>"),
        ("password: hunter2hunter2", "password: <secret>"),
        ("key AKIAIOSFODNN7EXAMPLE", "key <secret>"),
        ("tok aB3dEfGhIjKlMnOpQrStUvWxYz0123456789xyz", "tok <secret>"),
        ("postgres://svc_user:hunter2@db:5432/x", "postgres://svc_user:<secret>@db:5432/x"),
        ("redis://:p4ssw0rd@cache:6379", "redis://:<secret>@cache:6379"),
        ("ssh deploy:pw1234@bastion", "ssh deploy:<secret>@bastion"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic <secret>"),
        ('"Authorization": "Digest username=\\"u\\""', '"Authorization": "Digest <secret>'),
        ("sent Basic dXNlcjpwYXNzd29yZA== once", "sent Basic <secret> once"),
        ('{"password": "correct horse", "user": "u"}', '{"password": "<secret>", "user": "u"}'),
        ("DB_PASSWORD=hunter22", "DB_PASSWORD=<secret>"),
        ("API key `0123456789abcdef0123456789abcdef`", "API key `<secret>`"),
        ("run `password=hunter2secret` first", "run `password=<secret>` first"),
        ("`api_key: abcd1234efgh`", "`api_key: <secret>`"),
    ],
)
def test_masks(text: str, masked: str) -> None:
    assert Anonymizer("k").mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "trace 4bf92f3577b34da6a3ce929d0e0e4736 ok",
        "at 12:04:59 on 2026-11-02 took 5012ms",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "commit 9cd5798c and version 1.2.3",
        "std::vector failed at 999.1.1.1",
        "basic authentication was off",
        "Basic instructions followed",
        "the token `auth-service` expired",
        "at 14:03 the queue",
    ],
)
def test_evidence_is_not_mistaken_for_secrets(text: str) -> None:
    assert Anonymizer("k").mask(text) == text


def test_masks_can_be_chosen() -> None:
    assert Anonymizer("k", ["email"]).mask("a@b.io 10.0.0.1") == "<email> 10.0.0.1"


def test_pseudonyms_are_stable_keyed_and_split_lists() -> None:
    one, other = Anonymizer("secret-1"), Anonymizer("secret-2")
    assert one.pseudonym("Jane Doe") == one.pseudonym("  jane doe ")
    assert one.pseudonym("Jane Doe") == one.pseudonym("Jane Doe <jane@example.com>")
    assert one.pseudonym("Jane Doe") != other.pseudonym("Jane Doe")
    assert one.pseudonym("Jane Doe").startswith("person-")
    assert len(one.people("Ann, Bob and Carl")) == 3
    assert one.people([{"name": "Ann"}, None]) == [one.pseudonym("Ann")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Created By: Benjamin Elder <bentheelder@google.com>", "Created By: {Benjamin Elder}"),
        ("**Authors**: Frank Miller, Grace Hopper", "**Authors**: {Frank Miller}, {Grace Hopper}"),
        (
            "**Authors:** Frank Miller and Grace Hopper",
            "**Authors:** {Frank Miller}, {Grace Hopper}",
        ),
        ("- **Incident commander**: Alice Smith", "- **Incident commander**: {Alice Smith}"),
        ("* On-call: Dave Jones", "* On-call: {Dave Jones}"),
        ("IC: Eve", "IC: {Eve}"),
        ("> Written by: Ann", "> Written by: {Ann}"),
        ("Author(s): Ann; Bob", "Author(s): {Ann}, {Bob}"),
        ("| On-call | Dave Jones |", "| On-call | {Dave Jones} |"),
        (
            "| **Owner** | Carol | **Severity** | SEV1 |",
            "| **Owner** | {Carol} | **Severity** | SEV1 |",
        ),
        ("Duty manager: Zoe", "Duty manager: {Zoe}"),  # configured: [anonymize] people_fields
        # Not people lines, or nobody named: unchanged.
        ("Owner of the database was paged.", None),
        ("Severity: SEV1", None),
        ("Author(s): TBD", None),
        ("Owners: n/a", None),
        ("the on-call engineer: restarted the pods", None),
    ],
)
def test_lines_that_label_people_get_their_pseudonyms(line: str, expected: str | None) -> None:
    anonymizer = Anonymizer("k", people_labels=["duty_manager"])
    want = (
        line
        if expected is None
        else re.sub(r"\{([^}]+)\}", lambda m: anonymizer.pseudonym(m.group(1)), expected)
    )
    assert anonymizer.people_lines(line) == want
    assert anonymizer.people_lines(f"intro\n{line}\noutro") == f"intro\n{want}\noutro"


def test_the_people_column_of_a_table_and_a_people_section() -> None:
    anonymizer = Anonymizer("k")
    table = (
        "| Action | Owner | Bug |\n|---|---|---|\n| fix pool | Carol King | 123 |\n"
        "| alert | TBD | 124 |\n\n| Owner | Status |\n|---|---|\n| Dan | open |\n"
    )
    carol, dan = anonymizer.pseudonym("Carol King"), anonymizer.pseudonym("Dan")
    assert anonymizer.people_lines(table) == (
        f"| Action | Owner | Bug |\n|---|---|---|\n| fix pool | {carol} | 123 |\n"
        f"| alert | TBD | 124 |\n\n| Owner | Status |\n|---|---|\n| {dan} | open |\n"
    )
    assert anonymizer.people_block("- Carol King\n- Dan\n") == f"- {carol}\n- {dan}\n"


def test_stored_text_names_people_as_the_people_fields_do_then_is_masked() -> None:
    anonymizer = Anonymizer("k")
    text = anonymizer.text("Created By: Benjamin Elder <ben@example.com>\nmail ben@example.com")
    (ben,) = anonymizer.people("Benjamin Elder <ben@example.com>")
    assert text == f"Created By: {ben}\nmail <email>"
    assert anonymizer.text(text) == text  # pseudonyms are not pseudonymised again


def test_a_long_token_beside_an_address_is_masked_in_one_pass() -> None:
    # A local part may be at most 64 characters: the e-mail pattern is bounded and
    # anchored, so a 200 KB run next to an '@' is scanned once (it took minutes when
    # the pattern could start anywhere in the run).
    text = "ops@example.com, token " + "A" * 200_000 + "@ " + "b" * 70 + "@example.com"
    masked = Anonymizer("k").mask(text)
    assert masked.startswith("<email>, token AAAA")
    assert masked.endswith("b" * 70 + "@example.com")


# What the quick tests before the costlier patterns must never miss: any text these match.
_KEY_WORDS_AS_WRITTEN = re.compile(r"(?i)key|secret|passw|pwd|token|credential")
_KEY_PREFIXES_AS_WRITTEN = re.compile(r"AKIA|_live_|_test_|gh[pousr]_|xox|AIza|eyJ")


@given(
    st.text(
        alphabet=st.sampled_from(
            [*"keyKEYsecrtpawdonclighu_AIzJxXv -:=", "\u212a", "\u017f", "\u0130", "é"]
        ),
        max_size=30,
    )
)
def test_the_quick_tests_say_yes_whenever_the_patterns_would(text: str) -> None:
    assert anonymize._may_name_key(text) == bool(_KEY_WORDS_AS_WRITTEN.search(text))
    assert anonymize._may_hold_known_key(text) == bool(_KEY_PREFIXES_AS_WRITTEN.search(text))


def test_a_remembered_text_is_masked_as_the_first_time_and_memory_stays_bounded() -> None:
    anonymizer = Anonymizer("k")
    texts = [f"svc-{n} at 10.0.0.{n % 250} token=abcdef{n:06d}" for n in range(9000)]
    first = [anonymizer.text(t) for t in texts]
    assert first[0] == "svc-0 at <ip> token=<secret>"
    assert [anonymizer.text(t) for t in texts] == first
    assert [anonymizer.mask(t) for t in texts] == [Anonymizer("k").mask(t) for t in texts]
    assert len(anonymizer._texts) <= anonymize._REMEMBERED
    assert len(anonymizer._masked) <= anonymize._REMEMBERED


# Texts made of what addresses, phone numbers and tokens are made of (and digits of other
# scripts, which ``\d`` matches too).
_NUMBERISH = st.text(
    alphabet=st.sampled_from([*"0123456789012.....-+() :_aZ/", "\u0661", "\uff11", "é"]),
    max_size=40,
)


@given(_NUMBERISH)
def test_addresses_are_masked_as_the_pattern_finds_them(text: str) -> None:
    expected = anonymize._IPV4.sub(anonymize._mask_ipv4, text)
    assert anonymize._mask_ipv4s(text) == expected


@given(_NUMBERISH)
def test_the_quick_phone_test_says_yes_whenever_the_pattern_would(text: str) -> None:
    if anonymize._THREE_DIGITS.search(text) and anonymize._PHONE.search(text):
        assert anonymize._may_hold_phone(text)


@given(st.text(alphabet=st.sampled_from([*"aB3+/_-= .", "é"]), min_size=30, max_size=80))
def test_the_quick_token_test_says_yes_whenever_the_pattern_would(text: str) -> None:
    if anonymize._HIGH_ENTROPY.search(text):
        assert anonymize._may_hold_token(text)


def test_addresses_beside_numbers_that_are_not_addresses() -> None:
    anonymizer = Anonymizer("k")
    text = "999.1.1.1.5.6.7 then 10.0.0.1:80, 1.2.3.4.5 and 256.1.1.1 v1.2.3.4 \u0661.2.3.4"
    assert anonymizer.mask(text) == (
        "999.1.1.1.5.6.7 then <ip>:80, <ip>.5 and 256.1.1.1 v1.2.3.4 <ip>"
    )


@given(st.text(alphabet=st.sampled_from([*"Owner:| \n-*ab", "é"]), max_size=30))
def test_the_quick_people_test_agrees_with_the_pattern(text: str) -> None:
    anonymizer = Anonymizer("k")
    assert anonymizer._may_name_people(text) == bool(anonymizer._may_name.search(text))
