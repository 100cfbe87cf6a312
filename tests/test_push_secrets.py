"""Masking secrets in every form they travel in, and redacting URL credentials."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from secret_kit import ENCODINGS, any_secrets
from sopdsl.push.secrets import MASK, mask, redact_urls, url_credentials

context = st.text(alphabet=st.sampled_from([*string.printable, "王"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(secret=any_secrets, before=context, after=context, encoding=st.sampled_from(list(ENCODINGS)))
def test_no_encoding_of_a_secret_survives_masking(secret, before, after, encoding):
    """Whatever surrounds it, a secret in any of the encodings it travels in is masked."""
    encoded = ENCODINGS[encoding](secret)
    masked = mask(before + encoded + after, [secret])
    assert encoded not in masked and MASK in masked


@settings(max_examples=200, deadline=None)
@given(secret=any_secrets.filter(lambda s: len(s.encode()) >= 8),
       user=st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=9))
def test_a_secret_inside_a_basic_authorization_header_is_masked(secret, user):
    """`user:secret` in base64 (a Basic authorization header echoed back) keeps none of the
    part that encodes the secret, wherever it starts among the 3-byte groups."""
    prefix = "Authorization: Basic "
    assume(secret not in prefix)  # a secret that is part of the header's name is masked there
    header = prefix + base64.b64encode(f"{user}:{secret}".encode()).decode()
    masked = mask(header, [secret])
    assert MASK in masked
    shown = masked.removeprefix(prefix).split(MASK)
    # what is left shows at most the user name's groups and the last partial group
    assert sum(map(len, shown)) <= 4 * (len(user) + 1 + 2) // 3 + 4 + 4


def test_several_secrets_and_overlapping_ones_are_all_masked():
    """The longest secret is masked whole even when a shorter one is part of it."""
    assert mask("a=pw-long b=pw", ["pw", "pw-long"]) == "a=*** b=***"


def test_text_without_secrets_is_left_as_it_is():
    """Ordinary messages pass unchanged: nothing is masked that is not a secret."""
    text = "HTTP 422: unknown customer c001 (see https://scrm.example/docs?page=2)"
    assert mask(text, ["s3cr3t-value"]) == text
    assert mask(text, []) == text and mask(text, [""]) == text


@pytest.mark.parametrize("text,expected", [
    ("cannot reach http://admin:p%40ss@erp.example:8000/crm/rpc/ now",
     "cannot reach http://***@erp.example:8000/crm/rpc/ now"),
    ("at https://u:p@ss:w@rd@dav.example/ (401)", "at https://***@dav.example/ (401)"),
    ("https://tok123@git.example/repo", "https://***@git.example/repo"),
    ("GET /cgi-bin/gettoken?corpid=ww1&corpsecret=Ab%2BCd%2FEf%3D12 HTTP/1.1",
     "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=*** HTTP/1.1"),
    ("https://h/x?access_token=abc&page=2&X-Amz-Signature=f00d&api_key=k#top",
     "https://h/x?access_token=***&page=2&X-Amz-Signature=***&api_key=***#top"),
    ("https://scrm.example/hooks/sop?tenant=7", "https://scrm.example/hooks/sop?tenant=7"),
])
def test_url_credentials_are_redacted(text, expected):
    """User information goes whole, as do values of key-, token-, secret- and signature-like
    query parameters; the rest of a URL stays readable."""
    assert redact_urls(text) == expected
    assert mask(text, []) == expected


def test_url_credentials_are_found_decoded():
    """A URL setting's password and credential-like parameters, percent-decoded."""
    url = "https://ops:Ab%2BCd%2FEf%3D12@dav.example/?token=t%20k&page=2&sig=s%2B1"
    assert url_credentials(url) == ["Ab+Cd/Ef=12", "t k", "s+1"]
    assert url_credentials("https://dav.example/") == []
    assert url_credentials("not a url") == url_credentials("http://[::1") == []
