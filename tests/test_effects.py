"""What the interpreter tells its driver: each effect class's fast `make`."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sopdsl.runtime import effects
from sopdsl.runtime.effects import Effect

CLASSES = [cls for cls in vars(effects).values()
           if isinstance(cls, type) and issubclass(cls, Effect)]


@given(st.sampled_from(CLASSES), st.data())
def test_make_gives_what_calling_the_class_gives(cls, data) -> None:
    """The same keyword arguments, some defaults left out, give equal effects of the class."""
    kwargs = {}
    for field in dataclasses.fields(cls):
        has_default = field.default is not dataclasses.MISSING
        if has_default and data.draw(st.booleans()):
            continue
        kwargs[field.name] = data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=3)))
    made = cls.make(**kwargs)
    assert type(made) is cls
    assert made == cls(**kwargs)


def test_make_asks_for_every_field_without_a_default() -> None:
    """A missing field is an error, as when calling the class."""
    with pytest.raises(TypeError, match="customer"):
        effects.SendDelivered.make(time=1.0, content="c", channel="sms", staff=None)
    assert len(CLASSES) == 15
