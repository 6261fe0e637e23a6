"""Cooperation agreements: at least two parties, dates in order, states in order with every signature
before "unterzeichnet", a signed text changed only in a new round, versions with notes, files through
the library's checks, reminders before the end and at the review, and the register per region."""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from lms.auth.models import User
from lms.errors import Conflict, PermissionDenied
from lms.extensions import db
from lms.instrumente.filetypes import UnsupportedFile
from lms.instrumente.services.files import Upload
from lms.netzwerk import agreements, queries
from lms.netzwerk.agreements import AgreementInput
from lms.netzwerk.models import Agreement, AgreementState, AgreementVersion, Institution, institution_region
from lms.netzwerk.services import FieldRefused
from lms.notifications.models import OutboxMessage
from tests.conftest import in_parallel, login_as
from tests.instrumente.conftest import pdf_bytes

SIGNED, CONSULTATION, DRAFT, TERMINATED = (AgreementState.SIGNED, AgreementState.CONSULTATION, AgreementState.DRAFT,
                                           AgreementState.TERMINATED)


@pytest.fixture
def parties(institution):
    return [institution("Jugendamt Dresden", kind="youth_office"), institution("Kita Regenbogen"),
            institution("Grundschule am Park", kind="school", sector="education")]


@pytest.fixture
def agree(keeper, region, parties, now):
    def _save(agreement=None, *, actor=None, at=None, **changes):
        data = {"title": "Schutzauftrag § 8a mit den Kitas", "subject": "Meldung mit dem Meldebogen.",
                "valid_from": None, "valid_to": None, "review_months": 24, **changes}
        if "region_id" not in data:
            data["region_id"] = region.id
        if "party_ids" not in data:
            data["party_ids"] = [parties[0].id, parties[1].id]
        saved = agreements.save_agreement(actor or keeper, agreement, AgreementInput(**data), now=at or now)
        db.session.commit()
        return saved

    return _save


def signed(agreement, keeper, now):
    """Take *agreement* through Abstimmung and every signature to "unterzeichnet"."""
    today = now.date()
    agreements.move(keeper, agreement, CONSULTATION, today=today, now=now)
    agreements.record_signatures(keeper, agreement, {party.institution_id: today for party in agreement.parties},
                                 today=today, now=now)
    agreements.move(keeper, agreement, SIGNED, today=today, now=now)
    db.session.commit()
    return agreement


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"party_ids": "one"}, "party_ids", "mindestens zwei Partner"),
    ({"valid_to": "before"}, "valid_to", "Ende der Laufzeit liegt vor ihrem Beginn"),
    ({"review_months": 0}, "review_months", "von 1 bis 120"),
    ({"title": "  "}, "title", "Titel"),
])
def test_bad_input_is_refused_at_its_field_and_nothing_is_saved(agree, parties, now, changes, field, message):
    if changes.get("party_ids") == "one":
        changes["party_ids"] = [parties[0].id, parties[0].id]  # the same institution twice is one party
    if changes.get("valid_to") == "before":
        changes.update(valid_from=now.date(), valid_to=now.date() - timedelta(days=1))
    with pytest.raises(FieldRefused, match=message) as refused:
        agree(**changes)
    assert refused.value.form_field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count(Agreement.id))) == 0
    assert db.session.scalar(select(func.count(AgreementVersion.id))) == 0


