"""The competence reads that change nothing: the framework's current version, the mappings and
target tables, a person's evidence, their profile (target, current level, self-assessment per
competence), gaps and recommended offerings and instruments, and the admins' overview by region.

The current level of a competence is the highest level shown by a completed module or a
confirmation whose evidence has not expired; self-assessments are shown beside it, never mixed in.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import joinedload

from lms.auth.models import Region, Role, User, UserRole
from lms.disclosure import min_group_size, pool_small
from lms.extensions import db
from lms.i18n import _l
from lms.instrumente.models import Instrument, InstrumentState
from lms.kompetenzen.models import (
    Competence,
    CompetenceArea,
    Evidence,
    EvidenceSource,
    FrameworkVersion,
    InstrumentCompetence,
    ModuleCompetence,
    TargetLevel,
)
from lms.module import services as module_services
from lms.module.models import Module, Offering, OfferingState
from lms.module.queries import waitlist_lengths


def current_version() -> FrameworkVersion | None:
    """The framework version in force: new evidence is recorded against it, and changes number on from it."""
    return db.session.scalar(select(FrameworkVersion).order_by(FrameworkVersion.number.desc()).limit(1))


def module_mapping(module: Module) -> list[ModuleCompetence]:
    """Which competences *module* builds, up to which level, by code: its completions become this evidence."""
    return list(db.session.scalars(
        select(ModuleCompetence).where(ModuleCompetence.module_id == module.id)
        .join(Competence).order_by(Competence.code)
    ).unique())


def target_table(region_id: int | None) -> dict[int, int]:
    """The coordinators' target levels by competence id, general (None) or one region's overrides, for the admins' table."""
    rows = db.session.scalars(select(TargetLevel).where(
        TargetLevel.role == Role.COORDINATOR, TargetLevel.sector == "",
        TargetLevel.region_id.is_(None) if region_id is None else TargetLevel.region_id == region_id))
    return {row.competence_id: row.level for row in rows}


def instrument_links(instrument: Instrument) -> dict[int, int]:
    """The levels *instrument* is recommended for, by competence id, for its editors' form."""
    return {row.competence_id: row.level for row in db.session.scalars(
        select(InstrumentCompetence).where(InstrumentCompetence.instrument_id == instrument.id))}


def competences() -> list[Competence]:
    """The current framework's competences by code, for choices and overviews (retired ones left out)."""
    return list(db.session.scalars(
        select(Competence).where(Competence.retired_in_id.is_(None)).order_by(Competence.code)
    ).unique())


def evidence_of(user: User) -> list[Evidence]:
    """All of *user*'s evidence, newest first: what their profile and record are made of."""
    return list(db.session.scalars(
        select(Evidence).where(Evidence.user_id == user.id).order_by(Evidence.observed_on.desc(), Evidence.id.desc())
    ).unique())


def confirmations_given_by(actor: User) -> list[Evidence]:
    """The confirmations *actor* has given, newest first, so that trainers can see and account for them."""
    return list(db.session.scalars(
        select(Evidence).where(Evidence.recorded_by_id == actor.id, Evidence.source == EvidenceSource.CONFIRMATION)
        .order_by(Evidence.recorded_at.desc())
    ).unique())


def targets_for(user: User) -> dict[int, int]:
    """Target level per competence: the role's general targets, overridden by the user's region."""
    rows = db.session.scalars(select(TargetLevel).where(
        TargetLevel.role == Role.COORDINATOR, TargetLevel.sector == "",
        (TargetLevel.region_id.is_(None)) | (TargetLevel.region_id == user.region_id),
    )).all()
    return _targets(rows, user.region_id)


def _targets(rows: list[TargetLevel], region_id: int | None) -> dict[int, int]:
    """The coordinators' targets in *region_id* from general and regional rows: the region's override a general one."""
    targets = {row.competence_id: row.level for row in rows if row.region_id is None}
    targets.update({row.competence_id: row.level for row in rows if row.region_id == region_id})
    return targets


