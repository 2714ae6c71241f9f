"""Learning progress: lessons done, scenario runs and the decisions in them, completions.

Content lives in files (the catalogue); rows here refer to it by id and record the
content version they were made against, so that a record can be explained later.
`cycle` is the certification cycle (1 for a person's first time through a module).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow


class ItemProgress(Base):
    """A lesson (or other item) of a module's path that a person has completed."""

    __tablename__ = "item_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "cycle", "item_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    cycle: Mapped[int] = mapped_column(default=1)
    item_ref: Mapped[str] = mapped_column(String(100))
    content_version: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScenarioRun(Base):
    """One play-through of a scenario. At most one unfinished run per person and scenario."""

    __tablename__ = "scenario_run"
    __table_args__ = (
        Index(
            "uq_scenario_run_one_open",
            "user_id",
            "module_id",
            "scenario_id",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    scenario_id: Mapped[str] = mapped_column(String(80))
    cycle: Mapped[int] = mapped_column(default=1)
    content_version: Mapped[int]
    current_node: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Closed because newer content no longer has the step it stopped on (also finished_at,
    # so it is not open): it never counts as a finished play-through.
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decisions: Mapped[list[ScenarioDecision]] = relationship(
        back_populates="run", order_by="ScenarioDecision.id"
    )


class ScenarioDecision(Base):
    """A choice made at a decision node, for the learner's summary and officers' analytics."""

    __tablename__ = "scenario_decision"
    __table_args__ = (
        UniqueConstraint("run_id", "node_id"),
        # Covers the analytics counts (choices, and the people who made them) without
        # reading the table.
        Index(
            "ix_scenario_decision_choosers",
            "module_id",
            "scenario_id",
            "node_id",
            "choice_id",
            "user_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scenario_run.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    scenario_id: Mapped[str] = mapped_column(String(80))
    content_version: Mapped[int]
    node_id: Mapped[str] = mapped_column(String(80))
    choice_id: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(12))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run: Mapped[ScenarioRun] = relationship(back_populates="decisions")


class ModuleCompletion(Base):
    """A module's learning path completed in a cycle (the quiz unlocks after this)."""

    __tablename__ = "module_completion"
    __table_args__ = (UniqueConstraint("user_id", "module_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    cycle: Mapped[int] = mapped_column(default=1)
    path: Mapped[str] = mapped_column(String(12))
    content_version: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
