"""What cannot be undone asks first: giving back a seat, leaving the waitlist, withdrawing a request,
taking someone off the list, declining a request, cancelling an offering. The first post shows a page
"Wirklich …?" with the consequences and changes nothing; its confirmation (the same post with
`bestaetigt=1`, as the page sends it) does it. Access and CSRF hold for both steps."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.module import services
from lms.module.models import Enrolment, Offering
from lms.notifications.models import OutboxMessage
from tests.conftest import login_as

CONFIRMED = {"bestaetigt": "1"}


def statuses(offering) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Enrolment.status).where(Enrolment.offering_id == offering.id).order_by(Enrolment.id)))


def mails() -> int:
    return len(db.session.scalars(select(OutboxMessage.id)).all())


def hidden_fields(page: str) -> dict[str, list[str]]:
    """The fields the confirmation page's form sends, as rendered."""
    form = re.search(r'<form method="post" class="lms-actions"[^>]*>(.*?)</form>', page, re.DOTALL).group(1)
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        fields.setdefault(name, []).append(value)
    return fields


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the participant withdraws ------------------------------------------------------------------

@pytest.fixture
def line(create_user, create_offering, now):
    """A full offering of one seat: a holder and someone waiting."""
    offering = create_offering(capacity=1)
    holder, waiting = create_user("coordinator"), create_user("coordinator")
    seat = services.enrol(holder, offering, now=now)
    place = services.enrol(waiting, offering, now=now + timedelta(minutes=1))
    db.session.commit()
    return offering, holder, seat, waiting, place


def test_giving_back_a_seat_asks_first_and_says_the_next_in_line_gets_it(client, line):
    offering, holder, seat, _waiting, _place = line
    login_as(client, holder)
    url = f"/qualifizierung/anmeldungen/{seat.id}/abmelden"
    before = mails()
    asked = client.post(url, data={"back": "my_learning"})
    assert asked.status_code == 200
    page = text(asked)
    assert "Wirklich Ihren Platz zurückgeben?" in page
    assert "Ihr Platz geht an die erste Person der Warteliste." in page
    assert 'href="/mein-lernen"' in page and "Abbrechen" in page  # back where the person came from
    assert hidden_fields(page)["back"] == ["my_learning"] and hidden_fields(page)["bestaetigt"] == ["1"]
    assert statuses(offering) == ["enrolled", "waitlisted"] and mails() == before  # nothing happened yet

    done = client.post(url, data={"back": "my_learning", **CONFIRMED})
    assert done.status_code == 302 and done.headers["Location"].endswith("/mein-lernen")
    assert statuses(offering) == ["cancelled", "enrolled"]
    assert "Sie haben Ihren Platz zurückgegeben." in text(client.get("/mein-lernen"))


def test_a_seat_nobody_waits_for_is_said_to_become_free(client, create_user, create_offering, now):
    offering = create_offering(capacity=3)
    holder = create_user("coordinator")
    seat = services.enrol(holder, offering, now=now)
    db.session.commit()
    login_as(client, holder)
    page = text(client.post(f"/qualifizierung/anmeldungen/{seat.id}/abmelden"))
    assert "Ihr Platz wird frei, und jemand anderes kann ihn buchen." in page
    assert "Warteliste" not in page.split("<main", 1)[1]


def test_leaving_the_waitlist_names_the_place_that_is_lost(client, line):
    offering, _holder, _seat, waiting, place = line
    login_as(client, waiting)
    url = f"/qualifizierung/anmeldungen/{place.id}/abmelden"
    page = text(client.post(url))
    assert "Wirklich die Warteliste verlassen?" in page and "Sie verlieren Platz 1 auf der Warteliste" in page
    assert statuses(offering) == ["enrolled", "waitlisted"]
    client.post(url, data=CONFIRMED)
    assert statuses(offering) == ["enrolled", "cancelled"]


def test_withdrawing_a_request_asks_first(client, create_user, create_offering, now):
    offering = create_offering(moderated=True)
    person = create_user("coordinator")
    request = services.enrol(person, offering, now=now)
    db.session.commit()
    login_as(client, person)
    url = f"/qualifizierung/anmeldungen/{request.id}/abmelden"
    page = text(client.post(url))
    assert "Wirklich Ihre Anfrage zurückziehen?" in page and "Die Referent*innen sehen Ihre Anfrage nicht mehr" in page
    assert statuses(offering) == ["requested"]
    response = client.post(url, data=CONFIRMED, follow_redirects=True)
    assert "Ihre Anfrage ist zurückgezogen." in text(response) and statuses(offering) == ["cancelled"]