def test_the_states_follow_in_order_and_signing_needs_every_signature_and_a_start(agree, keeper, now):
    agreement, today = agree(), now.date()
    assert agreement.status(today) == DRAFT and agreement.responsible_id == keeper.id
    with pytest.raises(Conflict, match="geht es so nicht weiter"):
        agreements.move(keeper, agreement, SIGNED, today=today, now=now)
    with pytest.raises(FieldRefused, match="solange die Vereinbarung „in Abstimmung“"):
        agreements.record_signatures(keeper, agreement, {agreement.parties[0].institution_id: today}, today=today,
                                     now=now)
    agreements.move(keeper, agreement, CONSULTATION, today=today, now=now)
    first, second = (party.institution_id for party in agreement.parties)
    with pytest.raises(FieldRefused, match="Zukunft"):
        agreements.record_signatures(keeper, agreement, {first: today + timedelta(days=1)}, today=today, now=now)
    agreements.record_signatures(keeper, agreement, {first: today}, today=today, now=now)
    with pytest.raises(FieldRefused, match="noch nicht alle Partner unterschrieben"):
        agreements.move(keeper, agreement, SIGNED, today=today, now=now)
    agreements.record_signatures(keeper, agreement, {second: today - timedelta(days=3)}, today=today, now=now)
    with pytest.raises(FieldRefused, match="ab wann die Vereinbarung gilt"):
        agreements.move(keeper, agreement, SIGNED, today=today, now=now)
    agree(agreement, valid_from=today, valid_to=today + timedelta(days=365))
    agreements.move(keeper, agreement, SIGNED, today=today, now=now)
    db.session.commit()
    assert agreement.status(today) == SIGNED
    assert agreement.status(today + timedelta(days=366)) == AgreementState.EXPIRED
    agreements.move(keeper, agreement, CONSULTATION, today=today, now=now)  # a new round: signatures go
    assert [party.signed_on for party in agreement.parties] == [None, None]
    agreements.move(keeper, agreement, DRAFT, today=today, now=now)
    agreements.move(keeper, agreement, CONSULTATION, today=today, now=now)
    with pytest.raises(Conflict):
        agreements.move(keeper, agreement, TERMINATED, today=today, now=now)  # only a signed one is terminated


def test_a_terminated_agreement_stays_as_it_was(agree, keeper, now):
    agreement = signed(agree(valid_from=now.date()), keeper, now)
    agreements.move(keeper, agreement, TERMINATED, today=now.date(), now=now)
    db.session.commit()
    assert (agreement.state, agreement.terminated_on) == (TERMINATED, now.date())
    with pytest.raises(FieldRefused, match="gekündigte Vereinbarung wird nicht mehr geändert"):
        agree(agreement, title="Neu")
    for to in (DRAFT, CONSULTATION, SIGNED):
        with pytest.raises(Conflict):
            agreements.move(keeper, agreement, to, today=now.date(), now=now)


def test_each_text_is_a_version_with_its_note_and_a_signed_text_changes_only_in_a_new_round(agree, keeper, parties,
                                                                                            now):
    agreement = agree()
    with pytest.raises(FieldRefused, match="was sich am Text geändert hat") as refused:
        agree(agreement, subject="Neuer Ablauf.")
    assert refused.value.form_field == "note"
    db.session.rollback()
    agree(agreement, subject="Neuer Ablauf.", note="Rückmeldung binnen drei Tagen", at=now + timedelta(hours=1))
    agree(agreement, subject="Neuer Ablauf.", title="Schutzauftrag § 8a")  # the text as it was: no new version
    assert [(version.number, version.note) for version in agreement.versions] == [
        (2, "Rückmeldung binnen drei Tagen"), (1, "Erste Fassung")]
    signed(agree(agreement, subject="Neuer Ablauf.", valid_from=now.date()), keeper, now)
    for changes in ({"subject": "Noch einmal anders.", "note": "x"}, {"party_ids": [p.id for p in parties]}):
        with pytest.raises(FieldRefused, match="zuerst zurück auf „in Abstimmung“"):
            agree(agreement, **{"subject": "Neuer Ablauf.", "valid_from": now.date(), **changes})
        db.session.rollback()
    agree(agreement, subject="Neuer Ablauf.", valid_from=now.date(), valid_to=now.date() + timedelta(days=700))
    assert agreement.state == SIGNED and len(agreement.versions) == 2