@dataclass
class CompetenceRow:
    competence: Competence
    target: int
    current: int
    self_level: int | None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def gap(self) -> int:
        return max(0, self.target - self.current)


@dataclass
class AreaSummary:
    area: CompetenceArea
    rows: list[CompetenceRow]

    @property
    def reached(self) -> int:
        return sum(row.gap == 0 for row in self.rows)

    @property
    def target_sum(self) -> int:
        return sum(row.target for row in self.rows)

    @property
    def current_sum(self) -> int:
        return sum(min(row.current, row.target) for row in self.rows)

    @property
    def progress(self) -> int:
        """Per cent of the area's target levels reached."""
        return round(100 * self.current_sum / self.target_sum) if self.target_sum else 100

    @property
    def mean_target(self) -> float:
        return self.target_sum / len(self.rows) if self.rows else 0

    @property
    def mean_current(self) -> float:
        return sum(row.current for row in self.rows) / len(self.rows) if self.rows else 0


def profile(user: User, *, now: datetime) -> list[AreaSummary]:
    """Target, current level, self-assessment and evidence per competence, grouped by area."""
    targets = targets_for(user)
    evidence = evidence_of(user)
    areas = db.session.scalars(select(CompetenceArea).order_by(CompetenceArea.position)).unique().all()
    summaries = []
    for area in areas:
        rows = []
        for competence in area.competences:
            if not competence.is_current:
                continue
            mine = [e for e in evidence if e.competence_id == competence.id]
            counted = [e.level for e in mine if e.counts_at(now)]
            selves = [e for e in mine if e.source == EvidenceSource.SELF_ASSESSMENT]
            rows.append(CompetenceRow(competence, targets.get(competence.id, 0), max(counted, default=0),
                                      selves[0].level if selves else None, mine))
        summaries.append(AreaSummary(area, rows))
    return summaries


def dimension_summary(summaries: list[AreaSummary]) -> dict[str, int]:
    """Per cent of target levels reached in each dimension: is one of them lagging?"""
    totals: dict[str, list[int]] = {}
    for summary in summaries:
        for row in summary.rows:
            for dimension in (["internal", "performance"] if row.competence.dimension == "both" else [row.competence.dimension]):
                reached, wanted = totals.setdefault(dimension, [0, 0])
                totals[dimension] = [reached + min(row.current, row.target), wanted + row.target]
    return {dimension: round(100 * reached / wanted) if wanted else 100 for dimension, (reached, wanted) in totals.items()}


def gaps(summaries: list[AreaSummary]) -> list[CompetenceRow]:
    """The competences below target, largest gap first."""
    rows = [row for summary in summaries for row in summary.rows if row.gap > 0]
    return sorted(rows, key=lambda row: (-row.gap, row.competence.area.position, row.competence.position))


def recommended_instruments(user: User, gap_rows: "list[CompetenceRow]") -> list[tuple[Instrument, Competence, int]]:
    """Published instruments linked to a level between the current and the target level of a gap."""
    wanted = {row.competence.id: row for row in gap_rows}
    if not wanted:
        return []
    rows = db.session.execute(
        select(Instrument, InstrumentCompetence)
        .join(InstrumentCompetence, InstrumentCompetence.instrument_id == Instrument.id)
        .where(InstrumentCompetence.competence_id.in_(wanted), Instrument.state == InstrumentState.PUBLISHED)
        .order_by(Instrument.title)
    ).unique().all()
    return [(instrument, wanted[link.competence_id].competence, link.level) for instrument, link in rows
            if wanted[link.competence_id].current < link.level <= wanted[link.competence_id].target
            and instrument.can_view(user)]


@dataclass
class Recommendation:
    offering: Offering
    competence: Competence
    closes: int  # levels of the gap this offering closes
    from_level: int
    to_level: int
    own_region: bool
    waitlist: int | None  # None: seats are free
    missing: list[Module] = field(default_factory=list)  # prerequisites to complete first (or be admitted)
    in_progress: set[int] = field(default_factory=set)  # ids of those the person is enrolled in now


