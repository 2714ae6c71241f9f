"""Counters the database itself moves on every change that affects a set of figures.

Triggers (migration 0007) add one to `compliance` when assignments, people, departments,
certificates or corrections change, and to `analytics` when a quiz is submitted or a
scenario decision recorded. A cached figure is kept with the counter it was computed at,
so it is used only while nothing it depends on has changed, whichever code path (or
process) made the change.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ChangeCounter(Base):
    __tablename__ = "change_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
