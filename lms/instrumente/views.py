"""The library: search, instrument pages with versions and downloads, editing, review, Merkliste.

A published instrument's proposed new version has its own page (/instrumente/<id>/neue-fassung) for
its author and the reviewers; everybody else sees, finds and downloads the current version only.
"""
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.models import SECTOR_LABELS, Role
from lms.auth.permissions import require, role_required
from lms.confirmation import Confirmation, ask, is_confirmed
from lms.db import utcnow
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.forms import ActionForm, ReasonForm
from lms.i18n import _, ngettext
from lms.instrumente import queries, search, services
from lms.instrumente.forms import BookmarkForm, InstrumentForm, ReviewForm
from lms.instrumente.models import (
    DIMENSION_CHOICES,
    EDITOR_ROLES,
    KIND_LABELS,
    REVIEWER_ROLES,
    Instrument,
    InstrumentReview,
    InstrumentState,
    InstrumentVersion,
    Visibility,
)
from lms.navigation import Notice, register_notice_provider
from lms.submit import submit as submit_action

bp = Blueprint("instrumente", __name__)
PER_PAGE = 20
SORTS = {"relevance", "newest", "title"}


@bp.context_processor
def _role_groups():
    """The library's role groups, so that its templates ask the rule, not role names."""
    return {"editor_roles": EDITOR_ROLES, "reviewer_roles": REVIEWER_ROLES}


def usages(instrument: Instrument) -> list[tuple[str, str]]:
    """(label, url) of the places that use *instrument*, from the providers higher packages registered."""
    return [item for provider in current_app.extensions.get("instrument_usage", ()) for item in provider(instrument)]


def register_usage_provider(app, provider) -> None:
    app.extensions.setdefault("instrument_usage", []).append(provider)


def review_notices(user) -> list[Notice]:
    """The start page's "waits for your review" line for trainers and admins (one query)."""
    count = queries.waiting_for_review_count(user)
    if not count:
        return []
    return [Notice(label=_("Wartet auf Ihre Prüfung (%(count)d)", count=count),
                   url=url_for("instrumente.drafts", ansicht="pruefen"),
                   description=_("Entwürfe und neue Fassungen veröffentlichter Instrumente, die eine zweite Person "
                                 "freigeben muss."))]


@bp.record_once
def _register_notices(state) -> None:
    register_notice_provider(state.app, review_notices)


def _visible(instrument_id: int) -> Instrument:
    instrument = db.get_or_404(Instrument, instrument_id)
    if not instrument.can_view(current_user):
        abort(404)
    return instrument


def _editable(instrument_id: int) -> Instrument:
    instrument = db.get_or_404(Instrument, instrument_id)
    require(instrument.can_edit(current_user))
    return instrument


@bp.get("/instrumente")
def library():
    filters = search.SearchFilters(
        query=request.args.get("q", "")[:200],
        kind=request.args.get("art", "") if request.args.get("art") in KIND_LABELS else "",
        dimension=request.args.get("dimension", "") if request.args.get("dimension") in DIMENSION_CHOICES else "",
        sector=request.args.get("sektor", "") if request.args.get("sektor") in SECTOR_LABELS else "",
        topic=request.args.get("thema", "")[:60],
        sort=request.args.get("sortierung", "relevance") if request.args.get("sortierung") in SORTS else "relevance",
    )
    result = queries.search_instruments(filters, signed_in=current_user.is_authenticated,
                                        page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    topics = sorted(set(result.facets["topic"]) | ({filters.topic} if filters.topic else set()), key=str.lower)
    return render_template("instrumente/library.html", result=result, filters=filters, kinds=KIND_LABELS,
                           dimensions=DIMENSION_CHOICES, sectors=SECTOR_LABELS, topics=[(t, t) for t in topics],
                           highlight=search.highlight, highlight_summary=search.highlight_summary)


@bp.get("/instrumente/<int:instrument_id>")
def detail(instrument_id: int):
    instrument = _visible(instrument_id)
    versions = db.session.scalars(
        select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument.id,
                                        InstrumentVersion.proposal_state.is_(None))
        .order_by(InstrumentVersion.number.desc())
    ).all()
    reviews = db.session.scalars(
        select(InstrumentReview).where(InstrumentReview.instrument_id == instrument.id)
        .order_by(InstrumentReview.at.desc(), InstrumentReview.id.desc())
    ).all() if instrument.is_editor(current_user) or instrument.can_edit(current_user) else []
    proposal = services.open_proposal(instrument) if instrument.can_see_proposals(current_user) else None
    mark = services.bookmark_of(current_user, instrument)
    had_news = mark is not None and mark.has_news
    if mark is not None and had_news:
        services.mark_seen(current_user, instrument)
        db.session.commit()
    return render_template(
        "instrumente/detail.html", instrument=instrument, versions=versions, current=versions[0] if versions else None,
        reviews=reviews, usages=usages(instrument), bookmark=mark, had_news=had_news, proposal=proposal,
        action_form=ActionForm(), review_form=ReviewForm(seen=instrument.version_count), reason_form=ReasonForm(),
        bookmark_form=BookmarkForm(obj=mark),
    )


