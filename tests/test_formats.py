"""Numbers, dates and citations as German readers write them (and English ones in English)."""
import io
from datetime import date, timedelta

from flask import render_template_string
from pypdf import PdfReader

from lms.beratung.catalogue import CONSULTATION_TYPES
from lms.extensions import db
from lms.i18n import speaking
from lms.ical import BERLIN
from lms.module import services as module_services
from tests.conftest import login_as
from tests.module.conftest import create_module, create_offering, trainer  # noqa: F401 - shared fixtures


def test_numbers_follow_the_locale(app):
    with app.test_request_context():
        for locale, expected in (("de", "2,8 · 1.234 · 0,4"), ("en", "2.8 · 1,234 · 0.4")):
            with speaking(locale):
                assert render_template_string("{{ 2.75 | round(1) | number }} · {{ 1234 | number }} · "
                                              "{{ 0.4 | number }}") == expected


def test_numeric_dates_written_fast_read_as_babel_writes_them(app):
    """The filters write numeric patterns (and short weekday names) themselves; Babel must agree, across DST
    and midnight."""
    from datetime import UTC, date, datetime

    from flask_babel import format_date, format_datetime, format_time

    instants = [datetime(2026, month, day, hour, minute, tzinfo=UTC) for month, day in ((3, 29), (10, 25), (12, 31))
                for hour, minute in ((0, 30), (1, 0), (22, 59), (23, 0))] + [datetime(2027, 1, 1, 0, 0)]  # naive: UTC
    template = "{{ v | date }}|{{ v | time }}|{{ v | datetime }}|{{ v | date('dd.MM.yyyy') }}"
    with app.test_request_context():
        for locale in ("de", "en"):
            with speaking(locale):
                for value in instants:
                    expected = "|".join([format_date(value, "dd.MM.yyyy"), format_time(value, "HH:mm"),
                                         format_datetime(value, "dd.MM.yyyy, HH:mm"), format_date(value, "dd.MM.yyyy")])
                    assert render_template_string(template, v=value) == expected, value
                assert render_template_string("{{ d | date }}", d=date(2026, 2, 3)) == "03.02.2026"
                for value in instants:  # the short weekday name comes from the locale's data
                    assert render_template_string("{{ v | date('EEE, dd.MM.yyyy') }}", v=value) == \
                        format_date(value, "EEE, dd.MM.yyyy"), value
                assert render_template_string("{{ v | date('EEEE, d. MMMM yyyy') }}", v=instants[0]) == \
                    format_date(instants[0], "EEEE, d. MMMM yyyy")  # other names: Babel's


def test_a_legal_basis_is_cited_once():
    labels = {code: kind.cited_label for code, kind in CONSULTATION_TYPES.items()}
    assert labels["case_consult_8a4"] == "Hinzuziehung der insoweit erfahrenen Fachkraft (§ 8a Abs. 4 SGB VIII)"
    assert labels["case_consult_kkg4"] == "Beratung für Berufsgeheimnisträger nach § 4 Abs. 2 KKG"
    assert labels["case_consult_8b"].endswith("(anonym/pseudonymisiert) (§ 8b Abs. 1 SGB VIII)")
    assert labels["reflection"] == "Reflexions- und Klärungsgespräch"  # the accompanying concept is no statute
    assert all(label.count("§") <= 1 for label in labels.values())


def test_the_qualification_record_writes_german_dates(client, create_user, create_offering, trainer, now):
    offering = create_offering(starts_in=timedelta(days=-3))
    person = create_user("coordinator", name="Jana Jäger")
    enrolment = module_services.enrol(person, offering, actor=trainer, now=now - timedelta(days=5))
    module_services.record_attendance(trainer, offering, {(enrolment.id, offering.dates[0].id): True}, now=now)
    db.session.commit()
    login_as(client, person)
    text = PdfReader(io.BytesIO(client.get("/kompetenzen/nachweis.pdf").data)).pages[0].extract_text()
    completed = module_services.completions_for(person)[0].completed_on
    assert completed.astimezone(BERLIN).strftime("%d.%m.%Y") in text
    assert completed.astimezone(BERLIN).date().isoformat() not in text


def test_summaries_show_their_markdown_rendered_also_with_the_query_marked(app):
    from lms.instrumente.search import highlight_summary

    summary = "Speichert das **leere** Instrument, <b>nie</b> einen Bogen: [Quelle](javascript:x)"
    with app.test_request_context():
        marked = str(highlight_summary(summary, "Bögen leeren"))
    assert "<strong><mark>leere</mark></strong>" in marked and "<mark>Bogen</mark>" in marked
    assert "**" not in marked and "<b>" not in marked and "&lt;b&gt;nie" in marked  # raw HTML stays text
    assert 'href="javascript' not in marked


def test_speaking_switches_the_language_for_a_block_and_gives_the_one_before_back(app):
    """The request's language is looked up once (lms.i18n); a mail in another language must not leave
    it behind, in Python code or templates, nested or not."""
    from lms.i18n import _

    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert _("Mein Lernen") == render_template_string("{{ _('Mein Lernen') }}") == "Mein Lernen"
        with speaking("en"):
            assert _("Mein Lernen") == render_template_string("{{ _('Mein Lernen') }}") == "My learning"
            with speaking("de"):
                assert render_template_string("{{ v | date('EEE, dd.MM.yyyy') }}", v=date(2026, 11, 16)) == "Mo., 16.11.2026"
            assert render_template_string("{{ v | date('EEE, dd.MM.yyyy') }}", v=date(2026, 11, 16)) == "Mon, 16.11.2026"
        assert _("Mein Lernen") == render_template_string("{{ _('Mein Lernen') }}") == "Mein Lernen"
