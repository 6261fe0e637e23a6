"""Certificates: anyone checks one by number and name or link; its holder downloads the PDF."""
from flask import Response, abort, current_app, g, render_template
from flask_login import current_user, login_required

from lms.auth.models import Role
from lms.extensions import db, limiter
from lms.i18n import _
from lms.module import services
from lms.module.certificates import certificate_pdf
from lms.module.forms import CertificateCheckForm
from lms.module.models import Certificate
from lms.module.views import bp


@bp.route("/nachweis", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=lambda _response: g.get("certificate_not_found", False))
def verify_form():
    """Anyone checks a certificate by its number and the name on it; misses count against the
    address like failed sign-ins, so guessing pairs is slow."""
    form = CertificateCheckForm()
    certificate = None
    if form.validate_on_submit():
        certificate = services.certificate_by_number(form.number.data, form.name.data)
        if certificate is None:
            g.certificate_not_found = True
            form.form_errors.append(_("Zu dieser Nummer und diesem Namen gibt es keine Bescheinigung. Bitte prüfen "
                                      "Sie beide Angaben auf der Bescheinigung."))
    status = 200 if certificate is not None or not form.errors and not form.form_errors else 422
    return render_template("module/verify.html", certificate=certificate, form=form, checked=certificate is not None), \
        status


@bp.get("/nachweis/<token>")
def verify_certificate(token: str):
    certificate = services.certificate_by_token(token[:64])
    if certificate is None:
        return render_template("module/verify.html", certificate=None, checked=True), 404
    return render_template("module/verify.html", certificate=certificate, checked=True)


@bp.get("/qualifizierung/bescheinigungen/<int:certificate_id>.pdf")
@login_required
def certificate(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.user_id != current_user.id and not current_user.has_role(Role.ADMIN):
        abort(404)
    return Response(certificate_pdf(certificate), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="teilnahmebescheinigung-{certificate.number}.pdf"',
    })
