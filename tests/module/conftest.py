"""Factories for modules and offerings."""
import itertools
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.module import services
from lms.module.models import ModuleState
from lms.module.services import DateInput, ModuleInput, OfferingInput
from tests.conftest import FIXED_NOW


@pytest.fixture
def trainer(create_user):
    return create_user("trainer", name="Renate Referentin")


@pytest.fixture
def create_module(trainer):
    counter = itertools.count(1)

    def _create(*, title=None, state=ModuleState.PUBLISHED, dimension="internal", audiences=("coordinator",),
                prerequisites=(), teaching_units=8, required_attendance=100, trainers=None, code=None,
                summary="Worum es geht", actor=None):
        number = next(counter)
        actor = actor or trainer
        module = services.create_module(actor, ModuleInput(
            code=code, title=title or f"Modul {number}", summary=summary, description="", learning_goals="",
            dimension=dimension, teaching_units=teaching_units, required_attendance=required_attendance,
            audiences=list(audiences), prerequisite_ids=[m.id for m in prerequisites],
            trainer_ids=[t.id for t in (trainers or [actor])],
        ), now=FIXED_NOW)
        if state != ModuleState.DRAFT:
            services.set_module_state(actor, module, ModuleState.PUBLISHED, now=FIXED_NOW)
            if state == ModuleState.ARCHIVED:
                services.set_module_state(actor, module, ModuleState.ARCHIVED, now=FIXED_NOW)
        db.session.commit()
        return module

    return _create


def day_dates(first_start, count=1, hours=7, gap_days=1, location="Rathaus, Saal 2"):
    return [
        DateInput(starts_at=first_start + timedelta(days=gap_days * index),
                  ends_at=first_start + timedelta(days=gap_days * index, hours=hours), location=location)
        for index in range(count)
    ]


@pytest.fixture
def create_offering(create_module, trainer):
    def _create(module=None, *, capacity=10, starts_in=timedelta(days=14), dates=1, deadline_before=timedelta(days=3),
                region=None, moderated=False, open_registration=True, actor=None):
        module = module or create_module()
        first = FIXED_NOW + starts_in
        offering = services.create_offering(actor or trainer, module, OfferingInput(
            capacity=capacity, registration_deadline=first - deadline_before,
            region_id=region.id if region else None, moderated=moderated, trainer_ids=[], dates=day_dates(first, dates),
        ), open_registration=open_registration, now=FIXED_NOW - timedelta(days=60))
        db.session.commit()
        return offering

    return _create