def recommendations(user: User, gap_rows: list[CompetenceRow], *, now: datetime, limit: int = 10) -> list[Recommendation]:
    """Upcoming open offerings whose module closes a gap, ranked by how much of the gap they close,
    then own region first (statewide next), then by date. Full offerings are offered as waitlist.

    Each module appears once, with its best run. Advice leads somewhere: modules the person has
    completed or holds a place in (requested,
    waitlisted or enrolled, in any offering that is not over) are left out, and a recommendation
    whose prerequisite is missing names it, so that the page shows it first and offers
    "Zulassung anfragen" instead of a "Platz buchen" that would fail."""
    if not gap_rows:
        return []
    by_competence = {row.competence.id: row for row in gap_rows}
    done = module_services.completed_module_ids(user)
    busy = module_services.modules_in_progress(user, now=now)
    admitted = module_services.admitted_offering_ids(user)
    candidates = db.session.execute(
        select(Offering, ModuleCompetence)
        .join(ModuleCompetence, ModuleCompetence.module_id == Offering.module_id)
        .where(ModuleCompetence.competence_id.in_(by_competence), Offering.state == OfferingState.OPEN,
               Offering.first_starts_at > now, Offering.registration_deadline > now,
               Offering.registration_closed.is_(False), Offering.module_id.not_in(done | busy))
        # The prerequisites of all candidates in one statement (a self-referential selectin would
        # otherwise load them module by module).
        .options(joinedload(Offering.module).selectinload(Module.prerequisites))
    ).unique().all()
    waitlists = waitlist_lengths({offering.id for offering, _ in candidates if offering.seats_left <= 0})
    best: dict[int, Recommendation] = {}
    for offering, mapping in candidates:
        row = by_competence[mapping.competence_id]
        if not offering.module.is_published or not offering.module.is_for(user):
            continue
        closes = min(mapping.level, row.target) - row.current
        if closes <= 0:
            continue
        missing = [] if offering.id in admitted else [
            required for required in offering.module.published_prerequisites if required.id not in done]
        recommendation = Recommendation(
            offering, row.competence, closes, row.current, min(mapping.level, row.target),
            own_region=offering.region_id is not None and offering.region_id == user.region_id,
            waitlist=waitlists.get(offering.id, 0) if offering.seats_left <= 0 else None,
            missing=missing, in_progress={required.id for required in missing if required.id in busy},
        )
        if offering.id not in best or best[offering.id].closes < closes:
            best[offering.id] = recommendation
    ranked = sorted(best.values(), key=lambda r: (
        -r.closes, 0 if r.own_region else (1 if r.offering.region_id is None else 2), r.offering.first_starts_at,
        r.offering.id))
    # One run per module: the best; the module's page lists its other dates.
    seen: set[int] = set()
    ranked = [r for r in ranked if not (r.offering.module_id in seen or seen.add(r.offering.module_id))]
    return ranked[:limit]


@dataclass
class GapAdvice:
    """A competence below target and the best upcoming offering that raises it (None: none fits)."""

    row: CompetenceRow
    recommendation: Recommendation | None


def largest_gaps(user: User, *, now: datetime, limit: int = 3) -> list[GapAdvice]:
    """The *limit* competences furthest below target, each with its next fitting offering (for the
    start page: a fixed number of statements, as `profile` and `recommendations`)."""
    rows = gaps(profile(user, now=now))[:limit]
    found: dict[int, Recommendation] = {}
    for recommendation in recommendations(user, rows, now=now, limit=100):
        found.setdefault(recommendation.competence.id, recommendation)
    return [GapAdvice(row, found.get(row.competence.id)) for row in rows]


