"""Scheduled work of the network package (thin: the services do it)."""
from lms.netzwerk.agreements import remind_responsible
from lms.netzwerk.minutes import remind_task_owners
from lms.netzwerk.upkeep import ask_owners_to_confirm


def ask_to_confirm_entries(*, now) -> None:
    ask_owners_to_confirm(now=now)


def remind_of_agreements(*, now) -> None:
    remind_responsible(now=now)


def remind_of_tasks(*, now) -> None:
    remind_task_owners(now=now)
