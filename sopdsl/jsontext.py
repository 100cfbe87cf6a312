"""JSON from files and settings people write: every way it cannot be read is a decode error."""

from __future__ import annotations

import json
from typing import Any


def loads(text: str) -> Any:
    """The value of JSON `text`; `json.JSONDecodeError` when it is not JSON, nests deeper than
    Python's recursion allows, or holds an integer longer than Python converts (4,300 digits)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except ValueError:
        raise json.JSONDecodeError("a number with too many digits", text, 0) from None