@dataclass
class RegionOverview:
    region_name: str | None  # None: the regions pooled because each has too few coordinators
    coordinators: int
    reached: dict[int, int]  # competence id -> coordinators at or above target


def region_overview(*, now: datetime) -> tuple[list[RegionOverview], list[Competence]]:
    """For admins: per region, how many coordinators reach their target in each competence, and
    the competences that no upcoming open offering builds.

    No individuals are shown, and no share describes fewer than MIN_GROUP_SIZE coordinators: regions
    with fewer are pooled into one column (`disclosure.pool_small`); the first column counts all
    regions. With fewer coordinators in all, there is no table at all."""
    coordinator = and_(User.active.is_(True), User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.COORDINATOR)))
    sizes = dict(db.session.execute(select(User.region_id, func.count(User.id)).where(coordinator)
                                    .group_by(User.region_id)).all())
    shown, pooled = pool_small(sizes)
    current = competences()
    table = []
    if sum(sizes.values()) >= min_group_size():
        reached = _reached_by_region(coordinator, sizes, {competence.id for competence in current}, now)
        regions = {region.id: region.name for region in db.session.scalars(select(Region))}

        def column(name, region_ids):
            entry = RegionOverview(name, sum(sizes[region_id] for region_id in region_ids), {})
            for region_id in region_ids:
                for competence_id, count in reached[region_id].items():
                    entry.reached[competence_id] = entry.reached.get(competence_id, 0) + count
            return entry

        table = [column(_l("Alle Regionen"), list(sizes))]
        table += sorted((column(regions.get(region_id, _l("ohne Region")), [region_id]) for region_id in shown),
                        key=lambda entry: str(entry.region_name))
        if pooled and shown:  # with none shown, the pool is all regions: the first column
            table.append(column(None, pooled))
    # From the (few) mappings to their modules' offerings: joined the other way, a Land's
    # upcoming offerings were read to find the handful of mapped modules.
    covered = set(db.session.scalars(
        select(ModuleCompetence.competence_id).distinct().where(exists().where(
            Offering.module_id == ModuleCompetence.module_id, Offering.state == OfferingState.OPEN,
            Offering.first_starts_at > now))
    ))
    uncovered = [competence for competence in current if competence.id not in covered]
    return table, uncovered


def _reached_by_region(coordinator, sizes: dict[int | None, int], current: set[int],
                       now: datetime) -> dict[int | None, dict[int, int]]:
    """Per region: competence id (of the *current* ones) -> coordinators (rows matching *coordinator*)
    at or above their target.

    One aggregate counts how many stand at each level of each competence (a person's level is that of
    their profile: the highest evidence that counts); the targets, general or the region's, decide
    which levels reach them. A target of 0 everyone reaches."""
    level = (select(Evidence.user_id, Evidence.competence_id, func.max(Evidence.level).label("level"))
             .where(Evidence.counts_at(now)).group_by(Evidence.user_id, Evidence.competence_id).subquery())
    at_level: dict[int | None, list[tuple[int, int, int]]] = {}
    for region_id, competence_id, value, count in db.session.execute(
        select(User.region_id, level.c.competence_id, level.c.level, func.count())
        .join(level, level.c.user_id == User.id).where(coordinator)
        .group_by(User.region_id, level.c.competence_id, level.c.level)
    ):
        at_level.setdefault(region_id, []).append((competence_id, value, count))
    target_rows = db.session.scalars(select(TargetLevel).where(
        TargetLevel.role == Role.COORDINATOR, TargetLevel.sector == "")).all()
    reached = {}
    for region_id, size in sizes.items():
        targets = _targets(target_rows, region_id)
        counts = {competence_id: size for competence_id in current if targets.get(competence_id, 0) <= 0}
        for competence_id, value, count in at_level.get(region_id, ()):
            if competence_id in current and 0 < targets.get(competence_id, 0) <= value:
                counts[competence_id] = counts.get(competence_id, 0) + count
        reached[region_id] = counts
    return reached
