"""The call history: finished calls written in batches, exactly once per ``call_key``."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, Text, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, Insert, insert
from sqlalchemy.types import TypeEngine

from crm_core.db import Database
from crm_core.models import Call, ContactNumber, User
from crm_core.phones import normalize_number
from crm_core.values import CallRecord, survey_score


RECORD_FIELDS = tuple(f.name for f in fields(CallRecord))
_calls = Call.__table__


JSON_FIELDS = frozenset({"collected"})
"""Travel as text[] of JSON documents, cast to jsonb per row: a jsonb[] parameter would turn
None into JSON null instead of SQL NULL."""


def _array_param(name: str, element_type: TypeEngine[Any]) -> ColumnElement[Any]:
    # The cast tells PostgreSQL the array's type, which unnest() cannot infer.
    return cast(bindparam(name), ARRAY(element_type))


def _param_type(name: str) -> TypeEngine[Any]:
    return Text() if name in JSON_FIELDS else _calls.c[name].type


def _column(rows: Any, name: str) -> ColumnElement[Any]:
    return cast(rows.c[name], JSONB) if name in JSON_FIELDS else rows.c[name]


def _insert_statement() -> Insert:
    """One INSERT for a whole batch: each column travels as one array, unnest() turns the arrays
    back into rows. The agent and the customer are looked up per row through the indexes on
    users.interface and contact_numbers.number_e164 (of several customers sharing a number, the
    oldest wins). Far faster than a multi-row VALUES list, and without its parameter limit."""
    arrays = [_array_param(name, _param_type(name)) for name in RECORD_FIELDS]
    arrays += [_array_param("survey_score", _calls.c.survey_score.type),
               _array_param("agent_match", Text()), _array_param("number_match", Text())]
    rows = func.unnest(*arrays).table_valued(*RECORD_FIELDS, "survey_score", "agent_match",
                                             "number_match")
    rows = rows.render_derived().alias("r")
    agent = select(User.id).where(User.interface == rows.c.agent_match).scalar_subquery()
    customer = (
        select(func.min(ContactNumber.customer_id))
        .where(ContactNumber.number_e164 == rows.c.number_match)
        .scalar_subquery()
    )
    source = select(*(_column(rows, name) for name in RECORD_FIELDS), rows.c.survey_score,
                    agent, customer)
    return (
        insert(_calls)
        .from_select([*RECORD_FIELDS, "survey_score", "agent_user_id", "customer_id"], source)
        .on_conflict_do_nothing(index_elements=[_calls.c.call_key])
        .returning(_calls.c.id)
    )


_INSERT = _insert_statement()


def customer_number(record: CallRecord, default_region: str) -> str | None:
    """E.164 number of the remote party: the caller, or on outbound calls the called party.
    Internal calls have none."""
    if record.direction == "internal":
        return None
    raw = record.called_number if record.direction == "outbound" else record.caller_number
    return normalize_number(raw, default_region) if raw else None


def column_arrays(records: Sequence[CallRecord], default_region: str) -> dict[str, list[Any]]:
    """The batch column by column, as the INSERT takes it, plus the keys to resolve."""
    arrays = {name: [getattr(r, name) for r in records] for name in RECORD_FIELDS}
    for name in JSON_FIELDS:
        arrays[name] = [None if v is None else json.dumps(v, ensure_ascii=False)
                        for v in arrays[name]]
    arrays["survey_score"] = [survey_score(r.collected) for r in records]
    arrays["agent_match"] = arrays["agent_interface"]
    arrays["number_match"] = [customer_number(r, default_region) for r in records]
    return arrays


async def record_calls(
    db: Database, records: Sequence[CallRecord], *, default_region: str
) -> int:
    """Write a batch of finished calls in one statement (so in one transaction); a call_key
    already stored is skipped. Returns the number of rows actually inserted."""
    if not records:
        return 0
    params = column_arrays(records, default_region)
    async with db.autocommit.connect() as conn:
        result = await conn.execute(_INSERT, params)
        return len(result.all())
