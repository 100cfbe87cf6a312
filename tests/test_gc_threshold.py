"""The collector's youngest generation collected less often inside the block, as before after."""

from __future__ import annotations

import gc

import pytest

from sopdsl.gc_threshold import YOUNG_THRESHOLD, fewer_collections


def test_the_threshold_is_raised_inside_and_restored_after_even_on_error():
    before = gc.get_threshold()
    with pytest.raises(KeyError), fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
        raise KeyError
    assert gc.get_threshold() == before


def test_a_block_inside_another_leaves_the_outer_setting():
    before = gc.get_threshold()
    with fewer_collections():
        with fewer_collections():
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_threshold() == before
