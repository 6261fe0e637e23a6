"""The offering form takes any number of dates without JavaScript ("Weiteren Termin hinzufügen" shows
one more row, "Diesen Termin entfernen" leaves a row out, empty rows are ignored), names every wrong
field at once at the field and in a summary, and marks as optional only what is optional."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.module.models import Offering, OfferingDate
from tests.conftest import FIXED_NOW, login_as


def _in_days(days: int) -> str:
    return (FIXED_NOW + timedelta(days=days)).date().isoformat()


def _row(index: int, days: int, *, start="09:00", end="12:00", location="Rathaus", **extra) -> dict:
    return {f"dates-{index}-day": _in_days(days), f"dates-{index}-start": start, f"dates-{index}-end": end,
            f"dates-{index}-location": location, **{f"dates-{index}-{name}": value for name, value in extra.items()}}


def _form(*rows: dict, **changes) -> dict:
    data = {"capacity": "12", "deadline_day": _in_days(10), "deadline_time": "12:00", "region": ""}
    for row in rows:
        data.update(row)
    data.update(changes)
    return data


def text(response) -> str:
    return response.get_data(as_text=True)


def offerings() -> int:
    return db.session.scalar(select(func.count(Offering.id)))


def test_a_new_offering_starts_with_one_date_row_and_another_is_added_without_saving(client, create_module,
                                                                                     trainer):
    module = create_module()
    login_as(client, trainer)
    url = f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu"
    page = text(client.get(url))
    assert 'id="dates-0-day"' in page and 'id="dates-1-day"' not in page
    added = client.post(url, data=_form(_row(0, 20), add_date="1"))
    assert added.status_code == 200 and offerings() == 0
    page = text(added)
    assert 'id="dates-1-day"' in page and 'id="dates-2-day"' not in page
    assert 'value="Rathaus"' in page  # what was typed stays
    assert "Bitte prüfen Sie Ihre Angaben" not in page  # adding a row is no failed save


def test_any_number_of_dates_is_saved_and_empty_or_removed_rows_are_left_out(client, create_module, trainer):
    module = create_module()
    login_as(client, trainer)
    rows = [_row(index, 20 + index) for index in range(6)]
    data = _form(*rows, **{"dates-6-day": "", "dates-6-start": "", "dates-6-end": "", "dates-6-location": "",
                           "dates-3-remove": "y"})
    response = client.post(f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu", data=data)
    assert response.status_code == 302
    offering = db.session.scalar(select(Offering))
    assert [date.starts_at.date().isoformat() for date in offering.dates] == [
        _in_days(days) for days in (20, 21, 22, 24, 25)]


def test_a_removed_existing_date_is_deleted_when_saving(client, create_offering, trainer):
    offering = create_offering(dates=2, starts_in=timedelta(days=20))
    login_as(client, trainer)
    page = text(client.get(f"/qualifizierung/verwaltung/angebote/{offering.id}"))
    assert 'id="dates-2-day"' in page and 'id="dates-3-day"' not in page  # two dates and one empty row
    assert "Beim Speichern wird der Termin gelöscht" in page
    first, second = offering.dates
    data = _form({**_row(0, 20, start="09:00", end="16:00", location="Rathaus, Saal 2", id=str(first.id))},
                 {**_row(1, 21, start="09:00", end="16:00", location="Rathaus, Saal 2", id=str(second.id),
                         remove="y")},
                 deadline_day=_in_days(14))
    assert client.post(f"/qualifizierung/verwaltung/angebote/{offering.id}", data=data).status_code == 302
    assert db.session.scalars(select(OfferingDate.id).where(OfferingDate.offering_id == offering.id)).all() == [
        first.id]


def test_every_wrong_field_is_named_at_once_at_its_field_and_in_the_summary(client, create_module, trainer):
    module = create_module()
    login_as(client, trainer)
    data = _form(_row(0, 20, end="08:00"), {"dates-1-day": _in_days(21), "dates-1-location": ""},
                 capacity="", deadline_day="")
    response = client.post(f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu", data=data)
    assert response.status_code == 422 and offerings() == 0
    page = text(response)
    summary = page.split('class="kern-alert kern-alert--danger lms-error-summary"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'href="#([^"]+)"', summary) == [
        "capacity", "deadline_day", "dates-0-end", "dates-1-start", "dates-1-end", "dates-1-location"]
    assert "Termin 2, Beginn: Bitte geben Sie den Beginn an." in summary
    for field_id in ("capacity", "deadline_day", "dates-0-end", "dates-1-start", "dates-1-end", "dates-1-location"):
        field = re.search(rf'<[^>]* id="{field_id}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in field and f"{field_id}-error" in field
        assert f'id="{field_id}-error"' in page
    assert "Das Ende muss nach dem Beginn liegen." in page


def test_without_any_date_the_first_row_says_so(client, create_module, trainer):
    module = create_module()
    login_as(client, trainer)
    response = client.post(f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu", data=_form())
    assert response.status_code == 422
    assert 'href="#dates-0-day">Termin 1, Datum: Bitte geben Sie mindestens einen Termin an.' in text(response)


def _label(page: str, field_id: str) -> str:
    return re.search(rf'<label class="kern-label" for="{field_id}">(.*?)</label>', page, re.DOTALL).group(1)


def test_only_optional_fields_say_optional(client, create_module, trainer):
    module = create_module()
    login_as(client, trainer)
    page = text(client.get(f"/qualifizierung/verwaltung/module/{module.id}/durchfuehrungen/neu"))
    for required in ("capacity", "deadline_day", "deadline_time", "dates-0-day", "dates-0-start", "dates-0-end",
                     "dates-0-location", "dates-0-online_url"):
        assert "optional" not in _label(page, required), required
    for optional in ("region", "note"):
        assert "– optional" in _label(page, optional), optional
    assert re.search(r'<input[^>]*id="dates-0-day"[^>]*required', page)  # the first date is needed
    page = text(client.get(f"/qualifizierung/verwaltung/module/{module.id}"))
    assert "optional" not in _label(page, "dimension") and "– optional" in _label(page, "code")
