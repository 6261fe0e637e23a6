"""Qualification modules: catalogue, offerings and their dates, enrolment with waitlist,
attendance, completion and participation certificates."""
