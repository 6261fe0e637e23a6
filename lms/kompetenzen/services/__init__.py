"""Competence rules: the level rule, evidence from completions, self-assessment and confirmation,
expiry, targets, gaps and recommended offerings.

The current level of a competence is the highest level shown by a completed module or a
confirmation whose evidence has not expired; self-assessments are shown beside it, never mixed in.

One module per aggregate: `errors` (the refusals and the level and admin checks), `framework`
(seeding and editing the framework, each change a new framework version, and the coordinators'
targets), `mapping` (which competences a module builds, which instruments are recommended) and
`evidence` (from completions, self-assessment, confirmation, with expiry). The reads that change
nothing (the current version, mappings, targets, a person's evidence, profile, gaps and
recommendations, the admins' overview by region) live in `lms.kompetenzen.queries`. This package
re-exports the names its callers use, so `services.confirm(...)` keeps working.
"""
from lms.kompetenzen.queries import (
    AreaSummary,
    CompetenceRow,
    GapAdvice,
    Recommendation,
    RegionOverview,
    competences,
    confirmations_given_by,
    current_version,
    dimension_summary,
    evidence_of,
    gaps,
    instrument_links,
    largest_gaps,
    module_mapping,
    profile,
    recommendations,
    recommended_instruments,
    region_overview,
    target_table,
    targets_for,
)
from lms.kompetenzen.services.errors import FrameworkChange, InvalidLevel, ensure_admin
from lms.kompetenzen.services.evidence import confirm, on_completion_recorded, on_completion_revoked, self_assess
from lms.kompetenzen.services.framework import (
    DEFAULT_COORDINATOR_TARGETS,
    add_competence,
    edit_competence,
    map_starter_modules,
    remove_competence,
    retire_competence,
    seed_framework,
    set_target,
)
from lms.kompetenzen.services.mapping import link_instrument, map_module

__all__ = [
    # errors
    "FrameworkChange", "InvalidLevel", "ensure_admin",
    # framework, targets
    "DEFAULT_COORDINATOR_TARGETS", "add_competence", "edit_competence", "map_starter_modules", "remove_competence",
    "retire_competence", "seed_framework", "set_target",
    # mapping
    "link_instrument", "map_module",
    # evidence
    "confirm", "on_completion_recorded", "on_completion_revoked", "self_assess",
    # reads (lms.kompetenzen.queries)
    "AreaSummary", "CompetenceRow", "GapAdvice", "Recommendation", "RegionOverview", "competences",
    "confirmations_given_by", "current_version", "dimension_summary", "evidence_of", "gaps", "instrument_links",
    "largest_gaps", "module_mapping", "profile", "recommendations", "recommended_instruments", "region_overview",
    "target_table", "targets_for",
]
