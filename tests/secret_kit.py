"""Secrets for the masking tests: random ones full of the characters encoders change, and
every encoding a secret travels in, written independently of the code under test."""

from __future__ import annotations

import base64
import html
import json
import re
import string
from urllib.parse import quote, quote_plus, urlencode

from hypothesis import strategies as st

SPECIAL = '"\\+/=%&@:'
any_secrets = st.text(alphabet=st.sampled_from([*SPECIAL, *string.ascii_letters,
                                                *string.digits, " ", "王", "é"]),
                      min_size=6, max_size=24)
# with an encoder-changing character, and none that could be a mere run of one character
special_secrets = any_secrets.filter(lambda s: any(c in SPECIAL for c in s) and len(set(s)) > 3)
# for URL passwords: HTTP clients send those in Basic authorization, which holds Latin-1 only
ascii_secrets = special_secrets.filter(str.isascii)


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda found: found[0].lower(), text)


ENCODINGS = {
    "raw": lambda s: s,
    "json": lambda s: json.dumps(s)[1:-1],
    "json, unicode kept": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    "json twice": lambda s: json.dumps(json.dumps(s))[1:-1],
    "json with escaped slashes": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "quote": lambda s: quote(s, safe=""),
    "quote, slashes kept": quote,
    "quote, lower-case hex": lambda s: _lower_hex(quote(s, safe="")),
    "quote_plus": quote_plus,
    "query string": lambda s: urlencode({"corpid": "ww1", "corpsecret": s}),
    "json, then quoted": lambda s: quote(json.dumps(s)[1:-1], safe=""),
    "html": html.escape,
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "urlsafe base64": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
}


def encoded(secret: str) -> set[str]:
    """The secret in every encoding above."""
    return {encode(secret) for encode in ENCODINGS.values()}
