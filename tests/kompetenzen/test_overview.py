"""The competence overview per region (admins only): shares of coordinators at their target, and
no column that describes fewer than five coordinators."""
import re
from datetime import timedelta
from random import Random

import pytest

from lms.auth.models import User
from lms.disclosure import pool_small
from lms.extensions import db
from lms.kompetenzen import services
from lms.kompetenzen.models import TargetLevel
from tests.conftest import FIXED_NOW, login_as


def columns(page: str) -> list[str]:
    """The table's column heads after "Kompetenz"."""
    head = page.split("<thead", 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)][1:]


def test_small_groups_are_pooled_and_a_small_pool_takes_the_smallest_shown_group(app):
    assert pool_small({"a": 7, "b": 5, "c": 1, "d": 2}) == (["a"], ["c", "d", "b"])
    assert pool_small({"a": 7, "b": 5, "c": 3, "d": 2}) == (["b", "a"], ["c", "d"])
    assert pool_small({"a": 7, "b": 6}) == (["b", "a"], [])
    assert pool_small({"a": 2, "b": 2}) == ([], ["a", "b"])


def test_regions_with_fewer_than_five_coordinators_are_pooled(client, framework, create_user, create_region):
    leipzig, dresden, plauen = create_region("Leipzig"), create_region("Dresden"), create_region("Plauen")
    for _ in range(6):
        create_user("coordinator", region=leipzig)
    for _ in range(5):
        create_user("coordinator", region=dresden)
    create_user("coordinator", region=plauen)  # alone in Plauen: never a column of its own
    login_as(client, create_user("admin"))
    page = client.get("/kompetenzen/uebersicht").get_data(as_text=True)
    # Plauen's one coordinator takes Dresden's five with her: 12 - 6 would otherwise tell her share.
    assert columns(page) == ["Alle Regionen (12)", "Leipzig (6)", "Weitere Regionen (zusammengefasst) (6)"]
    assert "Plauen" not in page and "Dresden" not in page
    assert "Jede Spalte beschreibt mindestens 5 Personen" in page


def test_no_column_describes_fewer_than_five_coordinators(framework, create_user, create_region):
    regions = [create_region(name) for name in ("Leipzig", "Dresden", "Plauen", "Zwickau")]
    for region, number in zip(regions, (1, 2, 8, 3)):
        for _ in range(number):
            create_user("coordinator", region=region)
    create_user("coordinator")  # without a region
    table, _ = services.region_overview(now=FIXED_NOW)
    assert [(str(entry.region_name) if entry.region_name else None, entry.coordinators) for entry in table] == [
        ("Alle Regionen", 15), ("Plauen", 8), (None, 7)]
    assert all(entry.coordinators >= 5 for entry in table)


@pytest.mark.parametrize("coordinators", [0, 1, 4])
def test_fewer_than_five_coordinators_in_all_show_no_shares(client, framework, create_user, create_region,
                                                            coordinators):
    region = create_region("Vogtlandkreis")
    for _ in range(coordinators):
        create_user("coordinator", region=region)
    assert services.region_overview(now=FIXED_NOW)[0] == []
    login_as(client, create_user("admin"))
    page = client.get("/kompetenzen/uebersicht").get_data(as_text=True)
    assert "weniger als 5 aktive Netzwerkkoordinator*innen" in page and "Vogtlandkreis" not in page
    assert "%" not in page.split("Kompetenzen ohne kommendes Angebot")[0].split("<h1")[1].replace("5 Personen", "")


def test_the_overview_counts_what_each_coordinators_profile_shows(framework, create_user, create_region):
    """The overview is one aggregate, the profile a person's own reading: they must agree on who
    reaches which target, with regional overrides, a competence without target, self-assessments (never counted),
    expired and fresh confirmations, several pieces of evidence, no region and an inactive account."""

    rng = Random(8)
    admin, trainer = create_user("admin"), create_user("trainer")
    leipzig, dresden = create_region("Leipzig"), create_region("Dresden")
    competences = sorted(framework.values(), key=lambda competence: competence.code)
    services.set_target(admin, competences[0], level=4, now=FIXED_NOW, region_id=leipzig.id)
    db.session.execute(db.delete(TargetLevel).where(TargetLevel.competence_id == competences[1].id))  # no target
    services.set_target(admin, competences[2], level=1, now=FIXED_NOW, region_id=dresden.id)
    expiring = next(competence for competence in competences if competence.validity_months)
    people = [create_user("coordinator", region=rng.choice([leipzig, dresden, None])) for _ in range(14)]
    for person in people:
        for competence in rng.sample(competences, 8) + [expiring]:
            level = rng.randint(1, 4)
            if rng.random() < 0.3:
                services.self_assess(person, person, competence, level=level, comment="", now=FIXED_NOW)
            else:
                observed = FIXED_NOW - timedelta(days=rng.choice([10, 400, 4000]))  # 4000 days: expired
                services.confirm(trainer, person, competence, level=level, comment="", now=observed)
    people[0].active = False  # no longer counted, whatever their evidence
    db.session.commit()

    table, _ = services.region_overview(now=FIXED_NOW)
    expected: dict[int, int] = {}
    for person in db.session.scalars(db.select(User).where(User.id.in_([p.id for p in people[1:]]))):
        for summary in services.profile(person, now=FIXED_NOW):
            for row in summary.rows:
                if row.gap == 0:
                    expected[row.competence.id] = expected.get(row.competence.id, 0) + 1
    assert table[0].coordinators == 13
    assert table[0].reached == expected
    assert 0 < expected.get(expiring.id, 0) < 13 and expected[competences[1].id] == 13
    assert sum(entry.coordinators for entry in table[1:]) == 13  # the shown regions and the pool add up
    for competence_id, count in expected.items():
        assert sum(entry.reached.get(competence_id, 0) for entry in table[1:]) == count


def test_the_overview_costs_the_same_statements_for_ten_or_forty_coordinators(framework, create_user, create_region,
                                                                              count_queries):
    trainer, region = create_user("trainer"), create_region("Leipzig")
    competence = sorted(framework.values(), key=lambda found: found.code)[0]
    statements = []
    for _ in range(2):
        for _ in range(10 if not statements else 30):
            person = create_user("coordinator", region=region)
            services.confirm(trainer, person, competence, level=2, comment="", now=FIXED_NOW)
        db.session.commit()
        with count_queries() as counted:
            services.region_overview(now=FIXED_NOW)
        statements.append(len(counted))
    assert statements[0] == statements[1] <= 6


def test_a_competence_is_covered_only_by_an_upcoming_open_offering_of_a_mapped_module(
        framework, create_user, create_module, create_offering, trainer):
    admin = create_user("admin")
    mapped = {code: create_module(title=f"Modul für {code}") for code in ("A1", "A2", "A3")}
    for code, module in mapped.items():
        services.map_module(admin, module, {framework[code].id: 2})
    create_offering(mapped["A1"])  # open, in two weeks: covers A1
    create_offering(mapped["A2"], open_registration=False)  # planned, not open: no cover
    create_offering(mapped["A3"], starts_in=timedelta(days=-3))  # begun: no cover
    db.session.commit()
    _, uncovered = services.region_overview(now=FIXED_NOW)
    codes = {competence.code for competence in uncovered}
    assert "A1" not in codes and {"A2", "A3"} <= codes
