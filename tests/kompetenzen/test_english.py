"""English readers see the starter framework in English, as long as an admin has not changed a text."""
from lms.extensions import db
from lms.i18n import speaking
from lms.kompetenzen import services, starter_en
from lms.kompetenzen.models import Competence
from tests.conftest import FIXED_NOW, login_as


def test_every_starter_text_has_an_english_one(framework):
    competences = db.session.scalars(db.select(Competence)).unique().all()
    with speaking("en"):
        for competence in competences:
            assert competence.label == starter_en.COMPETENCES[competence.code][0]
            assert competence.area.label == starter_en.AREAS[competence.area.code]
            assert [competence.descriptor(level) for level in (1, 2, 3, 4)] == list(
                starter_en.COMPETENCES[competence.code][1])
    with speaking("de"):
        assert framework["A1"].label == "Bestands- und Bedarfsanalyse"


def test_a_renamed_competence_shows_its_own_text(framework, create_user):
    services.edit_competence(create_user("admin"), framework["A1"], name="Bestandsanalyse vor Ort",
                             dimension="internal", descriptors=["a", "b", "c", "d"], validity_months=None,
                             note="eigene Fassung", now=FIXED_NOW)
    with speaking("en"):
        assert framework["A1"].label == "Bestandsanalyse vor Ort"
        assert framework["A1"].descriptor(1) == "a"
        assert framework["A2"].label == "Developing goals and concepts"


def test_the_profile_in_english_names_the_competences_in_english(client, framework, create_user):
    person = create_user("coordinator", locale="en")
    login_as(client, person)
    page = client.get("/kompetenzen").get_data(as_text=True)
    assert "Inventory and needs analysis" in page and "Network building and strategy" in page
    assert "Bestands- und Bedarfsanalyse" not in page
