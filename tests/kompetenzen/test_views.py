"""Competence pages: who sees what, forms and their bad input."""
import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.kompetenzen import services
from lms.kompetenzen.models import Evidence, ModuleCompetence
from tests.conftest import login_as


def test_coordinator_sees_own_profile_with_chart_and_table(client, framework, create_user):
    login_as(client, create_user("coordinator"))
    page = client.get("/kompetenzen").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page and "Soll und Ist je Kompetenzbereich" in page
    assert "A1 Bestands- und Bedarfsanalyse" in page and "<progress" in page


@pytest.mark.parametrize("role", ["partner", "trainer", "expert", "admin"])
def test_only_coordinators_have_a_profile_page(client, framework, create_user, role):
    login_as(client, create_user(role))
    assert client.get("/kompetenzen").status_code == 403


@pytest.mark.parametrize("role,status", [("admin", 200), ("trainer", 403), ("coordinator", 403), ("partner", 403)])
def test_other_peoples_profiles_are_for_admins_only(client, framework, create_user, role, status):
    person = create_user("coordinator")
    login_as(client, create_user(role))
    assert client.get(f"/kompetenzen/personen/{person.id}").status_code == status


def test_self_assessment_through_the_page(client, framework, create_user):
    person = create_user("coordinator")
    login_as(client, person)
    response = client.post("/kompetenzen/selbsteinschaetzung", data={"competence": framework["B2"].id, "level": "3"},
                           follow_redirects=True)
    assert "Ihre Selbsteinschätzung wurde gespeichert." in response.get_data(as_text=True)
    bad = client.post("/kompetenzen/selbsteinschaetzung", data={"competence": framework["B2"].id, "level": "9"},
                      follow_redirects=True)
    assert "zwischen 1 und 4" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Evidence.id))) == 1


def test_trainers_confirm_and_see_only_their_own_confirmations(client, app, framework, create_user):
    person, trainer, other = create_user("coordinator", email="k@example.org"), create_user("trainer"), create_user("trainer")
    services.confirm(other, person, framework["A2"], level=2, comment="von anderer Seite", now=services_now())
    db.session.commit()
    login_as(client, trainer)
    response = client.post("/kompetenzen/bestaetigungen", data={"email": "k@example.org",
                                                                 "competence": framework["A1"].id, "level": "2"})
    assert response.status_code == 302
    page = client.get("/kompetenzen/bestaetigungen").get_data(as_text=True)
    assert "A1 Bestands- und Bedarfsanalyse" in page and "A2 Ziel- und Konzeptentwicklung –" not in page
    unknown = client.post("/kompetenzen/bestaetigungen", data={"email": "wer@example.org",
                                                                "competence": framework["A1"].id, "level": "2"})
    assert unknown.status_code == 422 and "kein aktives Konto" in unknown.get_data(as_text=True)


def services_now():
    from lms.db import utcnow

    return utcnow()


@pytest.mark.parametrize("role", ["coordinator", "partner"])
def test_participants_cannot_confirm(client, framework, create_user, role):
    login_as(client, create_user(role))
    assert client.get("/kompetenzen/bestaetigungen").status_code == 403


def test_trainer_maps_a_module_and_the_module_page_shows_it(client, framework, create_module, trainer):
    module = create_module(title="Moderation")
    login_as(client, trainer)
    response = client.post(f"/kompetenzen/module/{module.id}", data={f"c-{framework['B1'].id}": "3",
                                                                      f"c-{framework['C1'].id}": "0"})
    assert response.status_code == 302
    assert [(row.competence_id, row.level) for row in db.session.scalars(select(ModuleCompetence))] == [
        (framework["B1"].id, 3)]
    page = client.get(f"/qualifizierung/module/{module.id}").get_data(as_text=True)
    assert "Kompetenzen, die das Modul aufbaut" in page and "bis Stufe 3" in page


def test_other_trainers_cannot_map_the_module(client, framework, create_module, create_user):
    module = create_module()
    login_as(client, create_user("trainer"))
    assert client.get(f"/kompetenzen/module/{module.id}").status_code == 403