@bp.get("/instrumente/<int:instrument_id>/versionen/<int:number>/datei")
def download(instrument_id: int, number: int):
    """A version's file; a proposal's only for its author and the reviewers (404 for everybody else)."""
    instrument = _visible(instrument_id)
    version = db.session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.instrument_id == instrument.id, InstrumentVersion.number == number))
    if version is None or version.file is None or (version.is_proposal
                                                   and not instrument.can_see_proposals(current_user)):
        abort(404)
    response = send_file(io.BytesIO(services.read_file(version)), mimetype=version.file.mime_type,
                         as_attachment=True, download_name=version.filename, max_age=0)
    public = (instrument.visibility == Visibility.PUBLIC and instrument.state != InstrumentState.DRAFT
              and not version.is_proposal)
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


def _save_form(form: InstrumentForm, action) -> tuple[bool, object]:
    """Run *action* (one service call) and commit; a refused file (at the file field) or rule becomes a form error."""
    outcome = submit_action(action, form=form)
    return bool(outcome), outcome.value


@bp.route("/instrumente/neu", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def new():
    form = InstrumentForm()
    if form.validate_on_submit():
        saved, instrument = _save_form(form, lambda: services.create_instrument(
            current_user, form.to_input(), upload=form.upload(), now=utcnow()))
        if saved:
            flash(_("Das Instrument wurde als Entwurf gespeichert."), "success")
            return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    return render_template("instrumente/form.html", form=form, instrument=None), 422 if form.errors else 200


@bp.route("/instrumente/<int:instrument_id>/bearbeiten", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
def edit(instrument_id: int):
    """Edit a draft, or propose (or rework) the new version of a published instrument."""
    instrument = _editable(instrument_id)
    proposal = services.open_proposal(instrument) if instrument.state == InstrumentState.PUBLISHED else None
    if proposal is not None and not proposal.can_rework(current_user):
        flash(_("Von diesem Instrument liegt bereits eine neue Fassung von %(name)s vor. Bitte prüfen Sie diese "
                "oder warten Sie, bis sie entschieden ist.", name=proposal.author.name if proposal.author else "–"),
              "error")
        return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))
    # A posted form stands alone: a field it leaves out is empty, not the stored value (topics are a list there).
    submitted = request.method == "POST"
    shown = services.proposal_input(proposal) if proposal is not None else instrument
    form = InstrumentForm() if submitted else InstrumentForm(obj=shown)
    if not submitted:
        form.topics.data = ", ".join(shown.topics)
        form.sectors.data = list(shown.sectors)
        form.code.data = shown.code or ""
        if proposal is not None:
            form.change_note.data = proposal.change_note
    if form.validate_on_submit():
        saved, version = _save_form(form, lambda: services.update_instrument(
            current_user, instrument, form.to_input(), note=form.change_note.data or "", upload=form.upload(),
            now=utcnow()))
        if saved and version is not None and version.is_proposal:
            flash(_("Die neue Fassung (Version %(number)d) wartet auf die Prüfung durch eine zweite Person. Bis zur "
                    "Freigabe sehen alle anderen weiter die bisherige Version.", number=version.number), "success")
            return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))
        if saved:
            flash(_("Version %(number)d wurde gespeichert.", number=version.number) if version
                  else _("Es gab nichts zu ändern."), "success")
            return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    return render_template("instrumente/form.html", form=form, instrument=instrument, proposal=proposal), \
        422 if form.errors or form.form_errors else 200


def _act(instrument: Instrument, action, success: str):
    submit_action(action, success=success)
    return redirect(url_for("instrumente.detail", instrument_id=instrument.id))


