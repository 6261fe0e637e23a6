"""The network's bodies: kept by the region's coordinators and the chair, seats for institutions of the
region (with delegate and deputy) or people, each only once, and internal bodies only for their
keepers and the people who sit in them."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.errors import PermissionDenied
from lms.extensions import db
from lms.netzwerk import bodies
from lms.netzwerk.bodies import BodyInput
from lms.netzwerk.models import Body, BodyMember
from lms.netzwerk.services import FieldRefused
from tests.conftest import in_parallel, login_as


@pytest.fixture
def body(keeper, region, now):
    def _create(name="Steuerungsgruppe Kinderschutz", *, kind="steering", public=False, actor=None, **changes):
        created = bodies.save_body(actor or keeper, None, BodyInput(
            region_id=changes.pop("region_id", region.id), kind=kind, name=name, public=public, **changes), now=now)
        db.session.commit()
        return created

    return _create


def test_the_regions_coordinators_create_bodies_and_the_chair_keeps_them_with_them(body, keeper, region,
                                                                                      create_user, create_region, now):
    chair = create_user("partner", region=region)
    steering = body(chair_email=chair.email)
    assert steering.chair_id == chair.id and steering.can_edit(chair) and steering.can_edit(keeper)
    bodies.save_body(chair, steering, BodyInput(region_id=region.id, kind="steering", name="Steuerungsgruppe Neu",
                                                chair_email=chair.email), now=now)
    for stranger, region_id in ((create_user("partner", region=region), region.id),
                                (create_user("coordinator", region=create_region("Leipzig")), region.id),
                                (chair, region.id)):  # the chair keeps her body, but creates none
        with pytest.raises(PermissionDenied):
            bodies.save_body(stranger, None, BodyInput(region_id=region_id, kind="project", name="AG"), now=now)
    for changes, field, message in (({"kind": "fallkonferenz"}, "kind", "Art aus der Liste"),
                                    ({"name": " "}, "name", "Namen"),
                                    ({"chair_email": "niemand@example.org"}, "chair_email", "kein aktives Konto")):
        with pytest.raises(FieldRefused, match=message) as refused:
            body(**{"name": "AG", **changes})
        assert refused.value.form_field == field
        db.session.rollback()
    assert db.session.scalar(select(func.count(Body.id))) == 1


def test_a_seat_is_an_institution_of_the_region_or_a_person_and_nobody_sits_twice(body, keeper, institution,
                                                                                    create_user, create_region):
    steering = body()
    kita = institution("Kita Regenbogen")
    delegate, deputy = create_user("partner"), create_user("partner")
    seat = bodies.add_institution(keeper, steering, kita.id, delegate_email=delegate.email, deputy_email=deputy.email)
    assert (seat.delegate_id, seat.deputy_id) == (delegate.id, deputy.id)
    with pytest.raises(FieldRefused, match="hat schon einen Sitz"):
        bodies.add_institution(keeper, steering, kita.id)
    foreign = institution("Klinikum Leipzig", kind="medical", sector="health", actor=create_user("admin"),
                          regions=[create_region("Leipzig").id])
    with pytest.raises(FieldRefused, match="Einrichtung der Region"):
        bodies.add_institution(keeper, steering, foreign.id)
    school = institution("Grundschule", kind="school", sector="education")
    with pytest.raises(FieldRefused, match="verschiedene Personen"):
        bodies.add_institution(keeper, steering, school.id, delegate_email=delegate.email,
                               deputy_email=delegate.email)
    expert = create_user("expert")
    bodies.add_person(keeper, steering, expert.email)
    with pytest.raises(FieldRefused, match="sitzt schon"):
        bodies.add_person(keeper, steering, expert.email)
    with pytest.raises(PermissionDenied):
        bodies.add_person(expert, steering, create_user("partner").email)
    db.session.commit()
    assert len(steering.members) == 2


def test_the_database_refuses_a_seat_that_is_both_or_neither_and_a_second_seat_of_one_institution(
        body, keeper, institution, create_user):
    steering, kita, person = body(), institution(), create_user("partner")
    for values in ({"institution_id": kita.id, "person_id": person.id}, {}):
        db.session.add(BodyMember(body_id=steering.id, **values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    db.session.add_all([BodyMember(body_id=steering.id, institution_id=kita.id),
                        BodyMember(body_id=steering.id, institution_id=kita.id)])
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_internal_bodies_are_for_their_keepers_and_the_people_who_sit_in_them(client, body, keeper, institution,
                                                                             create_user, create_region, region):
    forum, steering = body("Netzwerkforum", kind="forum", public=True), body()
    delegate = create_user("partner", region=region)
    bodies.add_institution(keeper, steering, institution().id, delegate_email=delegate.email)
    db.session.commit()
    assert client.get(f"/netzwerk/gremien/{forum.id}").status_code == 200
    assert client.get(f"/netzwerk/gremien/{steering.id}").status_code == 404
    listed = client.get("/netzwerk/gremien").get_data(as_text=True)
    assert "Netzwerkforum</a>" in listed and "Steuerungsgruppe Kinderschutz" not in listed
    for person, status in ((create_user("coordinator", region=create_region("Leipzig")), 404),
                           (create_user("partner", region=region), 404), (delegate, 200), (keeper, 200)):
        own = client.application.test_client()
        login_as(own, person)
        assert own.get(f"/netzwerk/gremien/{steering.id}").status_code == status
        assert ("Steuerungsgruppe Kinderschutz" in own.get("/netzwerk/gremien").get_data(as_text=True)) == (
            status == 200)
    delegate_client = client.application.test_client()
    login_as(delegate_client, delegate)
    assert delegate_client.get(f"/netzwerk/gremien/{steering.id}/bearbeiten").status_code == 403
    assert "Einrichtung aufnehmen" not in delegate_client.get(f"/netzwerk/gremien/{steering.id}").get_data(as_text=True)


def test_the_forms_re_render_with_the_message_and_save_nothing(client, body, keeper, institution):
    login_as(client, keeper)
    page = client.post("/netzwerk/gremien/neu", data={"kind": "steering", "name": ""})
    assert page.status_code == 422 and "Namen" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Body.id))) == 0
    steering, kita = body(), institution()
    page = client.post(f"/netzwerk/gremien/{steering.id}/sitze", data={"institution_id": "0"})
    assert page.status_code == 422 and "Einrichtung der Region" in page.get_data(as_text=True)
    page = client.post(f"/netzwerk/gremien/{steering.id}/sitze", data={"institution_id": kita.id,
                                                                        "delegate_email": "niemand@example.org"})
    assert page.status_code == 422 and "kein aktives Konto" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(BodyMember.id))) == 0
    assert client.post(f"/netzwerk/gremien/{steering.id}/sitze", data={"institution_id": kita.id}).status_code == 302
    seat_id = db.session.scalar(select(BodyMember.id))
    assert client.post(f"/netzwerk/gremien/sitze/{seat_id}/entfernen").status_code == 302
    assert db.session.scalar(select(func.count(BodyMember.id))) == 0


def test_the_list_and_a_body_run_the_same_statements_for_few_and_many(client, body, keeper, institution,
                                                                     count_queries):
    login_as(client, keeper)
    counts = []
    for many in (2, 25):
        created = [body(f"AG {many}-{index}", kind="project") for index in range(many)]
        for index in range(many):
            bodies.add_institution(keeper, created[0], institution(f"Einrichtung {many}-{index}").id)
        db.session.commit()
        with count_queries() as statements:
            assert client.get("/netzwerk/gremien").status_code == 200
            assert client.get(f"/netzwerk/gremien/{created[0].id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_a_parallel_second_seat_for_one_institution_is_refused(app, body, keeper, institution):
    steering, kita = body(), institution()
    body_id, kita_id, keeper_id = steering.id, kita.id, keeper.id
    db.session.remove()

    def seat():
        return lambda: bodies.add_institution(db.session.get(User, keeper_id), db.session.get(Body, body_id), kita_id)

    errors = in_parallel(app, [seat(), seat(), seat()])
    assert len(errors) == 2 and all("IntegrityError" in error or "FieldRefused" in error for error in errors)
    assert db.session.scalar(select(func.count(BodyMember.id)).where(BodyMember.body_id == body_id)) == 1


def test_the_seat_form_finds_the_regions_institutions_by_search_and_not_those_seated(
        client, body, keeper, institution, region, create_region, create_user, now, count_queries):
    from sqlalchemy import insert

    from lms.netzwerk.models import Institution, institution_region
    steering = body()
    kita, school = institution("Kita Regenbogen"), institution("Grundschule Regenbogen", kind="school",
                                                              sector="education")
    far = institution("Kita Regenbogen Leipzig", actor=create_user("admin"), regions=[create_region("Leipzig").id])
    login_as(client, keeper)
    path = f"/netzwerk/gremien/{steering.id}"
    assert client.post(f"{path}/sitze", data={"institution_id": kita.id}).status_code == 302
    response = client.post(f"{path}/sitze", data={"institution_id-suche": "regenbogen", "institution_id-suchen": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    offered = 'name="institution_id" type="checkbox" value="{}"'.format
    assert offered(school.id) in page and offered(kita.id) not in page and offered(far.id) not in page
    for refused in (far.id, kita.id, "0"):
        response = client.post(f"{path}/sitze", data={"institution_id": refused})
        assert response.status_code == 422
        assert "Bitte wählen Sie eine Einrichtung der Region aus der Liste." in response.get_data(as_text=True)
    response = client.post(f"{path}/sitze", data={"institution_id": [school.id, far.id]})
    assert response.status_code == 422 and "Bitte wählen Sie nur eine Einrichtung." in response.get_data(as_text=True)
    assert offered(school.id) in response.get_data(as_text=True)  # still shown, to untick one
    assert db.session.scalar(select(func.count(BodyMember.id))) == 1
    outsider = client.application.test_client()
    login_as(outsider, create_user("partner", region=region))
    response = outsider.post(f"{path}/sitze", data={"institution_id-suche": "regenbogen", "institution_id-suchen": "1"})
    assert response.status_code == 404 and "Grundschule Regenbogen" not in response.get_data(as_text=True)

    with count_queries() as few:
        small = client.get(path).get_data(as_text=True)
    db.session.execute(insert(Institution), [dict(id=1000 + index, name=f"Einrichtung {index:04d}", kind="other",
                                                  sector="health", confirmed_at=now, created_at=now, updated_at=now)
                                             for index in range(3000)])
    db.session.execute(insert(institution_region), [dict(institution_id=1000 + index, region_id=region.id)
                                                    for index in range(3000)])
    db.session.commit()
    with count_queries() as many:
        large = client.get(path).get_data(as_text=True)
    assert len(many) == len(few) and len(large) == len(small)  # none of them listed: found by search
