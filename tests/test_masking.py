
import pytest

from credit_macros.masking import mask


@pytest.mark.parametrize("text, expected", [
    ("610102199001011234", "6101**********1234"),
    ("61010219900101123X", "6101**********123X"),
    ("证件号：610102199001011234。", "证件号：6101**********1234。"),
    ("13912342235", "139****2235"),
    ("手机 139 1234 2235 / 15800001111", "手机 139****2235 / 158****1111"),
    ("12345678901", "12345678901"),  # 12… is no mobile prefix
    ("029-12345678", "029-12345678"),  # office landline stays
    ("金额 3139123422350 元", "金额 3139123422350 元"),  # longer digit run is no phone
    ("91610000MA6TXXXX0X", "91610000MA6TXXXX0X"),
    ("A610102199001011234", "A610102199001011234"),  # touching a letter: part of another code
    ("", ""),
])
def test_mask(text, expected):
    assert mask(text) == expected


def test_mask_is_idempotent():
    text = "610102199001011234 13912342235 610102900101123"
    assert mask(mask(text)) == mask(text) == "6101**********1234 139****2235 6101********123"


def test_non_strings_pass_through():
    assert [mask(v) for v in (None, 0, 1.5, True)] == [None, 0, 1.5, True]
