"""The catalogue's list is kept as a fragment per filter (lms/fragments.py): it must change on the
next request after anything it shows changes, in this process and in another one."""
from datetime import timedelta

from sqlalchemy import func, select

from lms import create_app, fragments
from lms.auth.models import Region
from lms.extensions import db
from lms.fragments import ContentChange, purge_content_changes
from lms.module import services
from tests.conftest import FIXED_NOW, make_config
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures


def _page(client, path="/qualifizierung") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_kept_fragment_reads_as_a_fresh_one_and_costs_one_statement(app, client, create_offering, count_queries):
    create_offering(capacity=12)
    first = _page(client)
    assert "12 Plätze frei" in first
    with count_queries() as statements:
        again = _page(client)
    assert again == first
    assert len(statements) == 1 and "content_change" in statements[0], statements  # the version, nothing more
    assert _page(client, "/qualifizierung?q=Modul") != first  # another filter, another fragment


def test_the_list_changes_on_the_next_request_after_a_module_an_offering_a_seat_or_a_region(
        app, client, create_offering, create_user, trainer, create_region, now):  # noqa: F811
    region = create_region("Vogtlandkreis")
    offering = create_offering(capacity=3, region=region)
    _page(client)
    module = offering.module
    services.update_module(trainer, module, services.ModuleInput(
        title="Kinderschutz kompakt", summary=module.summary, description="", learning_goals="",
        dimension=module.dimension, teaching_units=module.teaching_units, required_attendance=100,
        audiences=sorted(module.audiences), prerequisite_ids=[], trainer_ids=[trainer.id]), now=now)
    db.session.commit()
    assert "Kinderschutz kompakt" in _page(client)
    services.enrol(create_user("coordinator"), offering, now=now)  # the seats: a conditional update
    db.session.commit()
    assert "2 Plätze frei" in _page(client)
    db.session.get(Region, region.id).name = "Landkreis Zwickau"
    db.session.commit()
    assert "Landkreis Zwickau" in _page(client)


def test_another_process_sees_the_change_on_its_next_request(app, client, create_offering, create_user, now,
                                                             migrated_database):
    offering = create_offering(capacity=5)
    other = create_app(make_config(migrated_database, PINNED_NOW=app.config["PINNED_NOW"]))  # its own memory
    with other.app_context():
        assert "5 Plätze frei" in _page(other.test_client())
    services.enrol(create_user("coordinator"), offering, now=now)
    db.session.commit()
    with other.app_context():
        assert "4 Plätze frei" in _page(other.test_client())


def test_an_offering_leaves_the_list_when_it_begins_though_nothing_was_written(app, client, create_offering):
    soon = create_offering(starts_in=timedelta(hours=2))
    later = create_offering(starts_in=timedelta(days=30))
    assert f"/qualifizierung/angebote/{soon.id}\"" in _page(client)
    app.config["PINNED_NOW"] = FIXED_NOW + timedelta(hours=3)
    try:
        page = _page(client)
    finally:
        app.config["PINNED_NOW"] = FIXED_NOW
    assert f"/qualifizierung/angebote/{soon.id}\"" not in page and f"/qualifizierung/angebote/{later.id}\"" in page


def test_old_changes_are_purged_but_each_topics_version_stays(app, create_offering, now):
    create_offering()
    for topic in ("catalogue", "other"):
        fragments.changed(db.session, topic)
    db.session.commit()
    versions = {topic: fragments.version(topic) for topic in ("catalogue", "other")}
    assert purge_content_changes(now=now + timedelta(days=2)) > 0
    db.session.commit()
    assert {topic: fragments.version(topic) for topic in versions} == versions
    assert db.session.scalar(select(func.count(ContentChange.id))) == 2
