"""The AMI edge: framing, UTF-8 per whole message, malformed input."""
from ctiserver.ami.stream import AmiStreamParser
from ctiserver.ami.events import BUILDERS, QueueCallerJoined, parse_event

from tests.helpers.transcripts import chunks, transcript

NAME = "Jürgen 张伟"


def test_name_split_inside_a_utf8_character_survives():
    frame = (
        "Event: QueueCallerJoin\r\nChannel: Local/support@sim-inbound-00000000;2\r\n"
        "Uniqueid: u1;2\r\nLinkedid: u1\r\nCallerIDNum: +49301234567\r\n"
        f"CallerIDName: {NAME}\r\nQueue: support\r\nPosition: 1\r\nCount: 1\r\n\r\n"
    ).encode()
    cut = frame.index("张".encode()) + 1  # in the middle of a 3-byte character
    parser = AmiStreamParser(BUILDERS)
    assert parser.feed(frame[:cut]) == []
    (fields,) = parser.feed(frame[cut:])
    event = parse_event(fields)
    assert isinstance(event, QueueCallerJoined)
    assert event.caller_name == NAME


def test_every_read_size_gives_the_same_messages():
    data = transcript("single_call_nonascii")
    whole = AmiStreamParser().feed(data)
    for seed in range(20):
        parser = AmiStreamParser()
        pieces = [m for read in chunks(data, seed, largest=40) for m in parser.feed(read)]
        assert pieces == whole
    names = {m.get("CallerIDName") for m in whole} - {None, "<unknown>"}
    assert names == {NAME}


def test_malformed_message_is_skipped_and_the_stream_goes_on(caplog):
    parser = AmiStreamParser(BUILDERS)
    garbage = b"\x00\xffthis is not AMI\r\nnor this\r\n\r\n"
    good = b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
    messages = parser.feed(garbage + good)
    assert [m["Event"] for m in messages] == ["FullyBooted"]
    assert parser.malformed == 1
    assert "malformed AMI message" in caplog.text


def test_known_event_missing_a_required_field_raises_for_the_caller_to_skip():
    fields = {"Event": "QueueCallerJoin", "Channel": "x", "Uniqueid": "u"}  # no Queue
    try:
        parse_event(fields)
    except KeyError:
        pass
    else:
        raise AssertionError("a QueueCallerJoin without Queue must not become an event")


def test_unwanted_events_are_dropped_unparsed_but_action_replies_are_kept():
    parser = AmiStreamParser({"Hangup"})
    data = (
        b"Event: DeviceStateChange\r\nDevice: x\r\n\r\n"
        b"Event: CoreShowChannel\r\nActionID: 7\r\nChannel: c\r\n\r\n"
        b"Response: Success\r\nActionID: 8\r\n\r\n"
    )
    messages = parser.feed(data)
    assert [m.get("Event") or m.get("Response") for m in messages] == ["CoreShowChannel", "Success"]
    assert parser.skipped == 1


def test_a_blank_line_before_a_message_keeps_it_whole():
    # Asterisk 22 sends one after some events (seen before a UserEvent following DTMF).
    data = (b"Event: DTMFEnd\r\nChannel: c\r\n\r\n\r\n"
            b"Event: UserEvent\r\nChannel: c\r\nUniqueid: u\r\nUserEvent: CcDialer\r\n"
            b"Step: optout\r\nUniqueid: mine\r\n\r\n")
    (_, user_event) = AmiStreamParser().feed(data)
    assert user_event["Uniqueid"] == "u" and user_event.payload == [
        ("Step", "optout"), ("Uniqueid", "mine")]