def test_of_two_keepers_moving_it_at_once_one_gets_through(app, agree, keeper, create_user, now):
    agreement_id = agree().id
    colleague_id = create_user("coordinator", region=keeper.region).id
    keeper_id = keeper.id
    db.session.remove()

    def move(user_id, to):
        def call():
            agreements.move(db.session.get(User, user_id), db.session.get(Agreement, agreement_id), to,
                            today=now.date(), now=now)
        return call

    errors = in_parallel(app, [move(keeper_id, CONSULTATION), move(colleague_id, CONSULTATION)])
    assert len(errors) == 1 and "Conflict" in errors[0]
    assert db.session.get(Agreement, agreement_id).state == CONSULTATION


def test_only_the_regions_keepers_keep_it(agree, keeper, create_user, create_region, region, now):
    elsewhere = create_user("coordinator", region=create_region("Leipzig"))
    for stranger in (elsewhere, create_user("partner", region=region)):
        with pytest.raises(PermissionDenied):
            agree(actor=stranger)
        db.session.rollback()
    agreement = agree()
    with pytest.raises(PermissionDenied):
        agreements.move(elsewhere, agreement, CONSULTATION, today=now.date(), now=now)
    assert agree(agreement, actor=create_user("admin"), title="Von der Administration").title == \
        "Von der Administration"


def test_files_go_through_the_library_checks_and_only_those_who_see_it_download_them(
        client, agree, keeper, parties, create_user, region, now):
    agreement = agree()
    with pytest.raises(UnsupportedFile):
        agreements.attach_file(keeper, agreement, Upload("unterschrieben.pdf", b"<html><script>x</script>"), now=now)
    db.session.rollback()
    attached = agreements.attach_file(keeper, agreement, Upload("Unterschrieben 2026.pdf", pdf_bytes("Vertrag")),
                                      now=now)
    db.session.commit()
    assert attached.version.number == 1 and attached.file.mime_type == "application/pdf"
    path = f"/netzwerk/vereinbarungen/dateien/{attached.id}"
    assert client.get(path).status_code == 404  # visitors
    assert client.get(f"/netzwerk/vereinbarungen/{agreement.id}").status_code == 404
    member = create_user("partner", region=region)
    parties[1].members.append(member)
    db.session.commit()
    for person, status in ((create_user("partner", region=region), 404), (member, 200), (keeper, 200)):
        own = client.application.test_client()
        login_as(own, person)
        response = own.get(path)
        assert response.status_code == status
        if status == 200:
            assert response.data == pdf_bytes("Vertrag") and response.headers["Cache-Control"] == "private, no-store"
            assert "attachment" in response.headers["Content-Disposition"]
    assert own.get(f"/netzwerk/vereinbarungen/{agreement.id}").status_code == 200
    viewer = client.application.test_client()
    login_as(viewer, member)
    assert viewer.get(f"/netzwerk/vereinbarungen/{agreement.id}/bearbeiten").status_code == 403
    page = viewer.get(f"/netzwerk/vereinbarungen/{agreement.id}").get_data(as_text=True)
    assert "Unterschrieben 2026.pdf" in page and "Datei hochladen" not in page


