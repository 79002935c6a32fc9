"""The dial policy's decisions, pure: the built-in default (premium-rate and shared-cost numbers,
satellite and international-network prefixes), a team's own rules on top, extensions and short
numbers, and the reasons in words."""
from __future__ import annotations

import pytest

from agent_console.i18n import negotiate
from ctiserver.control.dialpolicy import DialDecision, DialPolicy, DialRules, number_type, pattern

SITE = DialRules.of(block=["+870", "+881", "+882", "+883"],
                    blocked_types=["PREMIUM_RATE", "SHARED_COST"])
SALES = "Vertrieb 张伟 😀"
TEAMS = {
    SALES: DialRules.of(allow=["national"]),
    "export": DialRules.of(allow=["national", "FR", "+43"], block=["+4915"],
                           blocked_types=["MOBILE"]),
}
POLICY = DialPolicy("DE", SITE, TEAMS)


def seen(decision: DialDecision) -> tuple[bool, str, str | None]:
    """A decision as the audit log records it: allowed, the reason in English, the E.164."""
    return decision.allowed, decision.reason, decision.e164


@pytest.mark.parametrize("number, reason, e164", [
    ("09001 234567", "premium-rate numbers cannot be dialled", "+499001234567"),
    ("+979123456789", "premium-rate numbers cannot be dialled", "+979123456789"),
    ("01801234567", "shared-cost numbers cannot be dialled", "+491801234567"),
    ("+88213123456", "numbers starting +882 cannot be dialled", None),  # no valid number either
    ("0088213123456", "numbers starting +882 cannot be dialled", None),  # 00: international
    ("12345678901", "12345678901 is not a valid phone number", None),
    ("call me", "callme is not a phone number", None),
])
def test_the_site_default_refuses_with_a_reason(number: str, reason: str, e164: str | None) -> None:
    for team in (None, "nobody's team", SALES):
        assert seen(POLICY.check(number, team)) == (False, reason, e164)


@pytest.mark.parametrize("number, e164", [
    ("+4930123456", "+4930123456"), ("030 123456", "+4930123456"),
    ("+33612345678", "+33612345678"), ("+4915112345678", "+4915112345678"),
])
def test_ordinary_numbers_pass_the_default(number: str, e164: str) -> None:
    assert seen(POLICY.check(number, None)) == (True, "allowed", e164)


def test_a_team_may_only_dial_national_numbers() -> None:
    assert POLICY.check("+4930123456", SALES).allowed
    assert seen(POLICY.check("+33612345678", SALES)) == (
        False, "your team may only dial numbers in Germany", "+33612345678")
    # the site's blocks still hold, with their own reason
    assert POLICY.check("09001234567", SALES).reason == "premium-rate numbers cannot be dialled"
    # another team, or none, is not bound by SALES' rules
    assert POLICY.check("+33612345678", "Vertrieb").allowed


def test_a_team_narrows_by_prefix_region_and_type() -> None:
    assert POLICY.check("+33142345678", "export").allowed  # France, a landline
    assert POLICY.check("+4319876543", "export").allowed  # +43
    assert seen(POLICY.check("+33612345678", "export")) == (
        False, "your team may not dial mobile numbers", "+33612345678")
    assert POLICY.check("+4930123456", "export").allowed
    refused = POLICY.check("+390612345678", "export")
    assert refused.reason == ("your team may only dial numbers in Germany or numbers in France "
                              "or numbers starting +43")


def test_a_team_block_pattern_says_so() -> None:
    policy = DialPolicy("DE", DialRules(), {"x": DialRules.of(block=["+44"])})
    assert policy.check("+442079460000", "x").reason == "your team may not dial numbers starting +44"


def test_default_allow_list_is_worded_for_everyone() -> None:
    policy = DialPolicy("FR", DialRules.of(allow=["national"]))
    assert seen(policy.check("+4930123456", None)) == (
        False, "only numbers in France may be dialled", "+4930123456")
    assert seen(policy.check("0142345678", None)) == (True, "allowed", "+33142345678")


def test_internal_extensions_and_short_numbers_stay_dialable() -> None:
    strict = DialPolicy("DE", DialRules.of(allow=["+1"], blocked_types=["PREMIUM_RATE"]),
                        {SALES: DialRules.of(allow=["FR"])}, extension_max_digits=5)
    for team in (None, SALES):
        assert seen(strict.check("1001", team)) == (True, "internal extension", None)
        assert strict.check("3001", team).allowed
        assert seen(strict.check("112", team)) == (True, "short number", None)
    assert not strict.check("123456", None).allowed  # longer than an extension, no number


def test_region_patterns_follow_libphonenumber_not_the_country_code() -> None:
    # Guernsey shares +44 with the United Kingdom, but is not GB
    policy = DialPolicy("GB", DialRules(), {"uk": DialRules.of(allow=["national"])})
    assert policy.check("+442079460000", "uk").allowed
    assert policy.check("+447781123456", "uk").reason == (
        "your team may only dial numbers in United Kingdom")  # GG mobile


@pytest.mark.parametrize("text, spelled", [
    ("national", "national"), (" National ", "national"), ("+44", "+44"), ("+49 30", "+4930"),
    ("fr", "FR"), ("GG", "GG"),
])
def test_patterns_have_one_spelling(text: str, spelled: str) -> None:
    assert pattern(text) == spelled


@pytest.mark.parametrize("text", ["+", "+44x", "44", "Deutschland", "XX", "+1234567890123456", ""])
def test_bad_patterns_say_what_a_pattern_is(text: str) -> None:
    with pytest.raises(ValueError, match="is not a pattern: use 'national', a prefix such as"):
        pattern(text)


def test_number_types_by_name() -> None:
    assert number_type(" premium_rate") == "PREMIUM_RATE"
    with pytest.raises(ValueError, match="'EXPENSIVE' is not a number type: one of FIXED_LINE"):
        number_type("EXPENSIVE")
    assert DialRules.of(["fr", "FR"], [], ["MOBILE", "mobile"]) == DialRules(("FR",), (), ("MOBILE",))


def test_a_refusal_reads_in_the_agents_language() -> None:
    chinese = negotiate("zh_CN", None, None).translations.gettext
    assert POLICY.check("09001234567", None).why.translated(chinese) == "不能拨打付费增值号码"
    assert POLICY.check("+33612345678", SALES).why.translated(chinese) == "您的团队只能拨打德国的号码"

