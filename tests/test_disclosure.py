"""Small-number suppression (lms/disclosure.py): no figure describes fewer than MIN_GROUP_SIZE
people, and no withheld figure can be recovered from a total."""
import random

import pytest

from lms import create_app
from lms.disclosure import COMPLEMENT, SMALL, Figure, Group, protect
from tests.conftest import make_config


def group(*people) -> Group:
    """One row per entry; None is a row whose person no longer exists."""
    result = Group()
    for person in people:
        result.add(person)
    return result


def total_of(*groups: Group) -> Group:
    result = Group()
    for each in groups:
        result.rows += each.rows
        result.people |= each.people
        result.unknown |= each.unknown
    return result


def test_people_are_counted_not_rows(app):
    seven_by_two = group(1, 1, 1, 1, 2, 2, 2)
    five = group(3, 4, 5, 6, 7)
    assert (seven_by_two.rows, seven_by_two.size) == (7, 2)
    assert group(None, None, 1).size == 2  # deleted people count as one more at most
    figures, _ = protect([seven_by_two, five])
    assert figures == [Figure(None, SMALL), Figure(5)]


def test_a_single_small_cell_takes_the_smallest_other_with_it_when_a_total_is_shown(app):
    big, middle, small, empty = group(*range(10)), group(*range(20, 26)), group(40), Group()
    figures, total = protect([big, middle, small, empty], total=total_of(big, middle, small))
    assert figures == [Figure(10), Figure(None, COMPLEMENT), Figure(None, SMALL), Figure(0)]
    assert total == Figure(17)
    # Without a total the cells do not add up to anything shown: only the small one is withheld.
    assert protect([big, middle, small])[0] == [Figure(10), Figure(6), Figure(None, SMALL)]
    # Two small cells protect each other when together they describe enough people ...
    figures, _ = protect([big, group(40, 41, 42), group(43, 44)], total=total_of(big, group(*range(40, 45))))
    assert figures == [Figure(10), Figure(None, SMALL), Figure(None, SMALL)]
    # ... and take a third cell with them when they describe the same few.
    figures, _ = protect([big, middle, group(40, 41), group(40, 41)], total=total_of(big, middle, group(40, 41)))
    assert figures == [Figure(10), Figure(None, COMPLEMENT), Figure(None, SMALL), Figure(None, SMALL)]


def test_a_table_whose_total_describes_too_few_people_is_withheld_whole(app):
    figures, total = protect([group(1, 1, 1), group(2, 3, 4)], total=group(1, 1, 1, 2, 3, 4))
    assert total == Figure(None, SMALL) and all(not figure.shown for figure in figures)


def test_random_tables_never_publish_a_small_group_or_a_recoverable_one(app):
    """A property check over many random tables: every shown cell describes at least five
    people, and where the total is shown, the withheld cells are none or at least two and together
    describe at least five people."""
    generator = random.Random(20261202)
    for _ in range(500):
        people = range(generator.randint(1, 30))
        cells = [group(*(generator.choice(people) for _ in range(generator.randint(0, 12))))
                 for _ in range(generator.randint(1, 6))]
        total = total_of(*cells)
        figures, shown_total = protect(cells, total=total)
        for cell, figure in zip(cells, figures):
            assert not figure.shown or figure.value == 0 or cell.size >= 5
            assert not figure.shown or figure.value == cell.rows
        if shown_total.shown:
            withheld = [cell for cell, figure in zip(cells, figures) if not figure.shown]
            assert len(withheld) != 1
            assert not withheld or total_of(*withheld).size >= 5
        else:
            assert total.size < 5


@pytest.mark.parametrize("size", [0, 2, 101])
def test_the_app_refuses_a_threshold_that_protects_nobody(migrated_database, size):
    with pytest.raises(ValueError, match="LMS_MIN_GROUP_SIZE"):
        create_app(make_config(migrated_database, MIN_GROUP_SIZE=size))


@pytest.mark.parametrize("app_config", [{"MIN_GROUP_SIZE": 3}])
def test_the_threshold_is_configurable(app):
    assert protect([group(1, 2, 3), group(4, 5)])[0] == [Figure(3), Figure(None, SMALL)]
    assert protect([group(1, 2)])[0] == [Figure(None, SMALL)]