def test_the_responsible_coordinator_hears_of_the_end_and_the_review_once_even_across_a_restart(
        agree, keeper, now):
    ending = signed(agree(valid_from=now.date() - timedelta(days=600), valid_to=now.date() + timedelta(days=60),
                          review_months=None), keeper, now)
    reviewed = signed(agree(title="Schule – Jugendhilfe", valid_from=now.date() - timedelta(days=400),
                            review_months=12, at=now - timedelta(days=400)), keeper, now)
    agree(title="Noch ein Entwurf", valid_to=now.date() + timedelta(days=10))  # not signed: no mail
    ending_id, reviewed_id, email, keeper_id, region_id = ending.id, reviewed.id, keeper.email, keeper.id, \
        keeper.region_id
    assert agreements.remind_responsible(now=now) == 2
    db.session.commit()
    db.session.remove()  # a new scheduler process
    assert agreements.remind_responsible(now=now + timedelta(hours=1)) == 0
    subjects = sorted(mail.subject for mail in db.session.scalars(select(OutboxMessage)))
    assert subjects == [f"Kooperationsvereinbarung endet am {(now.date() + timedelta(days=60)):%d.%m.%Y}: "
                        "Schutzauftrag § 8a mit den Kitas",
                        "Kooperationsvereinbarung überprüfen: Schule – Jugendhilfe"]
    assert {mail.recipient for mail in db.session.scalars(select(OutboxMessage))} == {email}
    agreement = db.session.get(Agreement, ending_id)
    agree(agreement, actor=db.session.get(User, keeper_id), region_id=region_id, subject=agreement.subject,
          party_ids=[party.institution_id for party in agreement.parties], valid_from=agreement.valid_from,
          valid_to=now.date() + timedelta(days=80), review_months=None)  # new dates: asked again
    assert agreements.remind_responsible(now=now) == 1
    reviewed = db.session.get(Agreement, reviewed_id)
    assert reviewed.review_due(reviewed.versions[0].created_at.date()) == (now - timedelta(days=35)).date()


def test_the_reminder_job_counts_the_notice_from_the_day_in_berlin(app, agree, keeper, now):
    """At 00:30 in Berlin (23:30 UTC the day before) the notice period already counts from the new day."""
    midnight = now.replace(hour=23, minute=30)  # 00:30 on the next day in Berlin
    berlin_day = now.date() + timedelta(days=1)
    signed(agree(valid_from=now.date() - timedelta(days=600),
                 valid_to=berlin_day + timedelta(days=agreements.notice_days()), review_months=None), keeper, now)
    assert agreements.remind_responsible(now=midnight) == 1


def test_the_review_falls_due_a_year_after_the_berlin_day_of_the_last_version(agree, keeper, now):
    last_version = datetime(2025, 11, 15, 23, 30, tzinfo=UTC)  # 00:30 on 16 November in Berlin
    signed(agree(valid_from=date(2025, 11, 1), review_months=12, at=last_version), keeper, now)
    assert agreements.remind_responsible(now=now - timedelta(days=1)) == 0  # 15 November 2026: not yet
    assert agreements.remind_responsible(now=now) == 1


def test_the_register_shows_what_ends_soon_and_which_sectors_an_agreement_binds(client, agree, keeper, parties,
                                                                                 create_user, now):
    signed(agree(valid_from=now.date(), valid_to=now.date() + timedelta(days=30)), keeper, now)
    agree(title="Schule – Jugendhilfe", party_ids=[parties[0].id, parties[2].id])  # a draft binds nobody
    def coverage(days_later=0):
        return {row.sector: (row.institutions, row.bound) for row in
                queries.sector_coverage(keeper.region_id, today=now.date() + timedelta(days=days_later))}

    assert coverage()["youth_welfare"] == (2, 2) and coverage()["education"] == (1, 0)
    assert coverage()["police"] == (0, 0)
    assert coverage(31)["youth_welfare"] == (2, 0)  # ended: binds nobody any more
    login_as(client, create_user("partner", region=keeper.region))
    assert client.get("/netzwerk/vereinbarungen").status_code == 403
    own = client.application.test_client()
    login_as(own, keeper)
    page = own.get("/netzwerk/vereinbarungen").get_data(as_text=True)
    assert "Endet in den nächsten 90 Tagen" in page and "keine geltende Vereinbarung" in page
    assert "noch kein Partner im Verzeichnis" in page