def test_qualification_record_as_json_and_pdf(client, framework, create_user):
    import io
    import json

    from pypdf import PdfReader

    person = create_user("coordinator", name="Jana Jäger")
    login_as(client, person)
    data = json.loads(client.get("/kompetenzen/nachweis.json").get_data(as_text=True))
    assert data["name"] == "Jana Jäger" and len(data["kompetenzen"]) == 35
    assert data["unterrichtseinheiten_je_dimension"] == {"internal": 0, "performance": 0}
    pdf = client.get("/kompetenzen/nachweis.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Qualifizierungsnachweis" in text and "Jana Jäger" in text


def test_region_overview_for_admins_only(client, framework, create_user, create_region):
    region = create_region("Vogtlandkreis")
    for _ in range(4):
        create_user("coordinator", region=region)
    login_as(client, create_user("coordinator", region=region))
    assert client.get("/kompetenzen/uebersicht").status_code == 403
    login_as(client, create_user("admin"))
    page = client.get("/kompetenzen/uebersicht").get_data(as_text=True)
    assert "Vogtlandkreis (5)" in page and "0 %" in page
    assert "A1 Bestands- und Bedarfsanalyse" in page.split("Kompetenzen ohne kommendes Angebot")[1]


@pytest.mark.parametrize("path", ["/kompetenzen/rahmen", "/kompetenzen/soll", "/kompetenzen/uebersicht"])
@pytest.mark.parametrize("role", ["trainer", "coordinator", "partner"])
def test_framework_pages_are_for_admins(client, framework, create_user, path, role):
    login_as(client, create_user(role))
    assert client.get(path).status_code == 403


def test_admin_renames_a_competence_through_the_page(client, framework, create_user):
    login_as(client, create_user("admin"))
    competence = framework["B1"]
    assert client.get("/kompetenzen/rahmen").status_code == 200
    data = {"name": "Sitzungen moderieren", "dimension": "internal", "level_1": "a", "level_2": "b", "level_3": "c",
            "level_4": "d", "note": ""}
    refused = client.post(f"/kompetenzen/rahmen/{competence.id}", data=data)
    assert refused.status_code == 422 and "beschreiben Sie die Änderung" in refused.get_data(as_text=True)
    assert client.post(f"/kompetenzen/rahmen/{competence.id}", data={**data, "note": "präziser"}).status_code == 302
    db.session.refresh(competence)
    assert competence.name == "Sitzungen moderieren"


def test_adding_a_competence_keeps_the_input_and_shows_errors_at_the_fields(client, framework, create_user):
    from lms.kompetenzen.models import Competence

    login_as(client, create_user("admin"))
    area = framework["B1"].area
    url = f"/kompetenzen/rahmen/bereiche/{area.id}/kompetenzen"
    prefix = f"bereich{area.id}-"
    data = {prefix + name: value for name, value in {
        "code": "", "name": "Netzwerk digital pflegen", "dimension": "internal", "level_1": "a", "level_2": "b",
        "level_3": "c", "level_4": "d", "target": "2", "note": "neu"}.items()}
    count = db.session.scalar(db.select(db.func.count()).select_from(Competence))
    refused = client.post(url, data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="{prefix}code-error"' in page and f'href="#{prefix}code"' in page
    assert 'value="Netzwerk digital pflegen"' in page and "<details class=\"lms-details\" open>" in page
    taken = client.post(url, data={**data, prefix + "code": "B1"})
    assert taken.status_code == 422 and "Das Kürzel B1 ist bereits vergeben." in taken.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Competence)) == count
    assert client.post(url, data={**data, prefix + "code": "B9"}).status_code == 302
    assert db.session.scalar(db.select(Competence).where(Competence.code == "B9")).name == "Netzwerk digital pflegen"


def test_admin_sets_a_regional_target_through_the_page(client, framework, create_user, create_region):
    region = create_region("Leipzig")
    login_as(client, create_user("admin"))
    response = client.post(f"/kompetenzen/soll?region={region.id}", data={f"t-{framework['A1'].id}": "4"})
    assert response.status_code == 302
    assert services.target_table(region.id) == {framework["A1"].id: 4}


@pytest.mark.parametrize("action,question", [("auslaufen", "Wirklich die Kompetenz auslaufen lassen?"),
                                             ("loeschen", "Wirklich die Kompetenz löschen?")])
def test_retiring_or_deleting_a_competence_asks_first(client, framework, create_user, action, question):
    from lms.kompetenzen.models import Competence

    login_as(client, create_user("admin"))
    competence_id = framework["B1"].id
    url = f"/kompetenzen/rahmen/{competence_id}/{action}"
    page = client.post(url, data={"note": "Zusammengelegt mit B2"}).get_data(as_text=True)
    assert question in page and "Zusammengelegt mit B2" in page and "neue Version" in page
    db.session.expire_all()
    assert db.session.get(Competence, competence_id).is_current
    assert client.post(url, data={"note": "Zusammengelegt mit B2", "bestaetigt": "1"}).status_code == 302
    db.session.expire_all()
    changed = db.session.get(Competence, competence_id)
    assert changed is None or not changed.is_current
