import pytest

from crm_core.phones import normalize_number


@pytest.mark.parametrize(
    "raw", ["+49 30 1234567", "+49301234567", "004930 1234567", "030 1234567", "030/123 45 67"]
)
def test_german_formats_normalise_to_e164(raw: str) -> None:
    assert normalize_number(raw, "DE") == "+49301234567"


def test_national_numbers_are_read_in_the_default_region() -> None:
    assert normalize_number("020 7946 0958", "GB") == "+442079460958"
    assert normalize_number("+44 20 7946 0958", "DE") == "+442079460958"


@pytest.mark.parametrize("raw", ["", "abc", "12", "1001", "Anonymous", "+49 30", "<unknown>"])
def test_garbage_is_none(raw: str) -> None:
    assert normalize_number(raw, "DE") is None