def test_the_form_re_renders_with_the_message_and_saves_nothing(client, keeper, parties):
    login_as(client, keeper)
    page = client.post("/netzwerk/vereinbarungen/neu", data={"title": "Schutzauftrag", "party_ids": [parties[0].id],
                                                               "instrument_id": "0"})
    assert page.status_code == 422 and "mindestens zwei Partner" in page.get_data(as_text=True)
    page = client.post("/netzwerk/vereinbarungen/neu", data={
        "title": "Schutzauftrag", "party_ids": [parties[0].id, parties[1].id], "instrument_id": "0",
        "valid_from": "2027-02-01", "valid_to": "2027-01-01"})
    assert page.status_code == 422 and "vor ihrem Beginn" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Agreement.id))) == 0
    saved = client.post("/netzwerk/vereinbarungen/neu", data={
        "title": "Schutzauftrag", "party_ids": [parties[0].id, parties[1].id], "instrument_id": "0",
        "subject": "**Meldung** mit dem Meldebogen"})
    assert saved.status_code == 302
    agreement = db.session.scalar(select(Agreement))
    assert "<strong>Meldung</strong>" in client.get(f"/netzwerk/vereinbarungen/{agreement.id}").get_data(as_text=True)


def test_after_midnight_in_berlin_an_agreement_that_ended_yesterday_is_abgelaufen(app, client, agree, keeper,
                                                                                 now):
    """At 00:30 in Berlin it is still yesterday in UTC: the pages go by the day it is here."""
    agreement = signed(agree(valid_from=now.date() - timedelta(days=30), valid_to=now.date()), keeper, now)
    login_as(client, keeper)
    pages = (f"/netzwerk/vereinbarungen/{agreement.id}", f"/netzwerk/vereinbarungen?region={agreement.region_id}")
    for path in pages:
        assert "abgelaufen" not in client.get(path).get_data(as_text=True)
    app.config["PINNED_NOW"] = now.replace(hour=23, minute=30)  # 00:30 the next day in Berlin (winter time)
    for path in pages:
        assert "abgelaufen" in client.get(path).get_data(as_text=True)


def test_the_register_the_directory_and_the_map_stay_at_a_few_statements_with_5000_institutions(
        client, agree, keeper, region, parties, now, count_queries):
    login_as(client, keeper)

    def add(count: int, agreement_count: int) -> None:
        start = db.session.scalar(select(func.max(Institution.id)))
        db.session.execute(insert(Institution), [dict(
            id=start + index, name=f"Einrichtung {start + index:04d}", kind="other",
            sector=("youth_welfare", "health", "police")[index % 3], search_title=f"einrichtung {start + index:04d}",
            confirmed_at=now, created_at=now, updated_at=now) for index in range(1, count + 1)])
        db.session.execute(insert(institution_region), [
            dict(institution_id=start + index, region_id=region.id) for index in range(1, count + 1)])
        for index in range(agreement_count):
            agree(title=f"Vereinbarung {start + index}", party_ids=[start + 1 + index, start + 2 + index])

    counts = []
    for count, agreement_count in ((3, 1), (5000, 25)):
        add(count, agreement_count)
        with count_queries() as statements:
            for path in ("/netzwerk/vereinbarungen", "/netzwerk", "/netzwerk?q=einrichtung&sektor=health",
                         "/netzwerk/karte", f"/netzwerk/vereinbarungen/neu?region={region.id}"):
                assert client.get(path).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    form = client.get(f"/netzwerk/vereinbarungen/neu?region={region.id}").get_data(as_text=True)
    assert 'name="party_ids"' not in form and "Einrichtung 0" not in form  # none listed: found by search
    coverage = {row.sector: row.institutions for row in queries.sector_coverage(region.id, today=now.date())}
    assert coverage["health"] == 1 + 1667 and coverage["youth_welfare"] == 2 + 1 + 1666

    page = client.get("/netzwerk/karte").get_data(as_text=True)
    assert page.count('href="/netzwerk/einrichtungen/') == 10 + 10 + 10 + 1  # ten per sector, and the one school
    assert "Alle 1.669 im Verzeichnis" in page  # the rest of the youth welfare institutions: in the directory


