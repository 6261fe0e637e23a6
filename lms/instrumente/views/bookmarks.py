"""The Merkliste: marking an instrument (with or without mail about its news), unmarking, the list."""
from flask import abort, render_template
from flask_login import current_user, login_required

from lms.db import utcnow
from lms.forms import ActionForm
from lms.i18n import _
from lms.instrumente import services
from lms.instrumente.forms import BookmarkForm
from lms.instrumente.views import _act, _visible, bp


@bp.post("/instrumente/<int:instrument_id>/merken")
@login_required
def add_bookmark(instrument_id: int):
    instrument = _visible(instrument_id)
    form = BookmarkForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(instrument, lambda: services.bookmark(current_user, instrument, notify_by_mail=form.notify_by_mail.data,
                                                      now=utcnow()), _("Das Instrument steht auf Ihrer Merkliste."))


@bp.post("/instrumente/<int:instrument_id>/nicht-mehr-merken")
@login_required
def drop_bookmark(instrument_id: int):
    instrument = _visible(instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(instrument, lambda: services.remove_bookmark(current_user, instrument),
                _("Das Instrument wurde von Ihrer Merkliste entfernt."))


@bp.get("/merkliste")
@login_required
def bookmarks():
    return render_template("instrumente/bookmarks.html", bookmarks=services.bookmarks_of(current_user))
