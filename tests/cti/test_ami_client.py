"""AmiClient guards, against a scripted AMI peer on loopback (the real Asterisk is exercised
by the integration tests; a dead or half-open link is only reproducible with a fake)."""
from __future__ import annotations

import asyncio

import pytest

from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiClient, AmiError

from tests.helpers.waiting import Changes

pytestmark = pytest.mark.asyncio(loop_scope="session")


class FakeAmi:
    """Logs anyone in; answers actions unless told to go silent (a half-open link)."""

    def __init__(self) -> None:
        self.actions: list[bytes] = []
        self.silent = False
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader, writer) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        self.writers.append(writer)
        try:
            while True:
                action = await reader.readuntil(b"\r\n\r\n")
                self.actions.append(action)
                if self.silent and b"Action: Login" not in action:
                    continue
                action_id = action.split(b"ActionID: ")[1].split(b"\r\n")[0]
                if b"Action: CoreShowChannels" in action:
                    writer.write(b"Response: Success\r\nActionID: " + action_id + b"\r\nEventList: start\r\n"
                                 b"Message: Channels will follow\r\n\r\n"
                                 b"Event: CoreShowChannel\r\nActionID: " + action_id +
                                 b"\r\nChannel: PJSIP/trunk-00000001\r\nUniqueid: 9.1\r\n\r\n"
                                 b"Event: CoreShowChannelsComplete\r\nActionID: " + action_id +
                                 b"\r\nEventList: Complete\r\n\r\n")
                elif b"Action: Hold" in action:
                    continue  # never answered
                else:
                    writer.write(b"Response: Success\r\nActionID: " + action_id + b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    def push(self, data: bytes) -> None:
        for writer in self.writers:
            writer.write(data)

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        self.server.close()


async def client_for(fake: FakeAmi, events: list, resyncs: list, changes: Changes) -> AmiClient:
    """A client of FAKE; CHANGES hears of each event, each (re)connection and each resync."""
    def on_event(event) -> None:
        events.append(event)
        changes.notify()

    async def on_connected(client: AmiClient) -> None:
        changes.notify()  # client.connections counted this connection
        resyncs.append(await client.event_list({"Action": "CoreShowChannels"}))
        changes.notify()

    return AmiClient(host="127.0.0.1", port=fake.port, username="cti", secret="s",
                     on_event=on_event, on_connected=on_connected,
                     action_timeout=0.5, ping_interval=0.2, reconnect_delay=0.1)


async def connected(client: AmiClient) -> None:
    await asyncio.wait_for(client.connected.wait(), 5)


def received(client: AmiClient, changes: Changes) -> list[bytes]:
    """What the client's current connection reads from now on, read by read."""
    reads: list[bytes] = []
    protocol = client.protocol
    read = protocol.data_received

    def spy(data: bytes) -> None:
        reads.append(data)
        read(data)
        changes.notify()
    protocol.data_received = spy  # the transport looks the method up on each read
    return reads


async def test_half_open_link_is_noticed_and_reopened_with_a_resync():
    fake, events, resyncs, changes = FakeAmi(), [], [], Changes()
    await fake.start()
    client = await client_for(fake, events, resyncs, changes)
    runner = asyncio.ensure_future(client.run())
    await connected(client)
    fake.silent = True  # pings go unanswered, as on a half-open TCP connection
    await changes.until(lambda: client.connections >= 2, "a new connection", 5)
    fake.silent = False
    await changes.until(lambda: len(resyncs) >= 2, "the resync on the new connection", 5)
    client.stop()
    await runner
    await fake.stop()


async def test_closed_link_reconnects_and_events_keep_flowing_past_garbage():
    fake, events, resyncs, changes = FakeAmi(), [], [], Changes()
    await fake.start()
    client = await client_for(fake, events, resyncs, changes)
    runner = asyncio.ensure_future(client.run())
    await connected(client)
    for writer in list(fake.writers):
        writer.close()  # Asterisk restarted
    fake.writers.clear()
    await changes.until(lambda: client.connections == 2, "the reconnection", 5)
    await connected(client)
    name = "Jürgen 张伟".encode()
    join = (b"Event: QueueCallerJoin\r\nChannel: PJSIP/t-1\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\n"
            b"CallerIDNum: 4930\r\nCallerIDName: " + name + b"\r\nQueue: q\r\nPosition: 1\r\n\r\n")
    reads = received(client, changes)
    fake.push(b"garbage without structure\r\n\r\n" + join[:70])
    await changes.until(lambda: b"".join(reads).endswith(join[:70]), "the first half read", 5)
    fake.push(join[70:])
    await changes.until(lambda: any(isinstance(e, ev.QueueCallerJoined) for e in events),
                        "the event", 5)
    joined = [e for e in events if isinstance(e, ev.QueueCallerJoined)][0]
    assert joined.caller_name == "Jürgen 张伟"
    client.stop()
    await runner
    await fake.stop()


async def test_actions_time_out_and_originate_is_always_async_with_a_channel_id():
    fake, events, resyncs, changes = FakeAmi(), [], [], Changes()
    await fake.start()
    client = await client_for(fake, events, resyncs, changes)
    runner = asyncio.ensure_future(client.run())
    await connected(client)
    with pytest.raises(AmiError, match="timed out"):
        await client.send({"Action": "Hold", "Channel": "x"})
    channel_id = await client.originate({"Channel": "Local/1@x", "Application": "Wait",
                                         "Data": "1", "Variable": ["NAME=Jürgen 张伟"]})
    sent = [a for a in fake.actions if b"Action: Originate" in a][0]
    assert b"Async: true" in sent and f"ChannelId: {channel_id}".encode() in sent
    assert "NAME=Jürgen 张伟".encode() in sent
    client.stop()
    await runner
    await fake.stop()


async def test_event_lists_return_their_items():
    fake, events, resyncs, changes = FakeAmi(), [], [], Changes()
    await fake.start()
    client = await client_for(fake, events, resyncs, changes)
    runner = asyncio.ensure_future(client.run())
    await connected(client)
    items = await client.event_list({"Action": "CoreShowChannels"})
    assert [i["Channel"] for i in items] == ["PJSIP/trunk-00000001"]
    assert [[i["Channel"] for i in r] for r in resyncs] == [["PJSIP/trunk-00000001"]]
    client.stop()
    await runner
    await fake.stop()