def test_the_map_draws_each_sector_with_its_partners_and_shows_it_to_everyone_signed_in(
        client, agree, keeper, parties, create_user, region, now):
    signed(agree(valid_from=now.date()), keeper, now)
    assert client.get("/netzwerk/karte").status_code == 302  # visitors sign in first
    login_as(client, create_user("partner", region=region))
    page = client.get(f"/netzwerk/karte?region={region.id}").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="lms-map"' in page and "<title id=\"map-title\">" in page
    assert page.count("lms-map__node--bound") == 1 and page.count("lms-map__node--partners") == 1  # welfare, school
    assert page.count("lms-map__node--empty") == 7 and "2 von 2 gebunden" in page and "0 von 1 gebunden" in page
    assert "Kita Regenbogen</a> <span class=\"kern-body--small\">(Vereinbarung)</span>" in page


def test_signatures_belong_to_a_text_and_parties_serve_the_region(agree, keeper, parties, institution,
                                                                  create_user, create_region, now):
    agreement, today = agree(valid_from=now.date()), now.date()
    agreements.move(keeper, agreement, CONSULTATION, today=today, now=now)
    agreements.record_signatures(keeper, agreement, {party.institution_id: today for party in agreement.parties},
                                 today=today, now=now)
    agree(agreement, valid_from=today, subject="Ein anderer Ablauf.", note="Ablauf geändert")
    assert [party.signed_on for party in agreement.parties] == [None, None]  # signed afresh for the new text
    with pytest.raises(FieldRefused, match="noch nicht alle Partner"):
        agreements.move(keeper, agreement, SIGNED, today=today, now=now)
    agreements.record_signatures(keeper, agreement, {agreement.parties[0].institution_id: today}, today=today,
                                 now=now)
    agreements.move(keeper, agreement, DRAFT, today=today, now=now)
    assert [party.signed_on for party in agreement.parties] == [None, None]
    elsewhere = create_region("Leipzig")
    foreign = institution("Klinikum Leipzig", kind="medical", sector="health", actor=create_user("admin"),
                          regions=[elsewhere.id])
    with pytest.raises(FieldRefused, match="mindestens zwei Einrichtungen der Region"):
        agree(party_ids=[parties[0].id, foreign.id])


def test_the_form_finds_the_parties_among_the_regions_institutions_by_search(client, keeper, region, parties,
                                                                            institution, create_region, create_user):
    elsewhere = create_region("Leipzig")
    foreign = institution("Jugendhilfe Leipzig", actor=create_user("admin"), regions=[elsewhere.id])
    login_as(client, keeper)
    path = f"/netzwerk/vereinbarungen/neu?region={region.id}"
    data = {"title": "Schutzauftrag", "instrument_id": "0", "party_ids": [parties[1].id]}
    response = client.post(path, data={**data, "party_ids-suche": "jugend", "party_ids-suchen": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    boxes = re.findall(r'<input [^>]*name="party_ids"[^>]*>', page)
    assert [(re.search(r'value="(\d+)"', box)[1], " checked" in box) for box in boxes] == [
        (str(parties[1].id), True), (str(parties[0].id), False)]  # the chosen one, then the match
    assert "Jugendhilfe Leipzig" not in page
    assert db.session.scalar(select(func.count(Agreement.id))) == 0
    response = client.post(path, data={**data, "party_ids": [parties[0].id, foreign.id]})
    assert response.status_code == 422
    assert "mindestens zwei Einrichtungen der Region" in response.get_data(as_text=True)
    assert client.post(path, data={**data, "party_ids": [parties[0].id, parties[2].id]}).status_code == 302
    assert {party.institution_id for party in db.session.scalar(select(Agreement)).parties} == {parties[0].id,
                                                                                                parties[2].id}


def test_an_agreement_with_every_kita_of_the_region_is_shown_and_saved_whole(client, agree, keeper, region, now):
    start = 1000
    db.session.execute(insert(Institution), [dict(
        id=start + index, name=f"Kita {index:03d}", kind="kita", sector="youth_welfare", confirmed_at=now,
        created_at=now, updated_at=now) for index in range(150)])
    db.session.execute(insert(institution_region), [
        dict(institution_id=start + index, region_id=region.id) for index in range(150)])
    agreement = agree(party_ids=[start + index for index in range(150)])
    login_as(client, keeper)
    path = f"/netzwerk/vereinbarungen/{agreement.id}/bearbeiten"
    page = client.get(path).get_data(as_text=True)
    assert page.count('name="party_ids"') == page.count('name="party_ids" type="checkbox" value') == 150
    assert page.count(" checked") >= 150
    data = {"title": agreement.title, "subject": agreement.subject, "instrument_id": "0", "review_months": "24",
            "party_ids": [start + index for index in range(149)]}
    assert client.post(path, data=data).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Agreement, agreement.id).parties) == 149


