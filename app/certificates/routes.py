"""Your certificates, downloads, your training record and the public verify page."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import rate_limit
from app.auth.permissions import public, signed_in
from app.certificates import records, services
from app.certificates.forms import VerifyForm
from app.http_hardening import no_store

bp = Blueprint("certificates", __name__)


@bp.get("/certificates")
@signed_in
def mine() -> str:
    certificates = services.certificates_of(current_user)
    issued = request.args.get("issued", type=int)
    return render_template(
        "certificates/mine.html",
        rows=[(c, services.status_of(c)) for c in certificates],
        issued=next((c for c in certificates if c.id == issued), None),
    )


@bp.get("/certificates/<int:certificate_id>/download")
@signed_in
def download(certificate_id: int) -> Response:
    certificate = services.certificate_for_viewer(current_user, certificate_id)
    if certificate is None:
        abort(404)
    return _pdf(services.certificate_pdf(certificate), services.download_name(certificate))


def _pdf(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/training-record")
@signed_in
def record() -> str:
    return render_template(
        "certificates/record.html",
        record=records.training_record(current_user),
        certificate_detail=records.certificate_detail,
    )


@bp.get("/training-record.pdf")
@signed_in
def record_pdf() -> Response:
    record = records.training_record(current_user)
    return _pdf(records.record_pdf(record), records.download_name(current_user))


@bp.get("/verify")
@public
def verify_form() -> str | Response:
    form = VerifyForm(request.args, meta={"csrf": False})
    # Only a submission is checked: a link with other parameters (?utm_source=...) is a
    # first visit, with nothing to correct yet.
    if "code" in request.args and form.validate():
        return redirect(url_for("certificates.verify", code=form.normalised_code))
    return render_template("certificates/verify_form.html", form=form)


@bp.get("/verify/<path:code>")  # a code typed with slashes as separators still matches
@public
@no_store  # a revocation must show at once, and the page names the holder
def verify(code: str) -> tuple[str, int] | tuple[str, int, dict] | str:
    key = f"verify:{request.remote_addr}"
    limit = current_app.config["VERIFY_REQUESTS_PER_ADDRESS"]
    if rate_limit.exceeded(key, limit):
        wait = rate_limit.retry_after(key, limit)
        minutes = max(1, math.ceil(wait / 60))  # the page says no less than the real wait
        page = render_template("certificates/verify_limited.html", minutes=minutes)
        return page, 429, {"Retry-After": str(wait)}
    rate_limit.hit_now(key)
    found = services.verify(code)
    if found is None:
        return render_template("certificates/verify_unknown.html", code=code), 404
    return render_template("certificates/verify.html", found=found)