def test_someone_else_gets_404_at_either_step(client, create_user, line):
    offering, _holder, seat, _waiting, _place = line
    login_as(client, create_user("coordinator"))
    url = f"/qualifizierung/anmeldungen/{seat.id}/abmelden"
    assert client.post(url).status_code == 404
    assert client.post(url, data=CONFIRMED).status_code == 404
    assert statuses(offering) == ["enrolled", "waitlisted"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_both_steps_need_the_csrf_token_and_the_page_carries_a_fresh_one(client, line):
    offering, holder, seat, _waiting, _place = line
    login_as(client, holder)
    url = f"/qualifizierung/anmeldungen/{seat.id}/abmelden"
    assert client.post(url).status_code == 400
    offering_page = text(client.get(f"/qualifizierung/angebote/{offering.id}"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', offering_page).group(1)
    asked = client.post(url, data={"csrf_token": token})
    assert asked.status_code == 200
    fields = hidden_fields(text(asked))
    assert fields["csrf_token"] and fields["bestaetigt"] == ["1"]
    assert client.post(url, data=CONFIRMED).status_code == 400  # the mark alone is no confirmation
    assert statuses(offering) == ["enrolled", "waitlisted"]
    assert client.post(url, data=fields).status_code == 302  # the page's own form, as rendered
    assert statuses(offering) == ["cancelled", "enrolled"]


# --- trainers take someone off the list, decline, cancel ---------------------------------------

def test_taking_someone_off_the_list_shows_the_reason_and_the_consequences_first(client, trainer, line):
    offering, holder, seat, _waiting, _place = line
    login_as(client, trainer)
    url = f"/qualifizierung/verwaltung/anmeldungen/{seat.id}/entfernen"
    reason = "Doppelt eingetragen, nimmt im März teil."
    before = mails()
    asked = client.post(url, data={"reason": reason})
    assert asked.status_code == 200
    page = text(asked)
    assert f"Wirklich {holder.name} von der Liste nehmen?" in page
    assert f"{holder.name} erhält eine E-Mail mit Ihrer Begründung." in page
    assert "Der Platz geht an die erste Person der Warteliste." in page and reason in page
    assert hidden_fields(page)["reason"] == [reason]
    assert statuses(offering) == ["enrolled", "waitlisted"] and mails() == before

    done = client.post(url, data={"reason": reason, **CONFIRMED})
    assert done.status_code == 302
    assert statuses(offering) == ["removed", "enrolled"]


def test_taking_off_without_a_reason_does_not_ask_and_changes_nothing(client, trainer, line):
    offering, _holder, seat, _waiting, _place = line
    login_as(client, trainer)
    response = client.post(f"/qualifizierung/verwaltung/anmeldungen/{seat.id}/entfernen", data={"reason": " "},
                           follow_redirects=True)
    assert "Bitte geben Sie eine Begründung an." in text(response) and "Wirklich" not in text(response)
    assert statuses(offering) == ["enrolled", "waitlisted"]


def test_declining_a_request_asks_first(client, trainer, create_user, create_offering, now):
    offering = create_offering(moderated=True)
    person = create_user("coordinator", name="Rita Anfrage")
    request = services.enrol(person, offering, now=now)
    db.session.commit()
    login_as(client, trainer)
    url = f"/qualifizierung/verwaltung/anmeldungen/{request.id}/ablehnen"
    page = text(client.post(url, data={"reason": "Zielgruppe passt nicht."}))
    assert "Wirklich die Anfrage von Rita Anfrage ablehnen?" in page
    assert "Rita Anfrage erhält eine E-Mail mit Ihrer Begründung." in page
    assert statuses(offering) == ["requested"]
    client.post(url, data={"reason": "Zielgruppe passt nicht.", **CONFIRMED})
    assert statuses(offering) == ["declined"]


def test_cancelling_an_offering_says_how_many_are_told_and_asks_first(client, trainer, line):
    offering, _holder, _seat, _waiting, _place = line
    login_as(client, trainer)
    url = f"/qualifizierung/verwaltung/angebote/{offering.id}/absagen"
    asked = client.post(url, data={"cancel-reason": "Die Referentin ist erkrankt."})
    page = text(asked)
    assert asked.status_code == 200 and "Wirklich die Durchführung absagen?" in page
    assert "2 Personen mit Platz, auf der Warteliste oder mit Anfrage erhalten eine E-Mail" in page
    assert "lässt sich nicht wieder öffnen" in page and "Die Referentin ist erkrankt." in page
    assert db.session.get(Offering, offering.id).state == "open"
    client.post(url, data={"cancel-reason": "Die Referentin ist erkrankt.", **CONFIRMED})
    db.session.expire_all()
    assert db.session.get(Offering, offering.id).state == "cancelled"
    assert statuses(offering) == ["cancelled", "cancelled"]


@pytest.mark.parametrize("path,data", [
    ("anmeldungen/{enrolment}/entfernen", {"reason": "x"}),
    ("anmeldungen/{enrolment}/ablehnen", {"reason": "x"}),
    ("angebote/{offering}/absagen", {"cancel-reason": "x"}),
])
@pytest.mark.parametrize("role,status", [("trainer", 403), ("coordinator", 403), ("admin", None)])
def test_only_the_offerings_trainers_and_admins_may_ask_or_confirm(client, create_user, line, path, data, role,
                                                                     status):
    offering, _holder, seat, _waiting, _place = line
    login_as(client, create_user(role))  # a trainer of another module, a participant, an admin
    url = "/qualifizierung/verwaltung/" + path.format(enrolment=seat.id, offering=offering.id)
    if status is None:
        assert client.post(url, data=data).status_code == 200  # admins manage every offering: asked
    else:
        assert client.post(url, data=data).status_code == status
        assert client.post(url, data={**data, **CONFIRMED}).status_code == status
    assert statuses(offering) == ["enrolled", "waitlisted"]
