"""The competence overview per region (admins only): shares of coordinators at their target, and
no column that describes fewer than five coordinators."""
import re

import pytest

from lms.disclosure import pool_small
from lms.kompetenzen import services
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
