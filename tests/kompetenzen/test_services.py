"""The level rule, evidence on completion, expiry, targets, gaps and recommendation ranking."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.errors import DomainError, PermissionDenied
from lms.extensions import db
from lms.kompetenzen import services
from lms.kompetenzen.models import Evidence, FrameworkVersion, TargetLevel
from lms.module import services as module_services
from tests.conftest import FIXED_NOW


def _row(user, code, now):
    for summary in services.profile(user, now=now):
        for row in summary.rows:
            if row.competence.code == code:
                return row
    raise AssertionError(code)


def test_starter_framework_has_nine_areas_and_35_competences(framework):
    assert len(framework) == 35
    assert {c.area.code for c in framework.values()} == set("ABCDEFGHI")
    assert framework["E1"].validity_months == 36 and framework["A1"].validity_months is None


def test_current_level_is_the_highest_of_completion_and_confirmation_not_self(framework, create_user, now):
    person, trainer = create_user("coordinator"), create_user("trainer")
    services.self_assess(person, person, framework["B1"], level=4, comment="", now=now)
    assert _row(person, "B1", now).current == 0 and _row(person, "B1", now).self_level == 4
    services.confirm(trainer, person, framework["B1"], level=2, comment="", now=now)
    services.confirm(trainer, person, framework["B1"], level=1, comment="", now=now)
    assert _row(person, "B1", now).current == 2


def test_expired_evidence_does_not_count(framework, create_user, now):
    person, trainer = create_user("coordinator"), create_user("trainer")
    services.confirm(trainer, person, framework["E1"], level=3, comment="", now=now - timedelta(days=3 * 366))
    services.confirm(trainer, person, framework["A1"], level=3, comment="", now=now - timedelta(days=10 * 365))
    assert _row(person, "E1", now).current == 0  # legal basics must be refreshed every three years
    assert _row(person, "A1", now).current == 3  # no validity: it does not decay


@pytest.mark.parametrize("level", [0, 5, -1, None])
def test_levels_outside_one_to_four_are_refused(framework, create_user, now, level):
    person = create_user("coordinator")
    with pytest.raises(DomainError, match="zwischen 1 und 4"):
        services.self_assess(person, person, framework["A1"], level=level, comment="", now=now)


def test_self_assessment_only_for_oneself_and_confirmation_only_by_trainers_or_admins(framework, create_user, now):
    person, other = create_user("coordinator"), create_user("coordinator")
    with pytest.raises(PermissionDenied):
        services.self_assess(other, person, framework["A1"], level=2, comment="", now=now)
    with pytest.raises(PermissionDenied):
        services.confirm(other, person, framework["A1"], level=2, comment="", now=now)
    trainer = create_user("trainer")
    with pytest.raises(PermissionDenied):
        services.confirm(trainer, trainer, framework["A1"], level=2, comment="", now=now)
    assert db.session.scalar(select(func.count(Evidence.id))) == 0


def test_a_completion_becomes_evidence_and_a_revocation_removes_it(framework, create_user, create_module,
                                                                  create_offering, trainer, now):
    module = create_module(title="Moderation")
    services.map_module(trainer, module, {framework["B1"].id: 3, framework["C1"].id: 2})
    offering = create_offering(module, starts_in=timedelta(days=-3))
    person = create_user("coordinator")
    enrolment = module_services.enrol(person, offering, actor=trainer, now=now - timedelta(days=5))
    module_services.record_attendance(trainer, offering, {(enrolment.id, offering.dates[0].id): True}, now=now)
    assert (_row(person, "B1", now).current, _row(person, "C1", now).current) == (3, 2)
    evidence = _row(person, "B1", now).evidence[0]
    assert evidence.source == "completion" and evidence.module_title == "Moderation"
    module_services.record_attendance(trainer, offering, {(enrolment.id, offering.dates[0].id): False}, now=now)
    assert _row(person, "B1", now).current == 0


def test_mapping_refuses_retired_competences_and_other_trainers(framework, create_module, create_user, trainer, now):
    module = create_module()
    framework["A1"].retired_in_id = services.current_version().id
    with pytest.raises(DomainError, match="aktuellen Kompetenzrahmens"):
        services.map_module(trainer, module, {framework["A1"].id: 2})
    with pytest.raises(PermissionDenied):
        services.map_module(create_user("trainer"), module, {framework["A2"].id: 2})
    with pytest.raises(DomainError, match="zwischen 1 und 4"):
        services.map_module(trainer, module, {framework["A2"].id: 7})


def test_renaming_a_competence_keeps_its_evidence(framework, create_user, now):
    person, trainer = create_user("coordinator"), create_user("trainer")
    services.confirm(trainer, person, framework["A1"], level=2, comment="", now=now)
    framework["A1"].name = "Analyse von Bestand und Bedarf"
    db.session.commit()
    row = _row(person, "A1", now)
    assert row.current == 2 and row.competence.name == "Analyse von Bestand und Bedarf"


def test_region_targets_override_the_general_target(framework, create_user, create_region, now):
    region = create_region("Vogtlandkreis")
    person = create_user("coordinator", region=region)
    assert _row(person, "A1", now).target == 3
    db.session.add(TargetLevel(role="coordinator", sector="", region_id=region.id, competence_id=framework["A1"].id,
                               level=4))
    db.session.commit()
    assert _row(person, "A1", now).target == 4
    assert _row(create_user("coordinator"), "A1", now).target == 3


def test_gaps_come_largest_first(framework, create_user, now):
    person, trainer = create_user("coordinator"), create_user("trainer")
    for code in framework:
        if code not in ("A1", "E1"):
            services.confirm(trainer, person, framework[code], level=4, comment="", now=now)
    services.confirm(trainer, person, framework["A1"], level=2, comment="", now=now)  # gap 1 (target 3)
    gaps = services.gaps(services.profile(person, now=now))
    assert [row.competence.code for row in gaps] == ["E1", "A1"]  # E1: target 2, current 0: gap 2
    assert [row.gap for row in gaps] == [2, 1]


def test_dimension_summary_shows_which_dimension_lags(framework, create_user, now):
    person, trainer = create_user("coordinator"), create_user("trainer")
    for competence in framework.values():
        if competence.dimension == "internal":
            services.confirm(trainer, person, competence, level=3, comment="", now=now)
    summary = services.dimension_summary(services.profile(person, now=now))
    assert summary["internal"] == 100 and summary["performance"] < 100


@pytest.fixture
def mapped_offerings(framework, create_module, create_offering, create_region, trainer, now):
    """Offerings of modules that build A1 to different levels, in different regions, one full."""
    home, elsewhere = create_region("Dresden"), create_region("Leipzig")

    def offering(title, level, region, days, capacity=10, open_registration=True):
        module = create_module(title=title)
        services.map_module(trainer, module, {framework["A1"].id: level})
        return create_offering(module, region=region, starts_in=timedelta(days=days), capacity=capacity,
                               open_registration=open_registration)

    offerings = {
        "small-step": offering("Schritt", 1, home, 5),
        "far-later": offering("Weit weg, später", 3, elsewhere, 40),
        "far-soon": offering("Weit weg, bald", 3, elsewhere, 10),
        "home-later": offering("Zuhause, später", 3, home, 50),
        "statewide": offering("Landesweit", 3, None, 20),
        "full": offering("Voll", 3, home, 60, capacity=1),
        "planned": offering("Noch geplant", 3, home, 30, open_registration=False),
    }
    db.session.commit()
    return home, offerings


def test_recommendations_rank_by_gap_closed_then_own_region_then_date(mapped_offerings, create_user, now):
    home, offerings = mapped_offerings
    blocker = create_user("coordinator")
    module_services.enrol(blocker, offerings["full"], now=now)
    person = create_user("coordinator", region=home)
    gap_rows = services.gaps(services.profile(person, now=now))
    titles = [r.offering.module.title for r in services.recommendations(person, gap_rows, now=now)]
    assert titles == ["Zuhause, später", "Voll", "Landesweit", "Weit weg, bald", "Weit weg, später", "Schritt"]
    full = next(r for r in services.recommendations(person, gap_rows, now=now) if r.offering.module.title == "Voll")
    assert full.waitlist == 0 and full.offering.seats_left == 0
    assert "Noch geplant" not in titles  # only open offerings


def test_recommendations_skip_competences_already_reached(mapped_offerings, framework, create_user, now):
    home, _offerings = mapped_offerings
    person, trainer = create_user("coordinator", region=home), create_user("trainer")
    services.confirm(trainer, person, framework["A1"], level=3, comment="", now=now)
    gap_rows = services.gaps(services.profile(person, now=now))
    assert all(r.competence.code != "A1" for r in services.recommendations(person, gap_rows, now=now))


# --- editing the framework and targets -----------------------------------------------------

def test_editing_a_competence_makes_a_new_version(framework, create_user, now):
    admin = create_user("admin")
    version = services.edit_competence(admin, framework["A1"], name="Bestandsanalyse", dimension="internal",
                                       descriptors=["a", "b", "c", "d"], validity_months=24, note="Umbenannt", now=now)
    assert version.number == 2 and framework["A1"].name == "Bestandsanalyse" and framework["A1"].validity_months == 24


def test_evidence_names_the_version_it_was_recorded_in(framework, create_user, now):
    admin, trainer, person = create_user("admin"), create_user("trainer"), create_user("coordinator")
    first = services.confirm(trainer, person, framework["A1"], level=2, comment="", now=now)
    services.edit_competence(admin, framework["A2"], name="Ziele", dimension="internal",
                             descriptors=["a", "b", "c", "d"], validity_months=None, note="kürzer", now=now)
    second = services.confirm(trainer, person, framework["A1"], level=3, comment="", now=now)
    versions = {v.id: v.number for v in db.session.scalars(select(FrameworkVersion))}
    assert (versions[first.framework_version_id], versions[second.framework_version_id]) == (1, 2)


def test_a_competence_with_evidence_cannot_be_deleted_only_retired(framework, create_user, now):
    admin, trainer, person = create_user("admin"), create_user("trainer"), create_user("coordinator")
    services.confirm(trainer, person, framework["A1"], level=2, comment="", now=now)
    with pytest.raises(services.FrameworkChange, match="nur auslaufen"):
        services.remove_competence(admin, framework["A1"], note="weg", now=now)
    services.retire_competence(admin, framework["A1"], note="in A2 aufgegangen", now=now)
    assert not framework["A1"].is_current
    assert db.session.scalar(select(func.count(Evidence.id))) == 1
    services.remove_competence(admin, framework["A5"], note="ohne Nachweise", now=now)
    assert "A5" not in {c.code for c in services.competences()}


def test_framework_changes_need_an_admin_and_a_note(framework, create_user, now):
    with pytest.raises(PermissionDenied):
        services.retire_competence(create_user("trainer"), framework["A1"], note="x", now=now)
    with pytest.raises(DomainError, match="beschreiben Sie die Änderung"):
        services.retire_competence(create_user("admin"), framework["A1"], note=" ", now=now)


def test_admins_set_general_and_regional_targets(framework, create_user, create_region, now):
    admin, region = create_user("admin"), create_region("Leipzig")
    services.set_target(admin, framework["A1"], level=4, now=FIXED_NOW)
    services.set_target(admin, framework["A1"], level=1, region_id=region.id, now=FIXED_NOW)
    assert _row(create_user("coordinator"), "A1", now).target == 4
    assert _row(create_user("coordinator", region=region), "A1", now).target == 1
    services.set_target(admin, framework["A1"], level=None, region_id=region.id, now=FIXED_NOW)
    assert _row(create_user("coordinator", region=region), "A1", now).target == 4
    with pytest.raises(DomainError):
        services.set_target(admin, framework["A1"], level=5, now=FIXED_NOW)


def test_instruments_linked_to_a_level_are_recommended_for_gaps(framework, create_user, now):
    from lms.instrumente import services as instrument_services
    from lms.instrumente.services import InstrumentInput

    trainer, reviewer, person = create_user("trainer"), create_user("trainer"), create_user("coordinator")
    instrument = instrument_services.create_instrument(trainer, InstrumentInput(
        title="Netzwerkkarte", kind="analysis", summary="s", description="", dimension="internal", topics=[],
        sectors=[], licence_note="", visibility="public"), upload=None, now=now)
    instrument_services.submit_for_review(trainer, instrument, now=now)
    instrument_services.review(reviewer, instrument, approve=True, comment="", now=now)
    services.link_instrument(trainer, instrument, framework["A1"], level=2)
    gaps = services.gaps(services.profile(person, now=now))
    assert [(i.title, c.code, level) for i, c, level in services.recommended_instruments(person, gaps)] == [
        ("Netzwerkkarte", "A1", 2)]
    services.confirm(trainer, person, framework["A1"], level=2, comment="", now=now)
    gaps = services.gaps(services.profile(person, now=now))
    assert services.recommended_instruments(person, gaps) == []
    with pytest.raises(PermissionDenied):
        services.link_instrument(person, instrument, framework["A1"], level=2)
