"""Secrets kept out of everything a push shows or records, in every encoding they travel in.

A secret leaves sopdsl encoded: JSON-escaped in a JSON-RPC body, percent-encoded in a query
string, base64-encoded in a Basic authorization header; a server that echoes a request back
in an error returns it in that form, or escaped once more. `mask` replaces each of these forms
by `***`, and `redact_urls` removes the credentials of any URL in a text (user information and
query parameters that carry keys, tokens or signatures).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from collections.abc import Collection, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

MASK = "***"
_SENSITIVE_NAME = re.compile(r"token|secret|key|sig|pass|pwd|auth|credential|session", re.I)
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>`]*")
_USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")
_PARAMETER = re.compile(r"(?<=[?&;])([^=&#\s\"'<>]+)=([^&#\s\"'<>]*)")
_SHORTEST_BASE64 = 6  # characters of a base64 fragment worth masking inside other data


def mask(text: str, secrets: Collection[str]) -> str:
    """`text` with every secret, in any of the forms it travels in, replaced by MASK, and the
    credentials of every URL in it redacted."""
    pattern = _pattern(tuple(sorted({secret for secret in secrets if secret})))
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return redact_urls(text)


def redact_urls(text: str) -> str:
    """`text` with the user information of every URL and every credential-like query
    parameter's value replaced by MASK."""
    text = _URL.sub(lambda found: _USERINFO.sub(MASK + "@", found[0], count=1), text)
    return _PARAMETER.sub(_redact_parameter, text)


def url_credentials(value: str) -> list[str]:
    """The credentials a setting that is a URL carries: its password and the values of its
    credential-like query parameters, decoded."""
    if "://" not in value:
        return []
    try:
        parts = urlsplit(value)
        found = [unquote(parts.password)] if parts.password else []
    except ValueError:  # not a URL after all (e.g. a bad port): nothing to take from it
        return []
    found += [item for name, item in parse_qsl(parts.query) if _SENSITIVE_NAME.search(name)]
    return [item for item in found if item]


def _redact_parameter(found: re.Match[str]) -> str:
    name, value = found[1], found[2]
    return f"{name}={MASK}" if value and _SENSITIVE_NAME.search(name) else found[0]


@functools.lru_cache(maxsize=32)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One expression matching every form of every secret, longest forms first."""
    forms = {form for secret in secrets for form in _forms(secret)}
    if not forms:
        return None
    return re.compile("|".join(_percent_pattern(form)
                               for form in sorted(forms, key=len, reverse=True)))


def _forms(secret: str) -> Iterator[str]:
    """The secret as written, JSON-escaped once or twice, HTML-escaped; each of them may also
    be percent-encoded, which `_percent_pattern` covers. Then its base64 forms."""
    escaped = {json.dumps(secret, ensure_ascii=ascii)[1:-1] for ascii in (False, True)}
    escaped |= {form.replace("/", "\\/") for form in escaped}
    twice = {json.dumps(form, ensure_ascii=False)[1:-1] for form in escaped}
    yield from {secret, *escaped, *twice, html.escape(secret),
                html.escape(secret).replace("&#x27;", "&#39;")}
    yield from _base64_forms(secret.encode("utf-8", "surrogatepass"))


def _base64_forms(data: bytes) -> Iterator[str]:
    """The secret base64-encoded alone, and the part of its encoding that is the same wherever
    it starts inside longer data (e.g. `user:password` in a Basic authorization header)."""
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        yield encode(data).decode().rstrip("=")
        for shift in range(3):
            padded = b"\0" * shift + data
            whole = encode(padded).decode()[:4 * (len(padded) // 3)]
            core = whole[4:] if shift else whole  # the first group mixes in the padding bytes
            if len(core) >= _SHORTEST_BASE64:
                yield core


def _percent_pattern(form: str) -> str:
    """An expression for `form` with any of its characters percent-encoded (upper or lower
    case hex), spaces possibly as `+`, as URL encoders with any set of safe characters do."""
    parts = []
    for char in form:
        encoded = "".join(f"%(?i:{byte:02x})" for byte in char.encode("utf-8", "surrogatepass"))
        space = "|\\+" if char == " " else ""
        parts.append(f"(?:{re.escape(char)}|{encoded}{space})")
    return "".join(parts)