@bp.post("/instrumente/<int:instrument_id>/pruefung")
@role_required(*EDITOR_ROLES)
def submit(instrument_id: int):
    instrument = _editable(instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(instrument, lambda: services.submit_for_review(current_user, instrument, now=utcnow()),
                _("Das Instrument wurde zur Prüfung gegeben."))


@bp.post("/instrumente/<int:instrument_id>/freigabe")
@role_required(*REVIEWER_ROLES)
def review(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    return _act(instrument, lambda: services.review(current_user, instrument, approve=approve,
                                                    comment=form.comment.data or "", now=utcnow(),
                                                    seen_version=form.seen.data),
                _("Das Instrument ist veröffentlicht.") if approve else _("Das Instrument wurde zur Überarbeitung zurückgegeben."))


def _open_proposal(instrument_id: int) -> tuple[Instrument, InstrumentVersion | None]:
    instrument = db.get_or_404(Instrument, instrument_id)
    require(instrument.can_see_proposals(current_user))
    return instrument, services.open_proposal(instrument)


def _proposal_page(instrument: Instrument, proposal: InstrumentVersion, form: ReviewForm, status: int = 200):
    reviews = db.session.scalars(
        select(InstrumentReview).where(InstrumentReview.version_id == proposal.id)
        .order_by(InstrumentReview.at.desc(), InstrumentReview.id.desc())
    ).all()
    return render_template(
        "instrumente/proposal.html", instrument=instrument, proposal=proposal,
        current=services.current_version(instrument), changes=services.compare(instrument, proposal),
        reviews=reviews, review_form=form, action_form=ActionForm(),
    ), status


@bp.get("/instrumente/<int:instrument_id>/neue-fassung")
@role_required(*REVIEWER_ROLES)
def proposal(instrument_id: int):
    """The proposed new version beside the current one: what changed, its file, the review."""
    instrument, proposal = _open_proposal(instrument_id)
    if proposal is None:
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    return _proposal_page(instrument, proposal, ReviewForm(seen=proposal.revision))


@bp.post("/instrumente/<int:instrument_id>/neue-fassung/freigabe")
@role_required(*REVIEWER_ROLES)
def review_proposal(instrument_id: int):
    instrument, proposal = _open_proposal(instrument_id)
    form = ReviewForm()
    if not form.validate_on_submit() or form.seen.data is None:
        abort(400)
    if proposal is None:
        flash(services.DECIDED_MEANWHILE, "error")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    approve = request.form.get("decision") == "approve"
    outcome = submit_action(lambda: services.review_proposal(
        current_user, proposal, approve=approve, comment=form.comment.data or "", now=utcnow(),
        seen_revision=form.seen.data), form=form, field="comment", view_handles=(PermissionDenied, Conflict))
    if isinstance(outcome.error, PermissionDenied):
        raise outcome.error  # a German 403 page with the reason (the author cannot review their own version)
    if isinstance(outcome.error, Conflict):
        flash(outcome.error.message, "error")
        return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))
    if not outcome:
        return _proposal_page(instrument, db.session.get(InstrumentVersion, proposal.id), form, 422)
    if approve:
        flash(_("Die neue Fassung ist freigegeben: Version %(number)d ist jetzt die aktuelle.",
                number=proposal.number), "success")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    flash(_("Die neue Fassung wurde zur Überarbeitung zurückgegeben. Die bisherige Version bleibt aktuell."),
          "success")
    return redirect(url_for("instrumente.proposal", instrument_id=instrument.id))


