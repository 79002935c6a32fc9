"""SIM_COLLECTED of the call simulation (no Asterisk needed; tests/integration and tests/console
check the UserEvent it raises on the real sandbox)."""
from __future__ import annotations

import pytest

from asterisk_conf.simulation import caller_originate


def originate(**collected: str) -> dict:
    return caller_originate("support", number="+4930123", name="x", patience=1, talk=1,
                            collected=collected)


def test_collected_fields_become_user_event_arguments():
    variables = originate(Account="4711", Name="Jürgen 张伟", Note="a: b")["Variable"]
    # the commas between fields must reach the dialplan: escaped for the Originate header
    assert r"SIM_COLLECTED=Account: 4711\,Name: Jürgen 张伟\,Note: a: b" in variables


def test_nothing_collected_sets_nothing():
    assert not any(v.startswith("SIM_COLLECTED=") for v in originate()["Variable"])


@pytest.mark.parametrize("name,value", [("A", "x,y"), ("A", "(x)"), ("A", 'say "x"'),
                                        ("A:B", "x"), (" ", "x"), ("A", "x\ny"), ("A", "x\\y")])
def test_text_the_dialplan_would_split_is_refused(name, value):
    with pytest.raises(ValueError):
        originate(**{name: value})
