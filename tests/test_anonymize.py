from __future__ import annotations

import pytest

from failearn.anonymize import Anonymizer


@pytest.mark.parametrize(("text", "masked"), [
    ("mail jane.doe@example.com now", "mail <email> now"),
    ("host 10.42.7.19:8443 down", "host <ip>:8443 down"),
    ("fe80::1ff:fe23:4567:890a and 2001:db8:85a3:0:0:8a2e:370:7334", "<ip> and <ip>"),
    ("call +44 20 7946 0958 or (555) 123-4567", "call <phone> or <phone>"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghij",
     "Authorization: Bearer <token>"),
    ("api_key=abcd1234efgh", "api_key=<secret>"),
    ("password: hunter2hunter2", "password: <secret>"),
    ("key AKIAIOSFODNN7EXAMPLE", "key <secret>"),
    ("tok aB3dEfGhIjKlMnOpQrStUvWxYz0123456789xyz", "tok <secret>"),
])
def test_masks(text: str, masked: str) -> None:
    assert Anonymizer("k").mask(text) == masked


@pytest.mark.parametrize("text", [
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 ok",
    "at 12:04:59 on 2026-11-02 took 5012ms",
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "commit 9cd5798c and version 1.2.3",
    "std::vector failed at 999.1.1.1",
])
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
