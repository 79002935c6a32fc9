"""BatchedLookup: the numbers asked for in one turn of the event loop go in one lookup."""
import asyncio

import pytest

from ctiserver.calls.screenpop import BatchedLookup


@pytest.mark.asyncio(loop_scope="session")
async def test_one_lookup_per_turn_and_failures_reach_every_caller():
    calls: list[list[str]] = []

    async def lookup_many(numbers: list[str]) -> dict:
        calls.append(numbers)
        if "boom" in numbers:
            raise RuntimeError("database away")
        return {n: {"id": int(n)} for n in numbers if n != "404"}

    lookup = BatchedLookup(lookup_many)
    cards = await asyncio.gather(lookup("1"), lookup("2"), lookup("1"), lookup("404"))
    assert cards == [{"id": 1}, {"id": 2}, {"id": 1}, None]
    assert calls == [["1", "2", "404"]]
    assert await lookup("3") == {"id": 3}
    assert calls[-1] == ["3"]
    results = await asyncio.gather(lookup("boom"), lookup("4"), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


async def next_turn() -> None:
    """Let the event loop run one turn."""
    turn = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(turn.set_result, None)
    await turn


@pytest.mark.asyncio(loop_scope="session")
async def test_numbers_asked_for_during_a_lookup_go_in_the_next():
    calls: list[list[str]] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def lookup_many(numbers: list[str]) -> dict:
        calls.append(numbers)
        started.set()
        await release.wait()
        return {n: {"id": int(n)} for n in numbers}

    lookup = BatchedLookup(lookup_many)
    first = lookup("1")
    await started.wait()  # the first lookup is under way
    later = [lookup("2"), lookup("3")]
    await next_turn()
    later.append(lookup("4"))  # another turn, still during the first
    await next_turn()
    await next_turn()
    assert calls == [["1"]]
    release.set()
    assert await asyncio.gather(first, *later) == [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]
    assert calls == [["1"], ["2", "3", "4"]]
