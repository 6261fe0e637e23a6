"""The administration's sections of the start page: mails the outbox gave up on, and invitations
nobody has accepted yet. One statement each."""
from datetime import datetime

from flask import url_for

from lms.auth.models import Role
from lms.auth.queries import pending_invitations
from lms.i18n import _
from lms.notifications.queries import failed_mails
from lms.startpage import OVERVIEW, TODO, Link, Section


def sections(user, *, now: datetime) -> list[Section]:
    if not user.has_role(Role.ADMIN):
        return []
    mails, mail_count = failed_mails()
    invitations, invitation_count = pending_invitations(now=now)
    return [
        Section("failed-mails", _("Nicht zugestellte E-Mails"), "auth/_start_failed_mails.html", TODO, order=5,
                items=mails, count=mail_count, wide=True),
        Section("invitations", _("Offene Einladungen"), "auth/_start_invitations.html", OVERVIEW, order=20,
                items=invitations, count=invitation_count, empty=_("Alle Einladungen sind angenommen oder abgelaufen."),
                links=(Link(_("Einladungen verwalten"), url_for("auth.invitations")),)),
    ]
