"""The demo council: fictional departments and staff.

Names are combined at random from common Scottish first names and surnames; they
describe nobody real.
"""

from __future__ import annotations

from dataclasses import dataclass

DEPARTMENTS = (
    "Education",
    "Social Policy",
    "Housing",
    "Corporate Services",
    "Libraries",
    "Operational Services",
)

FIRST_NAMES = (
    "Ailsa",
    "Alasdair",
    "Andrew",
    "Catriona",
    "Callum",
    "Claire",
    "Duncan",
    "Eilidh",
    "Euan",
    "Fraser",
    "Gillian",
    "Hamish",
    "Heather",
    "Iain",
    "Isla",
    "Jennifer",
    "Karen",
    "Lewis",
    "Lorna",
    "Malcolm",
    "Mhairi",
    "Neil",
    "Niamh",
    "Rhona",
    "Ross",
    "Ruaridh",
    "Shona",
    "Stuart",
    "Yvonne",
    "Zara",
)

LAST_NAMES = (
    "Anderson",
    "Bell",
    "Cameron",
    "Campbell",
    "Dalgleish",
    "Dunlop",
    "Ferguson",
    "Gallacher",
    "Grant",
    "Hamilton",
    "Henderson",
    "Johnstone",
    "Lennox",
    "MacDonald",
    "MacKay",
    "McIntyre",
    "Millar",
    "Morrison",
    "Munro",
    "Ogilvie",
    "Ramsay",
    "Robertson",
    "Sinclair",
    "Stewart",
    "Thomson",
    "Wallace",
    "Watson",
    "Young",
)

# department: (manager's job title, staff job titles, regulated role?, professional body)
ROLES: dict[str, tuple[str, tuple[tuple[str, bool, str], ...]]] = {
    "Education": (
        "Head teacher",
        (
            ("Class teacher", True, "GTCS"),
            ("Principal teacher", True, "GTCS"),
            ("Pupil support worker", True, "none"),
            ("Early years practitioner", True, "SSSC"),
            ("School administrator", False, "none"),
        ),
    ),
    "Social Policy": (
        "Team manager, children and families",
        (
            ("Social worker", True, "SSSC"),
            ("Care worker", True, "SSSC"),
            ("Occupational therapist", True, "HCPC"),
            ("Support worker", True, "SSSC"),
            ("Business support officer", False, "none"),
        ),
    ),
    "Housing": (
        "Housing services manager",
        (
            ("Housing officer", False, "none"),
            ("Tenancy support officer", False, "none"),
            ("Repairs co-ordinator", False, "none"),
        ),
    ),
    "Corporate Services": (
        "Service manager",
        (
            ("HR adviser", False, "none"),
            ("Finance officer", False, "none"),
            ("ICT analyst", False, "none"),
            ("Customer service adviser", False, "none"),
        ),
    ),
    "Libraries": (
        "Library services manager",
        (
            ("Library assistant", False, "none"),
            ("Librarian", False, "other"),
            ("Children's librarian", True, "other"),
        ),
    ),
    "Operational Services": (
        "Operations manager",
        (
            ("Waste services operative", False, "none"),
            ("Roads inspector", False, "none"),
            ("Fleet co-ordinator", False, "none"),
            ("Passenger assistant (school transport)", True, "none"),
        ),
    ),
}


@dataclass(frozen=True)
class DemoAccount:
    key: str
    email: str
    employee_number: str
    first_name: str
    last_name: str
    department: str
    job_title: str
    is_regulated_role: bool = False
    professional_body: str = "none"
    is_training_officer: bool = False
    is_administrator: bool = False
    manager_key: str | None = None
    starts_this_month: bool = False


# The accounts people sign in with. manager_key names another account's key.
SIGN_IN_ACCOUNTS = (
    DemoAccount(
        "admin",
        "admin@example.org",
        "D0001",
        "Fiona",
        "Baird",
        "Corporate Services",
        "ICT systems administrator",
        is_administrator=True,
    ),
    DemoAccount(
        "officer",
        "officer@example.org",
        "D0002",
        "Graham",
        "Niven",
        "Corporate Services",
        "Learning and development officer",
        is_training_officer=True,
    ),
    DemoAccount(
        "manager",
        "manager@example.org",
        "D0003",
        "Aileen",
        "Kerr",
        "Housing",
        "Housing services manager",
    ),
    DemoAccount(
        "learner",
        "learner@example.org",
        "D0004",
        "Jamie",
        "Reid",
        "Housing",
        "Housing officer",
        manager_key="manager",
        starts_this_month=True,
    ),
    DemoAccount(
        "staff",
        "staff@example.org",
        "D0005",
        "Craig",
        "Paterson",
        "Housing",
        "Tenancy support officer",
        manager_key="manager",
    ),
    DemoAccount(
        "pvg",
        "pvg@example.org",
        "D0006",
        "Kirsty",
        "Laing",
        "Social Policy",
        "Care worker",
        is_regulated_role=True,
        professional_body="SSSC",
    ),
)
