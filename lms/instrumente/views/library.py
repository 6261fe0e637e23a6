"""Finding and reading: the library's search, an instrument's page with its versions, a version's file."""
from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from lms import storage
from lms.auth.models import SECTOR_LABELS
from lms.extensions import db
from lms.forms import ActionForm, ReasonForm
from lms.instrumente import queries, search, services
from lms.instrumente.forms import BookmarkForm, ReviewForm
from lms.instrumente.models import (
    DIMENSION_CHOICES,
    KIND_LABELS,
    InstrumentReview,
    InstrumentState,
    InstrumentVersion,
    Visibility,
)
from lms.instrumente.views import PER_PAGE, _visible, bp, usages

SORTS = {"relevance", "newest", "title"}


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
    public = (instrument.visibility == Visibility.PUBLIC and instrument.state != InstrumentState.DRAFT
              and not version.is_proposal)
    return storage.download(version.file_sha256, size=version.file.size, mime_type=version.file.mime_type,
                            filename=version.filename, cache_control="public, max-age=3600" if public else "private, no-store")
