"""User administration, departments and the audit log (administrators and training officers)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
