"""People, a person's record, and line managers' "Your team"."""

from __future__ import annotations

import dataclasses

from flask import abort
from flask_login import current_user

from app import catalogue
from app.admin import services as admin_services
from app.auth.permissions import signed_in, training_officer
from app.compliance import queries
from app.compliance.rules import Status
from app.reports.blueprint import (
    bp,
    people_filter_choices,
    people_list,
    read_filters,
    record_page,
)

# --- People and their records -------------------------------------------------------------


@bp.get("/reports/people")
@training_officer
def people() -> str:
    choices = people_filter_choices()
    filters, problems = read_filters(
        departments=choices["departments"],
        keys=("department", "module", "status", "due_before", "account"),
    )
    return people_list(
        filters,
        problems=problems,
        record_endpoint="reports.record",
        heading="People",
        choices=choices,
    )


@bp.get("/reports/people/<int:user_id>")
@training_officer
def record(user_id: int) -> str:
    person = admin_services.get_person(user_id)
    if person is None:
        abort(404)
    return record_page(person, manager_view=False)


# --- Line managers ----------------------------------------------------------------------


@bp.get("/team")
@signed_in
def team() -> str:
    # The officers' filters, within the team (a manager has no department filter).
    filters, problems = read_filters(keys=("module", "status", "due_before"))
    filters = dataclasses.replace(filters, department_id=None)
    choices = {"departments": [], "modules": catalogue.get().in_order(), "statuses": list(Status)}
    return people_list(
        filters,
        problems=problems,
        within=queries.team_select(current_user.id),
        record_endpoint="reports.team_member",
        heading="Your team",
        choices=choices,
        # Only when nobody reports to them: a filter that matches nobody keeps its form.
        no_team=not queries.has_team(current_user.id),
    )


@bp.get("/team/<int:user_id>")
@signed_in
def team_member(user_id: int) -> str:
    if not queries.in_team(current_user.id, user_id):
        abort(404)
    person = admin_services.get_person(user_id)
    if person is None:
        abort(404)
    return record_page(person, manager_view=True)
