"""Anyone checks a certificate by what is printed on it: its number and the holder's name. The
number alone tells nothing (numbers count up), and misses are throttled like failed sign-ins."""
import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from lms.extensions import db
from lms.module import services
from lms.module.models import Certificate


@pytest.fixture
def certificate(create_user, create_offering, trainer, now):
    offering = create_offering(starts_in=timedelta(days=-3))
    person = create_user("coordinator", name="Jana Jäger")
    enrolment = services.enrol(person, offering, actor=trainer, now=now - timedelta(days=5))
    services.record_attendance(trainer, offering, {(enrolment.id, offering.dates[0].id): True}, now=now)
    db.session.commit()
    return services.completions_for(person)[0].certificate


def test_the_form_finds_a_certificate_by_number_and_name(client, certificate):
    assert client.get("/nachweis").status_code == 200
    page = client.post("/nachweis", data={"number": f"  {certificate.number.lower()} ", "name": "jana  JÄGER"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "echt und gültig" in text and certificate.module_title in text


def test_a_number_typed_without_its_leading_zeros_or_with_spaces_is_found(client, certificate):
    year, serial = certificate.number.split("-")[1:]
    assert certificate.number == f"TB-{year}-{serial}" and len(serial) == 5 and serial.startswith("0")
    for typed in (f"TB-{year}-{int(serial)}", f"tb - {year} - {int(serial)}", f"TB-{year}-0{serial}"):
        page = client.post("/nachweis", data={"number": typed, "name": "Jana Jäger"})
        assert page.status_code == 200 and "echt und gültig" in page.get_data(as_text=True), typed
    page = client.post("/nachweis", data={"number": f"TB-{year}-{int(serial) + 1}", "name": "Jana Jäger"})
    assert page.status_code == 422


@pytest.mark.parametrize("data", [
    {"number": "TB-2000-1", "name": "Jana Jäger"},  # no such number
    {"number": "{number}", "name": "Jana Jaeger"},  # the number, but another name
    {"number": "{number}", "name": ""},  # the number alone
])
def test_a_wrong_pair_tells_nothing_about_the_certificate(client, certificate, data):
    data = {key: value.format(number=certificate.number) for key, value in data.items()}
    page = client.post("/nachweis", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Jana Jäger" not in text.replace('value="Jana Jäger"', "") and certificate.module_title not in text
    assert "echt und gültig" not in text


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ADDRESS": "3 per 15 minutes"}])
def test_guessing_is_throttled_but_hits_are_not_counted(client, certificate):
    right = {"number": certificate.number, "name": "Jana Jäger"}
    for _ in range(5):
        assert client.post("/nachweis", data=right).status_code == 200
    for _ in range(3):
        assert client.post("/nachweis", data={"number": certificate.number, "name": "Rate mal"}).status_code == 422
    assert client.post("/nachweis", data=right).status_code == 429


def test_the_certificate_names_both_ways_to_check_it(client, certificate):
    from lms.module.certificates import certificate_pdf

    with client.application.test_request_context():
        text = PdfReader(io.BytesIO(certificate_pdf(certificate))).pages[0].extract_text()
    assert f"/nachweis/{certificate.verification_token}" in text.replace("\n", "")
    assert "/nachweis mit Nummer und Name" in text.replace("\n", " ")


def test_a_certificate_issued_in_the_first_hour_of_a_year_in_berlin_carries_that_year(create_user, create_offering,
                                                                                    trainer, now):
    offering = create_offering(starts_in=timedelta(days=-3))
    person = create_user("coordinator", name="Jana Jäger")
    enrolment = services.enrol(person, offering, actor=trainer, now=now - timedelta(days=5))
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Berlin
    services.record_attendance(trainer, offering, {(enrolment.id, offering.dates[0].id): True}, now=new_year)
    db.session.commit()
    assert services.completions_for(person)[0].certificate.number.startswith("TB-2027-")


@pytest.mark.parametrize(("typed", "printed"), [
    ("TB-2026-00017", "TB-2026-00017"), ("tb-2026-17", "TB-2026-00017"), (" TB - 2026 – 0017 ", "TB-2026-00017"),
    ("TB-2026-123456", "TB-2026-123456"), ("TB-2026-02147483647", "TB-2026-2147483647"),
    ("TB-2026-٠١٧", "TB-2026-٠١٧"), ("XY-2026-17", "XY-2026-17"), ("tb 2026 17", "TB202617"),
])
def test_a_typed_number_reads_as_printed(typed, printed):
    assert Certificate.number_as_printed(typed) == printed
