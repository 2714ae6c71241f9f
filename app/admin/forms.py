"""Forms for the administration area: people, departments and the audit log filters."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
)

from app.admin.services import (
    ASSIGNABLE_ROLES,
    PROFESSIONAL_BODIES,
    ROLE_FILTERS,
    STATUS_FILTERS,
)
from app.forms import TRIM, AppForm
from app.models.organisation import has_control_character, tidy_person_name

EMAIL_FORMAT_MESSAGE = "Enter an email address in the correct format, like name@example.org"
REASON_MAX = 500


def choices(pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects, not (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


# --- A GOV.UK date input (day, month, year) ----------------------------------------------


class AppDateInput(GovDateInput):
    """GOV.UK date input whose first box (Day) carries the field's id, so that the error
    summary's link (#field-id) lands on it, as the Design System asks."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params["id"] = f"{field.id}-date"
        params["items"][0]["id"] = field.id
        return params


class DayMonthYearField(Field):
    """A date typed as three numbers. Blank is None; half-filled or unreal dates are errors
    with the GOV.UK wording ("Start date must include a month", "… must be a real date")."""

    widget = AppDateInput()

    def __init__(self, label=None, validators=None, *, name_in_errors: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.name_in_errors = name_in_errors

    def _value(self) -> str:
        return ""

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [str(value).strip() for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts  # the widget shows exactly three boxes, whatever was sent
        self.data = None
        day, month, year = parts
        if not any(parts):
            return
        missing = [
            name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value
        ]
        if len(missing) == 1:
            raise ValueError(f"{self.name_in_errors} must include a {missing[0]}")
        if len(missing) == 2:
            raise ValueError(f"{self.name_in_errors} must include a {missing[0]} and {missing[1]}")
        # Day and month have at most two digits: a longer number is no date, and a huge
        # one would overflow rather than fail as a bad date.
        if (
            not all(part.isdigit() for part in parts)
            or len(year) != 4
            or len(day) > 2
            or len(month) > 2
        ):
            raise ValueError(f"{self.name_in_errors} must be a real date")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.name_in_errors} must be a real date") from None


class DateRequired:
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is None and not any(field.raw_data or []):
            raise StopValidation(self.message)


class DateInRange:
    def __call__(self, form, field) -> None:
        if field.data is not None and not 1900 <= field.data.year <= 2100:
            raise StopValidation(f"{field.name_in_errors} must be a real date")


# --- Text that is kept -------------------------------------------------------------------


class NoControlCharacters:
    """Refuses escape, bell and the like, with the HR import's message, adapted to a form."""

    def __init__(self, name_in_errors: str) -> None:
        self.message = (
            f"{name_in_errors} contains a control character. Remove it and save the form again."
        )

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and has_control_character(field.data):
            raise StopValidation(self.message)


def tidy_name(value):
    return tidy_person_name(value) if isinstance(value, str) else value


# --- People -----------------------------------------------------------------------------


def required_text(label: str, what: str, max_length: int) -> StringField:
    """A name-like text field with the GOV.UK messages for a missing or too long value.
    Invisible characters are left out first, so a value of only those is missing too."""
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[tidy_name],
        validators=[
            DataRequired(message=f"Enter {what}"),
            NoControlCharacters(label),
            Length(
                max=max_length,
                message=f"{label} must be {max_length} characters or fewer",
            ),
        ],
    )


class PersonForm(AppForm):
    employee_number = required_text("Employee number", "an employee number", 32)
    first_name = required_text("First name", "a first name", 100)
    last_name = required_text("Last name", "a last name", 100)
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=TRIM,
        validators=[
            DataRequired(message="Enter an email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message=EMAIL_FORMAT_MESSAGE, check_deliverability=False),
        ],
    )
    department = SelectField(
        "Department",
        widget=GovSelect(),
        choices=[],
        validators=[DataRequired(message="Select a department")],
        invalid_choice_message="Select a department",
    )
    job_title = StringField(
        "Job title (optional)",
        widget=GovTextInput(),
        filters=TRIM,
        validators=[
            Optional(),
            NoControlCharacters("Job title"),
            Length(max=150, message="Job title must be 150 characters or fewer"),
        ],
    )
    start_date = DayMonthYearField(
        "Start date",
        description="The date they started working for the council, for example 27 3 2024",
        name_in_errors="Start date",
        validators=[DateRequired("Enter the date they started"), DateInRange()],
    )
    line_manager = StringField(
        "Line manager's employee number (optional)",
        widget=GovTextInput(),
        filters=[tidy_name],  # as the employee numbers it is compared with
        description="Leave this blank if they do not have a line manager",
        validators=[
            Optional(),
            NoControlCharacters("Line manager's employee number"),
            Length(max=32, message="Line manager's employee number must be 32 characters or fewer"),
        ],
    )
    regulated_role = RadioField(
        "Do they work in a regulated role?",
        widget=GovRadioInput(),
        description=(
            "Regulated work with children or protected adults, covered by the "
            "Protecting Vulnerable Groups (PVG) scheme"
        ),
        choices=choices([("yes", "Yes"), ("no", "No")]),
        validate_choice=False,
        validators=[
            InputRequired(message="Select yes if they work in a regulated role"),
            AnyOf(["yes", "no"], message="Select yes if they work in a regulated role"),
        ],
    )
    professional_body = RadioField(
        "Which professional body are they registered with?",
        widget=GovRadioInput(),
        choices=choices(PROFESSIONAL_BODIES),
        validate_choice=False,
        validators=[
            InputRequired(message="Select their professional body, or None"),
            AnyOf(
                [value for value, _label in PROFESSIONAL_BODIES],
                message="Select their professional body, or None",
            ),
        ],
    )
    roles = SelectMultipleField(
        "Other roles (optional)",
        widget=GovCheckboxesInput(),
        description=(
            "Everyone is a learner. Anyone with people reporting to them is a line manager."
        ),
        choices=choices(ASSIGNABLE_ROLES.items()),
        invalid_choice_message="Select roles from the list",
    )

    def set_departments(self, departments) -> None:
        self.department.choices = [
            SelectChoice("", "Choose a department"),
            *(SelectChoice(str(d.id), d.name) for d in departments),
        ]


