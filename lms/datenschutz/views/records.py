"""The records of processing (Art. 30 DSGVO) as the rules have them: each category of data with its
purpose, recipients, retention (with the configured period) and what erasure does, and when each
retention job last ran."""
from itertools import groupby

from flask import render_template

from lms.auth.models import Role
from lms.auth.permissions import role_required
from lms.datenschutz.rules import RULES
from lms.datenschutz.views import bp
from lms.jobruns import last_runs


@bp.get("/verwaltung/datenschutz")
@role_required(Role.ADMIN)
def records():
    ordered = sorted(RULES, key=lambda rule: str(rule.category))
    categories = [(category, list(rules)) for category, rules in groupby(ordered, key=lambda rule: str(rule.category))]
    return render_template("datenschutz/records.html", categories=categories, runs=last_runs())
