"""Threshold comparisons skip rounding only where it cannot change the answer: each is
the comparison of ``round(a, 9)`` with the threshold, for every float."""

from __future__ import annotations

import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation_ai.core.rounded_compare import ge, gt, le, lt

COMPARISONS = [(gt, operator.gt), (ge, operator.ge), (le, operator.le), (lt, operator.lt)]
thresholds = st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 9))
offsets = st.one_of(
    st.sampled_from([0.0, 1e-10, -1e-10, 5e-10, -5e-10, 1e-9, -1e-9, 1e-6, -1e-6, 2e-6]),
    st.floats(-1e-5, 1e-5),
    st.floats(allow_nan=True, allow_infinity=True),
)


@pytest.mark.parametrize(("fast", "plain"), COMPARISONS)
@given(b=thresholds, offset=offsets)
def test_the_same_as_rounding_first(fast, plain, b, offset):
    a = b + offset
    assert fast(a, b) == plain(round(a, 9), b)


@pytest.mark.parametrize(("fast", "_"), COMPARISONS)
def test_undefined_is_never_true(fast, _):
    assert fast(None, 0.0) is False
