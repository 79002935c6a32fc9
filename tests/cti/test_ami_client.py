"""AmiClient guards, against a scripted AMI peer on loopback (the real Asterisk is exercised
by the integration tests; a dead or half-open link is only reproducible with a fake)."""
from __future__ import annotations

import asyncio

import pytest

from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiClient, AmiError

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


async def client_for(fake: FakeAmi, events: list, resyncs: list) -> AmiClient:
    async def on_connected(client: AmiClient) -> None:
        resyncs.append(await client.event_list({"Action": "CoreShowChannels"}))

    return AmiClient(host="127.0.0.1", port=fake.port, username="cti", secret="s",
                     on_event=events.append, on_connected=on_connected,
                     action_timeout=0.5, ping_interval=0.2, reconnect_delay=0.1)


async def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


def received(client: AmiClient) -> list[bytes]:
    """What the client's current connection reads from now on, read by read."""
    reads: list[bytes] = []
    protocol = client.protocol
    read = protocol.data_received

    def spy(data: bytes) -> None:
        reads.append(data)
        read(data)
    protocol.data_received = spy  # the transport looks the method up on each read
    return reads


async def test_half_open_link_is_noticed_and_reopened_with_a_resync():
    fake, events, resyncs = FakeAmi(), [], []
    await fake.start()
    client = await client_for(fake, events, resyncs)
    runner = asyncio.ensure_future(client.run())
    await wait_until(lambda: client.connected.is_set())
    fake.silent = True  # pings go unanswered, as on a half-open TCP connection
    await wait_until(lambda: client.connections >= 2)
    fake.silent = False
    await wait_until(lambda: len(resyncs) >= 2)
    client.stop()
    await runner
    await fake.stop()


async def test_closed_link_reconnects_and_events_keep_flowing_past_garbage():
    fake, events, resyncs = FakeAmi(), [], []
    await fake.start()
    client = await client_for(fake, events, resyncs)
    runner = asyncio.ensure_future(client.run())
    await wait_until(lambda: client.connected.is_set())
    for writer in list(fake.writers):
        writer.close()  # Asterisk restarted
    fake.writers.clear()
    await wait_until(lambda: client.connections == 2 and client.connected.is_set())
    name = "Jürgen 张伟".encode()
    join = (b"Event: QueueCallerJoin\r\nChannel: PJSIP/t-1\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\n"
            b"CallerIDNum: 4930\r\nCallerIDName: " + name + b"\r\nQueue: q\r\nPosition: 1\r\n\r\n")
    reads = received(client)
    fake.push(b"garbage without structure\r\n\r\n" + join[:70])
    await wait_until(lambda: b"".join(reads).endswith(join[:70]))  # read: the event half-parsed
    fake.push(join[70:])
    await wait_until(lambda: any(isinstance(e, ev.QueueCallerJoined) for e in events))
    joined = [e for e in events if isinstance(e, ev.QueueCallerJoined)][0]
    assert joined.caller_name == "Jürgen 张伟"
    client.stop()
    await runner
    await fake.stop()


async def test_actions_time_out_and_originate_is_always_async_with_a_channel_id():
    fake, events, resyncs = FakeAmi(), [], []
    await fake.start()
    client = await client_for(fake, events, resyncs)
    runner = asyncio.ensure_future(client.run())
    await wait_until(lambda: client.connected.is_set())
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
    fake, events, resyncs = FakeAmi(), [], []
    await fake.start()
    client = await client_for(fake, events, resyncs)
    runner = asyncio.ensure_future(client.run())
    await wait_until(lambda: client.connected.is_set())
    items = await client.event_list({"Action": "CoreShowChannels"})
    assert [i["Channel"] for i in items] == ["PJSIP/trunk-00000001"]
    assert [[i["Channel"] for i in r] for r in resyncs] == [["PJSIP/trunk-00000001"]]
    client.stop()
    await runner
    await fake.stop()