@bp.post("/instrumente/<int:instrument_id>/neue-fassung/verwerfen")
@role_required(*REVIEWER_ROLES)
def discard_proposal(instrument_id: int):
    instrument, proposal = _open_proposal(instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if proposal is None:
        flash(services.CHANGED_MEANWHILE, "error")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    if not is_confirmed():
        return ask(Confirmation(
            title=_("Wirklich die neue Fassung verwerfen?"), subject=_("%(title)s, neue Fassung (Version %(number)d)",
                                                                        title=instrument.title, number=proposal.number),
            button=_("Neue Fassung verwerfen"), cancel_url=url_for("instrumente.proposal", instrument_id=instrument.id),
            consequences=[
                _("Die neue Fassung wird mit ihrer Datei gelöscht; sie war nie öffentlich. Die Prüfungen dazu "
                  "bleiben im Verlauf."),
                _("Die bisherige Version bleibt aktuell."),
                _("Das lässt sich nicht rückgängig machen: Für Änderungen legen Sie eine neue Fassung an."),
            ]))
    return _act(instrument, lambda: services.discard_proposal(current_user, proposal),
                _("Die neue Fassung wurde verworfen. Die bisherige Version bleibt aktuell."))


@bp.post("/instrumente/<int:instrument_id>/zurueckziehen")
@role_required(*REVIEWER_ROLES)
def withdraw(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Bitte geben Sie einen Grund an."), "error")
        return redirect(url_for("instrumente.detail", instrument_id=instrument.id))
    if instrument.state == InstrumentState.PUBLISHED and instrument.is_editor(current_user) and not is_confirmed():
        used = usages(instrument)
        consequences = [
            _("Das Instrument verschwindet aus der Sammlung und der Suche. Seine Seite bleibt erreichbar und "
              "nennt Ihre Begründung; es wird nicht mehr empfohlen."),
        ]
        if used:
            consequences.append(_("Es bleibt verknüpft mit: %(places)s. Prüfen Sie, ob es dort ersetzt werden soll.",
                                  places=", ".join(label for label, _url in used)))
        consequences.append(_("Sie können es später wieder veröffentlichen."))
        return ask(Confirmation(
            title=_("Wirklich das Instrument zurückziehen?"), subject=instrument.title,
            button=_("Zurückziehen"), cancel_url=url_for("instrumente.detail", instrument_id=instrument.id),
            quoted=form.reason.data, quoted_label=_("Ihre Begründung"), consequences=consequences))
    return _act(instrument, lambda: services.withdraw(current_user, instrument, reason=form.reason.data, now=utcnow()),
                _("Das Instrument wurde zurückgezogen."))


@bp.post("/instrumente/<int:instrument_id>/wiederveroeffentlichen")
@role_required(*REVIEWER_ROLES)
def republish(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(instrument, lambda: services.republish(current_user, instrument, now=utcnow()),
                _("Das Instrument ist wieder veröffentlicht."))


@bp.post("/instrumente/<int:instrument_id>/loeschen")
@role_required(Role.ADMIN)
def remove(instrument_id: int):
    instrument = db.get_or_404(Instrument, instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not is_confirmed():
        marks, used = queries.bookmark_count(instrument), usages(instrument)
        consequences = [ngettext("Das Instrument wird mit seiner Version und seinen Prüfungen endgültig gelöscht.",
                                 "Das Instrument wird mit allen %(num)d Versionen und seinen Prüfungen endgültig "
                                 "gelöscht.", instrument.version_count)]
        if marks:
            consequences.append(ngettext("Es verschwindet von %(num)d Merkliste.", "Es verschwindet von %(num)d "
                                         "Merklisten.", marks))
        if used:
            consequences.append(_("Die Verknüpfungen entfallen: %(places)s.",
                                  places=", ".join(label for label, _url in used)))
        consequences.append(_("Das lässt sich nicht rückgängig machen. Soll es nur nicht mehr empfohlen werden, "
                              "ziehen Sie es stattdessen zurück."))
        return ask(Confirmation(
            title=_("Wirklich das Instrument endgültig löschen?"), subject=instrument.title,
            button=_("Endgültig löschen"), cancel_url=url_for("instrumente.detail", instrument_id=instrument.id),
            consequences=consequences))
    services.delete_instrument(current_user, instrument)
    db.session.commit()
    flash(_("Das Instrument wurde gelöscht."), "success")
    return redirect(url_for("instrumente.library"))


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


@bp.get("/instrumente/in-arbeit")
@role_required(*EDITOR_ROLES)
def drafts():
    """Drafts, reviews and proposed new versions; with ?ansicht=pruefen only what waits for the user's review."""
    waiting = request.args.get("ansicht") == "pruefen" and current_user.has_role(*REVIEWER_ROLES)  # else own drafts
    query = queries.waiting_for_review_query(current_user) if waiting else queries.drafts_query(current_user)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    reviewer = current_user.has_role(*REVIEWER_ROLES)
    proposals = queries.open_proposals([item.id for item in page.items]) if reviewer else {}
    return render_template("instrumente/drafts.html", page=page, proposals=proposals, waiting=waiting)
