"""The form macros tell the truth: "– optional" exactly on fields with Optional() that nothing else
requires (custom-required fields declare lms.forms.Required, answer-dependent ones Conditional), and the
error summary links every field error, also in FieldList rows, to its field."""
import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from lms.auth.forms import AccountForm
from lms.beratung.forms import BookingForm, OutcomeForm, ProfileForm, WindowForm
from lms.instrumente.forms import InstrumentForm, ReviewForm
from lms.kompetenzen.forms import SelfAssessmentForm
from lms.module.forms import ModuleForm, OfferingForm, PersonForm

MARK = "– optional"


def _label(form, name: str) -> str:
    macro = "checkboxes" if form[name].type == "MultiCheckboxField" else "label"
    return render_template_string(
        f'{{% from "_macros/forms.html" import {macro} %}}{{{{ {macro}(field) }}}}', field=form[name])


@pytest.mark.parametrize("form_class,optional,not_optional", [
    (ModuleForm, ["code", "description", "learning_goals", "prerequisites", "materials"],
     ["title", "summary", "dimension", "teaching_units", "required_attendance", "audiences"]),
    (OfferingForm, ["region", "note", "trainers"], ["capacity", "deadline_day", "deadline_time"]),
    (PersonForm, [], ["email", "reason"]),  # the reason is needed in some cases; its hint says which
    (WindowForm, ["valid_from", "valid_until"], ["weekday", "day", "start_time", "end_time"]),
    (BookingForm, ["vignette"], ["type_code", "format", "age_band", "concern", "setting", "urgency"]),
    (OutcomeForm, ["result", "outcome"], []),
    (ProfileForm, ["introduction", "sectors", "max_per_day"], ["types", "formats", "place", "phone", "video_link",
                                                                "slot_minutes"]),
    (SelfAssessmentForm, ["comment"], ["competence", "level"]),
    (InstrumentForm, ["code", "file", "sectors", "link_url"], ["title", "kind", "summary", "dimension", "visibility"]),
    (ReviewForm, [], ["comment"]),  # needed when returning for rework
    (AccountForm, ["organisation", "region"], ["name", "roles", "sector"]),
])
def test_optional_is_said_exactly_where_it_is_true(app, form_class, optional, not_optional):
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        for name in optional:
            assert MARK in _label(form, name), name
        for name in not_optional:
            assert MARK not in _label(form, name), name


def test_the_first_date_of_an_offering_is_required_and_further_rows_are_not_marked(app):
    with app.test_request_context(method="POST", data={"dates-0-day": "", "dates-1-day": ""}):
        form = OfferingForm(meta={"csrf": False})
        first, second = (entry.form for entry in form.dates.entries)
        assert all(MARK not in _label(first, name) for name in ("day", "start", "end", "location", "online_url"))
        assert first.day.flags.required and not second.day.flags.required
        assert all(MARK not in _label(second, name) for name in ("day", "start", "end"))


def test_checkbox_groups_with_a_required_choice_do_not_require_every_box(app):
    with app.test_request_context():
        html = _label(ModuleForm(meta={"csrf": False}), "audiences")
        assert "required" not in html and MARK not in html


def test_the_error_summary_links_field_and_row_errors_and_lists_the_rest(app):
    data = MultiDict({"capacity": "", "deadline_day": "2030-01-10", "deadline_time": "12:00",
                      "dates-0-day": "2030-02-01", "dates-0-start": "10:00", "dates-0-end": "", "dates-0-location": "X",
                      "dates-1-online_url": "kein-link"})
    with app.test_request_context(method="POST", data=data):
        form = OfferingForm(meta={"csrf": False})
        assert not form.validate()
        html = render_template_string(
            '{% from "_macros/forms.html" import error_summary %}{{ error_summary(form, ["Vom Dienst: belegt."]) }}',
            form=form)
    assert 'role="alert"' in html and "Bitte prüfen Sie Ihre Angaben" in html
    assert '<a class="kern-link" href="#capacity">Plätze: Bitte geben Sie die Zahl der Plätze an.</a>' in html
    assert 'href="#dates-0-end">Termin 1, Ende: Bitte geben Sie das Ende an.</a>' in html
    assert 'href="#dates-1-online_url">Termin 2, Online-Link:' in html
    assert "<li>Vom Dienst: belegt.</li>" in html


def test_no_summary_without_errors(app):
    with app.test_request_context():
        html = render_template_string('{% from "_macros/forms.html" import error_summary %}{{ error_summary(form) }}',
                                      form=ModuleForm(meta={"csrf": False}))
    assert html.strip() == ""