def test_only_a_published_agreement_template_of_the_library_is_linked(agree, create_user, now):
    from lms.instrumente.models import Instrument, InstrumentState

    def instrument(kind, state):
        created = Instrument(title=f"{kind} {state}", kind=kind, summary="-", dimension="performance", state=state,
                             visibility="public", created_at=now, updated_at=now)
        db.session.add(created)
        db.session.commit()
        return created.id

    for kind, state in (("agreement", InstrumentState.DRAFT), ("case_cooperation", InstrumentState.PUBLISHED)):
        with pytest.raises(FieldRefused, match="Vorlage aus der Liste"):
            agree(instrument_id=instrument(kind, state))
        db.session.rollback()
    assert agree(instrument_id=instrument("agreement", InstrumentState.PUBLISHED)).instrument.kind == "agreement"


def test_the_reminder_goes_to_the_regions_coordinators_when_the_responsible_one_moved(agree, keeper, create_user,
                                                                                       create_region, now):
    signed(agree(valid_from=now.date(), valid_to=now.date() + timedelta(days=30)), keeper, now)
    colleague = create_user("coordinator", region=keeper.region)
    keeper.region = create_region("Leipzig")  # moved to another office: keeps it no longer
    db.session.commit()
    assert agreements.remind_responsible(now=now) == 1
    assert [mail.recipient for mail in db.session.scalars(select(OutboxMessage))] == [colleague.email]


def test_another_regions_coordinator_does_not_learn_that_an_agreement_exists(client, agree, create_user,
                                                                             create_region):
    agreement = agree()
    login_as(client, create_user("coordinator", region=create_region("Leipzig")))
    for path in (f"/netzwerk/vereinbarungen/{agreement.id}", f"/netzwerk/vereinbarungen/{agreement.id}/bearbeiten"):
        assert client.get(path).status_code == 404
    assert client.post(f"/netzwerk/vereinbarungen/{agreement.id}/status", data={"to": "consultation"}).status_code \
        == 404


def test_parallel_new_texts_become_consecutive_versions(app, agree, keeper, create_user, parties, region, now):
    agreement_id = agree().id
    people = [keeper.id, create_user("coordinator", region=region).id]
    party_ids = [parties[0].id, parties[1].id]
    db.session.remove()

    def save(index):
        return lambda: agreements.save_agreement(
            db.session.get(User, people[index % 2]), db.session.get(Agreement, agreement_id), AgreementInput(
                region_id=region.id, title="Schutzauftrag", subject=f"Fassung {index}", party_ids=party_ids,
                valid_from=None, valid_to=None, review_months=24, note=f"Änderung {index}"), now=now)

    assert in_parallel(app, [save(index) for index in range(4)]) == []
    numbers = db.session.scalars(select(AgreementVersion.number)
                                 .where(AgreementVersion.agreement_id == agreement_id)).all()
    assert sorted(numbers) == [1, 2, 3, 4, 5]
