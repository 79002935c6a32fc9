"""Who may see which customers and callbacks (issue 4): an agent sees the customers they are
working, a supervisor their teams' work, an admin everything.

"Working" a customer means any of: a call of the customer the agent was offered or handled
(calls.agent_user_id, or the call popping on their console right now, held in memory by
:class:`Working`), a callback of the customer assigned to the agent or to anyone, or having
created the customer."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from crm_core.models import Call, Callback, Customer

POPS_KEPT = 200
"""Recent pops remembered per user; older ones are covered by the call's row by then."""


@dataclass(frozen=True, slots=True)
class PoppedCall:
    customer_id: int | None
    queue: str | None
    caller_number: str | None = None
    caller_name: str | None = None
    campaign: str | None = None
    """A dialer's call: its campaign."""


class Working:
    """In-memory record of the calls that popped on each user's console and the customers
    shown with them. Fed by the screen-pop path (the CRM row of a call comes later)."""

    def __init__(self) -> None:
        self._calls: dict[int, OrderedDict[str, PoppedCall]] = {}
        self._customers: dict[int, OrderedDict[int, None]] = {}

    def allow_call(self, user_id: int, call_key: str, *, customer_id: int | None = None,
                   queue: str | None = None, caller_number: str | None = None,
                   caller_name: str | None = None, campaign: str | None = None) -> None:
        calls = self._calls.setdefault(user_id, OrderedDict())
        calls[call_key] = PoppedCall(customer_id, queue, caller_number, caller_name, campaign)
        _trim(calls)
        if customer_id is not None:
            self.allow_customer(user_id, customer_id)

    def allow_customer(self, user_id: int, customer_id: int) -> None:
        customers = self._customers.setdefault(user_id, OrderedDict())
        customers[customer_id] = None
        customers.move_to_end(customer_id)
        _trim(customers)

    def popped(self, user_id: int, call_key: str) -> PoppedCall | None:
        return self._calls.get(user_id, {}).get(call_key)

    def customers(self, user_ids: frozenset[int] | None) -> frozenset[int]:
        """Customers popped for any of ``user_ids`` (None: for anyone)."""
        if user_ids is None:
            owners = list(self._customers.values())
        else:
            owners = [self._customers[u] for u in user_ids if u in self._customers]
        return frozenset(c for customers in owners for c in customers)


def _trim(entries: OrderedDict) -> None:
    while len(entries) > POPS_KEPT:
        entries.popitem(last=False)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one user may see: ``visible`` user ids (None: everyone's), ``working`` customer ids
    popped on those users' consoles."""

    user_id: int
    visible: frozenset[int] | None
    working: frozenset[int]

    def callbacks(self) -> ColumnElement[bool]:
        if self.visible is None:
            return true()
        return or_(Callback.assigned_user_id.is_(None),
                   Callback.assigned_user_id.in_(self.visible))

    def customers(self) -> ColumnElement[bool]:
        if self.visible is None:
            return true()
        handled = select(Call.id).where(
            Call.customer_id == Customer.id, Call.agent_user_id.in_(self.visible)
        )
        called_back = select(Callback.id).where(
            and_(Callback.customer_id == Customer.id, self.callbacks())
        )
        return or_(
            Customer.id.in_(self.working),
            Customer.created_by.in_(self.visible),
            exists(handled),
            exists(called_back),
        )
