"""The second step before an action that cannot be undone.

The page's button posts to the action's own address as always. A view whose action cannot be undone
asks first: without the confirmation mark it answers with a page "Wirklich …?" that names what will
happen and posts the same form again, with the mark and a fresh CSRF token, to the same address;
"Abbrechen" leads back. Only that second post does the action. The view has loaded the object and
checked access before it asks, so both steps answer 403/404 alike, and CSRF protects both.

    if not is_confirmed():
        return ask(Confirmation(title=..., consequences=[...], button=..., cancel_url=...))
"""
from dataclasses import dataclass, field

from flask import render_template, request

CONFIRM_FIELD = "bestaetigt"
NOT_CARRIED = {"csrf_token", CONFIRM_FIELD}


@dataclass
class Confirmation:
    title: str  # the question, "Wirklich …?"
    consequences: list[str]  # what will happen, one sentence each
    button: str  # the action's own words, "Platz zurückgeben"
    cancel_url: str  # where "Abbrechen" leads: the page the person came from
    subject: str = ""  # what it is about, e.g. the module and the date
    quoted: str = ""  # the person's own text that goes along (a reason), shown as it will be sent
    quoted_label: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, value) lines about the subject


def is_confirmed() -> bool:
    """Whether this post is the answer of the confirmation page (the second step)."""
    return request.form.get(CONFIRM_FIELD) == "1"


def ask(confirmation: Confirmation):
    """The confirmation page for the post being answered: it sends every field of that post again."""
    carried = [(name, value) for name, value in request.form.items(multi=True) if name not in NOT_CARRIED]
    return render_template("confirmation.html", confirmation=confirmation, carried=carried,
                           confirm_field=CONFIRM_FIELD)
