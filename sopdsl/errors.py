"""The root of the exceptions sopdsl raises: catch `SopdslError` to handle any of them."""

from __future__ import annotations


class SopdslError(Exception):
    """Base of every exception the library and the simulator define."""