class NewPersonForm(PersonForm):
    submit = SubmitField("Add person", widget=GovSubmitInput())


class EditPersonForm(PersonForm):
    # An HR file may leave the start date blank; changing such a person's other details
    # must not make the administrator invent one.
    start_date = DayMonthYearField(
        "Start date (optional)",
        description="The date they started working for the council, for example 27 3 2024. "
        "Leave it blank if you do not know it",
        name_in_errors="Start date",
        validators=[DateInRange()],
    )
    # Shown only on an administrator's own record: changing one's own address (which
    # password resets go to) needs the password, so an open session cannot take the
    # account over (security checklist 10). Checked in the route, only if the address changes.
    current_password = PasswordField(
        "Your current password",
        widget=GovPasswordInput(),
        description="Only needed if you change your own email address",
    )
    # The person's details as the page showed them (services.version_of).
    version = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class DeactivateForm(AppForm):
    reason = TextAreaField(
        "Why are you deactivating this account?",
        widget=GovTextArea(),
        filters=TRIM,
        description=(
            f"For example, they have left the council. Up to {REASON_MAX} characters. "
            "This goes in the audit log."
        ),
        validators=[
            DataRequired(message="Enter a reason for deactivating this account"),
            Length(max=REASON_MAX, message=f"Reason must be {REASON_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Deactivate account", widget=GovSubmitInput())


class ReactivateForm(AppForm):
    reason = TextAreaField(
        "Why are you reactivating this account?",
        widget=GovTextArea(),
        filters=TRIM,
        description=(
            f"For example, they have rejoined the council. Up to {REASON_MAX} characters. "
            "This goes in the audit log."
        ),
        validators=[
            DataRequired(message="Enter a reason for reactivating this account"),
            Length(max=REASON_MAX, message=f"Reason must be {REASON_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Reactivate account", widget=GovSubmitInput())


# --- Departments ------------------------------------------------------------------------

DEPARTMENT_NAME_VALIDATORS = [
    DataRequired(message="Enter a department name"),
    NoControlCharacters("Department name"),
    Length(max=120, message="Department name must be 120 characters or fewer"),
]


class DepartmentForm(AppForm):
    name = StringField(
        "Department name",
        widget=GovTextInput(),
        filters=TRIM,
        validators=DEPARTMENT_NAME_VALIDATORS,
    )
    submit = SubmitField("Add department", widget=GovSubmitInput())


class RenameDepartmentForm(AppForm):
    name = StringField(
        "New name", widget=GovTextInput(), filters=TRIM, validators=DEPARTMENT_NAME_VALIDATORS
    )
    version = HiddenField()  # the name as the page showed it (services.department_version)
    submit = SubmitField("Save name", widget=GovSubmitInput())


# --- Filters (GET forms: the filters live in the URL) -----------------------------------


class FilterForm(AppForm):
    class Meta:
        csrf = False


class PeopleFilterForm(FilterForm):
    q = StringField(
        "Search",
        widget=GovTextInput(),
        description="Name, email address or employee number",
    )
    department = SelectField("Department", widget=GovSelect(), choices=[])
    role = SelectField(
        "Role",
        widget=GovSelect(),
        choices=choices([("", "Any role"), *ROLE_FILTERS.items()]),
    )
    status = SelectField(
        "Status",
        widget=GovSelect(),
        choices=choices(STATUS_FILTERS.items()),
    )

    def set_departments(self, departments) -> None:
        self.department.choices = [
            SelectChoice("", "All departments"),
            *(SelectChoice(str(d.id), d.name) for d in departments),
        ]


class DateFilterField(StringField):
    """A date typed as 29/11/2026 (or 2026-11-29, as in links we make)."""

    def __init__(self, label=None, validators=None, *, name_in_errors: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.name_in_errors = name_in_errors
        self.date: date | None = None

    def pre_validate(self, form) -> None:
        self.date = None
        text = (self.data or "").strip()
        if not text:
            return
        self.date = parse_date(text)
        if self.date is None:
            raise StopValidation(f"{self.name_in_errors} must be a real date, like 29/11/2026")


def parse_date(text: str) -> date | None:
    text = text.strip()
    try:
        if "-" in text:
            year, month, day = text.split("-")
        else:
            day, month, year = text.split("/")
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            return None
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if 1900 <= value.year <= 2100 else None


class AuditFilterForm(FilterForm):
    event = SelectField("Event", widget=GovSelect(), choices=[], validate_choice=False)
    date_from = DateFilterField(
        "Date from",
        widget=GovTextInput(),
        description="For example, 29/11/2026",
        name="from",
        name_in_errors="Date from",
    )
    date_to = DateFilterField(
        "Date to",
        widget=GovTextInput(),
        description="For example, 30/11/2026",
        name="to",
        name_in_errors="Date to",
    )

    def set_events(self, labels: dict[str, str]) -> None:
        self.event.choices = [
            SelectChoice("", "All events"),
            *(SelectChoice(key, label) for key, label in labels.items()),
        ]

    def validate_date_to(self, field) -> None:
        if self.date_from.date and field.date and field.date < self.date_from.date:
            raise StopValidation("Date to must be the same as or after date from")
