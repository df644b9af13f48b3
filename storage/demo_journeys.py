"""The demo's reviews, one at each stage, built through the domain's own functions (issue 14).

Each review is what the bot itself would have made: created and assigned as a chair does,
answered section by section, submitted, signed off, published and updated by the people the
demo names, with the audit trail that goes with it. So every card a newcomer opens on it is
real, and every one has a way forward: the Playground user ("Alex Wilber") chairs every review,
is the Demo Police practitioner and safeguarding lead, an LIC member and a manager.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from domain import actions, chase_engine, lifecycle, meeting, returns, review_flow
from domain.calendar import DEFAULT_CALENDAR
from domain.identifier_checks import confirm_key
from domain.model import Actor, MemberView
from domain.questions import (
    QuestionType,
    Section,
    default_question_bank,
    default_themes,
    follow_up_input_id,
)
from domain.records import ReturnView, ReviewView
from domain.returns import CONFIRM_PREFIX, Nav
from storage.repositories import SqlUnitOfWork
from storage.tables import stamped_at

# Reviews are opened on this day, so their references are LOS-2026-001 onwards; what must be
# due, due soon or overdue is dated from the day the demo is loaded instead.
OPENED: Final = date(2026, 11, 2)
OPENED_AT: Final = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # created, assigned 15 minutes on
RETURNS_DUE: Final = date(2026, 11, 23)
# The meeting the reviews before it plan; a story whose meeting is held had it ten days before
# the load (held_on).
MEETING: Final = date(2026, 12, 14)
# When the returns that are in were written and submitted, and signed off: before they were
# due, so the demo's board report counts them on time (stamped on the load day, every one was
# late). The return the story makes late came in three days after its due date.
SUBMITTED: Final = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
LATE: Final = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
SIGNED_OFF: Final = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
# Where LOS-2026-001's writers had got to: started before the due date, not finished.
STARTED: Final = {
    "health": datetime(2026, 11, 18, 10, 0, tzinfo=UTC),
    "social_care": datetime(2026, 11, 19, 14, 0, tzinfo=UTC),
}
# A writer saves a section, or adds a chronology entry, every ten minutes.
STEP: Final = timedelta(minutes=10)
BANK: Final = default_question_bank()


@dataclass(frozen=True)
class Cast:
    """Who plays which part: the agencies (name -> id) and people (key -> member, actor)."""

    tenant_id: str
    agencies: Mapping[str, int]
    members: Mapping[str, MemberView]
    actors: Mapping[str, Actor]
    today: date
    now: datetime  # when the demo is loaded: no story event is later, chasers plan from it

    def acts(self, key: str) -> tuple[Actor, MemberView]:
        return self.actors[key], self.members[key]


@contextmanager
def story_time(cast: Cast, moment: datetime) -> Iterator[tuple[date, datetime]]:
    """Do what is inside as of the story's `moment` (never later than the load): the domain is
    told that day and time, and storage stamps the rows and audit events it writes with it, so
    `audit LOS-…` tells the same story as the records (the product's own path: nothing is
    rewritten afterwards, the audit stays append-only)."""
    when = min(moment, cast.now)
    with stamped_at(when):
        yield DEFAULT_CALENDAR.local_date(when), when


def working_days_ago(cast: Cast, days: int, hour: int) -> datetime:
    """`hour` o'clock (UTC) on the working day `days` working days before the load."""
    day = DEFAULT_CALENDAR.add_working_days(cast.today, -days)
    return datetime.combine(day, time(hour), UTC)


@dataclass(frozen=True)
class Story:
    # The story's stable key: a reload finds its review by it (storage/demo.py), whatever the
    # review's pseudonym or reference.
    key: str
    pseudonym: str
    stage: str
    build: Callable[[SqlUnitOfWork, Cast, ReviewView], None]
    # Pseudonyms earlier releases gave this story's review, before reviews were keyed.
    earlier: tuple[str, ...] = ()
    # Whether its meeting has been held (on held_on's day, its meeting date), or is to come.
    held: bool = False


# --- building blocks ---------------------------------------------------------------------------


def demo_answers(section: Section, pseudonym: str = "Child K") -> dict[str, str]:
    """Plain, pseudonymised answers for any section, as the card would send them, with every
    possible-identifier warning ticked: the demo's text is checked to be generic. The answers
    name the review's own child (a pack for Child S that spoke of Child K looked like another
    case's record)."""
    answers: dict[str, str] = {}
    for question in section.questions:
        match question.type:
            case QuestionType.SHORT_TEXT:
                answers[question.id] = "Early help team, practitioner in post 3 years"
            case QuestionType.LONG_TEXT:
                answers[question.id] = f"{pseudonym} was seen at home; concerns were recorded."
            case QuestionType.DATE:
                answers[question.id] = "2025-03-14"
            case QuestionType.CHOICE:
                answers[question.id] = question.choices[0].value
            case QuestionType.MULTI_CHOICE:
                answers[question.id] = ",".join(c.value for c in question.choices[:2])
            case QuestionType.THEME_TAGS:
                answers[question.id] = default_themes()[0].slug
            case QuestionType.YES_NO_FOLLOWUP:
                answers[question.id] = "yes"
                answers[follow_up_input_id(question.id)] = "It was discussed in supervision."
        answers[CONFIRM_PREFIX + question.id] = "true"
    return answers


@dataclass(frozen=True)
class Voice:
    """How one demo agency's return reads: its team, the writer's role, what it did, and the
    two events it puts in the chronology."""

    team: str
    role: str
    did: str
    worked_well: str
    could_differ: str
    events: tuple[tuple[str, str], ...]


# The children are of school age (Child K is 7, at the demo's primary school): their health
# service is school nursing, not health visiting (which ends at 5).
# Each agency says its own thing (new-user walk L12: every answer in every return was the same
# sentence, "Period under review" read "Early help team, practitioner in post 3 years", and all
# eight chronology entries were flagged as possible duplicates). One event, the school's
# referral to early help, is recorded by both agencies it passed between: the pack's duplicate
# check then finds one real pair.
VOICES: Final[Mapping[str, Voice]] = {
    "police": Voice(
        "Demo Police, Public Protection Unit",
        "Detective sergeant, public protection, in post 4 years",
        "attended one call to the home address and shared a notification with early help",
        "The officers who attended the call asked to see {child} and recorded what they saw.",
        "The notification could have gone to the school and the school nurse as well.",
        (
            ("2025-09-12", "Officers attended a call to the home; {child} was seen."),
            ("2025-09-15", "A notification about the call was sent to early help."),
        ),
    ),
    "health": Voice(
        "Demo Community Health, School Nursing (North)",
        "Named nurse for safeguarding, in post 3 years",
        "offered a school-age health review and a dental referral",
        "The school nurse noticed {child}'s tooth decay and referred to the dental service.",
        "The missed dental appointment could have been followed up with the school.",
        (
            ("2025-06-20", "{child} was not brought to a dental appointment; not followed up."),
            ("2025-10-03", "{child} was seen at clinic; tooth decay noted, dental referral made."),
        ),
    ),
    "social_care": Voice(
        "Demo Children's Social Care, Early Help (North)",
        "Early help team manager, in post 2 years",
        "held an early help assessment and closed it after three months",
        "The early help worker saw {child} alone at school and recorded {child}'s views.",
        "The assessment could have asked health about appointments before it was closed.",
        (
            ("2025-01-20", "Referral from the school about {child}'s attendance received."),
            ("2025-04-25", "Early help closed: attendance had improved for four weeks."),
        ),
    ),
    "school": Voice(
        "Demo Primary School",
        "Designated safeguarding lead, in post 5 years",
        "tracked {child}'s attendance and referred to early help",
        "Daily attendance tracking picked up the pattern of absence within a month.",
        "The school could have asked health why {child} was missing appointments.",
        (
            ("2025-01-10", "Attendance fell below 85%; the family was invited to a meeting."),
            ("2025-01-20", "Referral to early help about {child}'s attendance."),
        ),
    ),
}

# Per question, what a demo return says ({child}, {agency}, {did}...: from the review and the
# agency's voice). A question not named here takes demo_answers' plain answer.
_SAID: Final[Mapping[str, str]] = {
    "agency_team": "{team}",
    "author_role": "{role}",
    "period_under_review": "January 2025 to October 2026, as set in the terms of reference.",
    "records_examined": "{agency}'s case record for {child} and the supervision notes.",
    "practitioners_spoken_to": "The practitioner who worked with {child}, and their manager.",
    "involvement_period": "January 2025 to October 2026.",
    "family_members": "{child} and {child}'s mother. {child}'s father was named but not seen.",
    "hidden_adults": "{child}'s father was named on the record but never identified or seen.",
    "involvement_summary": "{agency} {did}. Each contact is in the chronology.",
    "episode_date": "{episode_date}",
    "episode_what_happened": "{episode} What the other agencies knew was not asked for.",
    "episode_decision": "It was recorded on {child}'s file and no more was done; no rationale "
    "was recorded.",
    "episode_impact": "{child}'s attendance and dental health did not improve for months.",
    "episode_missed_opportunity": "Shared, it would have been linked to what the other "
    "agencies knew.",
    "what_worked_well": "{worked_well}",
    "what_could_differ": "{could_differ}",
    "why_it_happened": "Caseloads were high, and missed appointments were not reviewed in "
    "supervision.",
    "wishes_and_feelings": "{agency} recorded what {child} said, but did not act on it.",
    "daily_life": "{child} often came to school tired and hungry, with toothache.",
    "accounts_checked": "Mother's account was accepted without checking with the other agencies.",
    "disguised_compliance": "Mother agreed every action, but attendance fell again after early "
    "help closed; it was not named as disguised compliance.",
    "history_used": "An earlier early help episode was on the record but was not read.",
    "information_shared": "{agency} shared what it knew with early help when asked.",
    "information_not_shared": "{agency} did not ask the other agencies what they knew.",
    "meetings_referrals_thresholds": "One referral to early help; no strategy discussion. On "
    "what each agency knew alone, the threshold was not met.",
    "escalation_detail": "No professional disagreement arose.",
    "risk_reassessed": "Risk was not re-assessed when early help closed.",
    "equality_influence": "No language or disability barriers were recorded; the family's "
    "culture was not explored.",
    "single_agency_learning": "A missed appointment was treated as the parent's choice, not as "
    "{child} not being brought.",
    "actions_taken": "Missed appointments are now reviewed in supervision each month.",
    "multi_agency_learning": "Attendance and health concerns should be shared, so that "
    "together they are seen as neglect.",
    "good_practice_to_share": "The school's daily attendance tracking.",
}


# The yes/no questions the demo answers "no" (demo_answers says "yes" to each): their follow-up
# in _SAID then explains the no, and is left out where only a yes asks for one.
_NO: Final = frozenset(
    {"accounts_checked", "disguised_compliance", "history_used", "risk_reassessed"}
    | {"adjustments_made"}
)


def story_answers(section: Section, agency: str, pseudonym: str) -> dict[str, str]:
    """A section as one demo agency answers it: demo_answers, with each question's own answer
    from _SAID in the agency's voice (for a yes/no question, its follow-up)."""
    voice = VOICES[agency]
    episode_date, episode = voice.events[0]
    words = {
        "episode_date": episode_date,
        "episode": episode.format(child=pseudonym),
        "child": pseudonym,
        "agency": voice.team.split(",")[0],
        "team": voice.team,
        "role": voice.role,
        "did": voice.did.format(child=pseudonym),
        "worked_well": voice.worked_well.format(child=pseudonym),
        "could_differ": voice.could_differ.format(child=pseudonym),
    }
    answers = demo_answers(section, pseudonym)
    for question in section.questions:
        said = _SAID.get(question.id, "").format(**words)
        if question.type is not QuestionType.YES_NO_FOLLOWUP:
            if said:
                answers[question.id] = said
            continue
        answer = "no" if question.id in _NO else "yes"
        answers[question.id] = answer
        follow_up = follow_up_input_id(question.id)
        if question.follow_up_when not in ("always", answer):
            answers.pop(follow_up, None)
        elif said:
            answers[follow_up] = said
    return answers


def create(
    uow: SqlUnitOfWork, cast: Cast, pseudonym: str, reason: str, meeting_on: date = MEETING
) -> ReviewView:
    actor, chair = cast.acts("alex")
    data = {
        "pseudonym": pseudonym,
        "reason": reason,
        "agencies": ",".join(str(i) for i in cast.agencies.values()),
        "returns_due_on": RETURNS_DUE.isoformat(),
        "meeting_on": meeting_on.isoformat(),
    }
    with story_time(cast, OPENED_AT):
        review = review_flow.create_review(uow, actor, chair, data, OPENED)
    assignees = {
        f"assignees_{cast.agencies['police']}": cast.members["alex"].aad_object_id,
        f"assignees_{cast.agencies['health']}": cast.members["health_visitor"].aad_object_id,
        f"assignees_{cast.agencies['social_care']}": cast.members["social_worker"].aad_object_id,
        f"assignees_{cast.agencies['school']}": cast.members["school_dsl"].aad_object_id,
    }
    with story_time(cast, OPENED_AT + timedelta(minutes=15)):
        review_flow.assign(uow, actor, chair, {"review_id": review.id, **assignees})
    return review


# Who answers, and who signs off, each agency's return.
_WRITERS: Final = {
    "police": ("alex", "alex"),
    "health": ("health_visitor", "health_lead"),
    "social_care": ("social_worker", "social_care_lead"),
    "school": ("school_dsl", "school_dsl"),
}


def return_of(uow: SqlUnitOfWork, cast: Cast, review: ReviewView, agency: str) -> ReturnView:
    agency_id = cast.agencies[agency]
    return next(r for r in uow.reviews.returns(review.id) if r.agency_id == agency_id)


def answer(
    uow: SqlUnitOfWork,
    cast: Cast,
    review: ReviewView,
    agency: str,
    start: datetime,
    sections: int | None = None,
) -> ReturnView:
    """Answer the first `sections` sections (all, by default) and two chronology entries: the
    writer starts at `start` and saves one every STEP."""
    ret = return_of(uow, cast, review, agency)
    actor, writer = cast.acts(_WRITERS[agency][0])
    count = BANK.section_count if sections is None else sections
    for index in range(count):
        section = BANK.section(index)
        data: dict[str, object] = {"return_id": ret.id, "section": index}
        data |= story_answers(section, agency, review.pseudonym)
        if section.repeatable:
            data["episode"] = 1
        with story_time(cast, start + index * STEP) as (today, now):
            returns.save_section(uow, actor, writer, data, Nav.NEXT, today, now)
    if sections is None:
        for number, (day, event) in enumerate(VOICES[agency].events):
            entry = {
                "return_id": ret.id,
                "event_date": day,
                "source": "agency case record",
                "event": event.format(child=review.pseudonym),
                "themes": "neglect",
                "confirm_identifiers": "true",
            }
            with story_time(cast, start + (count + number) * STEP) as (today, now):
                returns.save_entry(uow, actor, writer, entry, today, now)
    return ret


# How long writing a whole return takes: every section and the two chronology entries.
WRITING: Final = (BANK.section_count + 2) * STEP


def submit(
    uow: SqlUnitOfWork, cast: Cast, review: ReviewView, agency: str, late: bool = False
) -> ReturnView:
    """Write and submit the agency's return: before it was due (SUBMITTED, each agency a little
    after the one before), unless the story makes it late (LATE); its writing ends as it is
    submitted."""
    at = LATE if late else SUBMITTED + list(_WRITERS).index(agency) * timedelta(minutes=25)
    ret = answer(uow, cast, review, agency, at - WRITING)
    actor, writer = cast.acts(_WRITERS[agency][0])
    with story_time(cast, at) as (today, now):
        returns.submit(uow, actor, writer, {"return_id": ret.id}, today, now)
    return ret


def sign_off(
    uow: SqlUnitOfWork, cast: Cast, review: ReviewView, agency: str, at: datetime = SIGNED_OFF
) -> None:
    ret = submit(uow, cast, review, agency)
    actor, lead = cast.acts(_WRITERS[agency][1])
    with story_time(cast, at) as (_, now):
        returns.sign_off(uow, actor, lead, {"return_id": ret.id}, True, now)


def all_signed_off(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    """Each agency's lead signs its return off on SIGNED_OFF's morning, a quarter hour apart."""
    for number, agency in enumerate(_WRITERS):
        sign_off(uow, cast, review, agency, SIGNED_OFF + number * timedelta(minutes=15))


@dataclass(frozen=True)
class DemoAction:
    owner: str
    agency: str
    description: str
    # How we'll know (the M of a SMART action): each item its own, fitting what it asks.
    measure: str
    due_in_days: int  # from the day the demo is loaded; negative is overdue
    # What its owner says when marking it complete, for a story that completes it.
    evidence: str = ""


def held_on(cast: Cast) -> date:
    """The day a held story's meeting was: the working day ten days or so before the load,
    after its returns were signed off, and never after the load."""
    day = cast.today - timedelta(days=10)
    while not DEFAULT_CALENDAR.is_working_day(day):
        day -= timedelta(days=1)
    return min(max(day, SIGNED_OFF.date() + timedelta(days=1)), cast.today)


def published_at(cast: Cast) -> datetime:
    """When a held story's outcome was published: the afternoon of its meeting."""
    return datetime.combine(held_on(cast), time(15), UTC)


def publish(
    uow: SqlUnitOfWork, cast: Cast, review: ReviewView, items: tuple[DemoAction, ...]
) -> list[int]:
    """The meeting's outcome with SMART action items, drafted on the day of the meeting
    (held_on: the review's meeting date) and published that afternoon."""
    actor, chair = cast.acts("alex")
    published = published_at(cast)
    for number, item in enumerate(items):
        data = {
            "review_id": review.id,
            "description": item.description,
            "theme": "neglect",
            "owner": cast.members[item.owner].aad_object_id,
            "agency_id": str(cast.agencies[item.agency]),
            "due_on": _working_day(cast.today + timedelta(days=item.due_in_days)).isoformat(),
            "success_measure": item.measure,
            "confirm_identifiers": "true",
        }
        drafted = published - timedelta(minutes=5 * (len(items) + 1 - number))
        with story_time(cast, drafted) as (today, _):
            meeting.save_action(uow, actor, chair, data, today)
    outcome = {
        "review_id": review.id,
        "agreed_themes": "neglect",
        # Three learning points: the briefing's three key learning boxes are each written
        # before it is sent for approval (domain/guide.empty_boxes_message).
        "learning_needs": "Escalate sooner when attendance and health concerns meet.\n"
        "Ask to see the child at every home visit.\n"
        "Share health visit notes with the school nurse.",
        "attendees": "Chair, Police, Health, Social Care, School",
        "confirm_identifiers": "true",
    }
    with story_time(cast, published) as (today, now):
        done = meeting.publish(uow, actor, chair, outcome, today, now)
    if not isinstance(done, meeting.Published):
        raise RuntimeError(f"the demo outcome for {review.reference} didn't publish: {done.errors}")
    return [a.id for a in done.actions]


def _working_day(day: date) -> date:
    # A due date on a weekend is flagged as not SMART: the demo's are working days.
    return DEFAULT_CALENDAR.next_working_day(day)


def after_publishing(cast: Cast, days: int, hour: int) -> datetime:
    """A moment after the outcome was published: `hour` o'clock `days` working days before the
    load, or an hour after publishing if that was later."""
    return max(working_days_ago(cast, days, hour), published_at(cast) + timedelta(hours=1))


def complete(
    uow: SqlUnitOfWork, cast: Cast, item: DemoAction, action_id: int, at: datetime
) -> None:
    actor, member = cast.acts(item.owner)
    evidence = {
        "action_id": action_id,
        "evidence": item.evidence,
        "confirm_identifiers": "true",
    }
    with story_time(cast, at) as (_, now):
        actions.mark_complete(uow, actor, member, evidence, now)


# --- the stories: one review at each stage -----------------------------------------------------

_REASON: Final = (
    "Concerns about dental health and school attendance were held by several agencies but "
    "not escalated."
)
_AUDIT: Final = (
    "Audit 20 attendance referrals against the new escalation pathway and report the "
    "findings to the LIC group."
)


def _pre_analysis(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    # Health and social care have started; Alex's police return waits for him (`continue`).
    # Returns were due on 23 November, so `continue` and `reviews` show them as overdue.
    answer(uow, cast, review, "health", STARTED["health"], sections=5)
    answer(uow, cast, review, "social_care", STARTED["social_care"], sections=2)


def _awaiting_sign_off(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    # The police return waits for Alex, its safeguarding lead (`sign-offs`).
    submit(uow, cast, review, "police")
    # Health's came in after its due day: the late return the board report counts.
    submit(uow, cast, review, "health", late=True)
    sign_off(uow, cast, review, "school")


def _analysis(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    all_signed_off(uow, cast, review)  # every return signed off: the pack is ready


_PUBLISHED: Final = (
    DemoAction(
        "alex",
        "police",
        _AUDIT,
        "The audit of 20 referrals reaches the LIC group by the due date, and none of the 20 "
        "waited more than 10 working days to be escalated.",
        60,
    ),
    DemoAction(
        "alex",
        "police",
        "Brief every response officer on the pathway.",
        "All response officers on the training register have had the briefing (100%), and "
        "the sergeants' dip sample of 10 calls a month finds the pathway used.",
        3,
    ),
    DemoAction(
        "health_visitor",
        "health",
        "Add missed appointments to triage.",
        "Every missed dental or clinic appointment of a school-age child is triaged within 2 "
        "working days: 10 records sampled each month.",
        -7,
    ),
    DemoAction(
        "police_practitioner",
        "police",
        "Share attendance data weekly.",
        "The school's weekly attendance list reaches the police and early help for 8 weeks "
        "running, none missed.",
        30,
    ),
)


def _published(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    all_signed_off(uow, cast, review)
    ids = publish(uow, cast, review, _PUBLISHED)
    actor, owner = cast.acts("police_practitioner")
    blocked = {"action_id": ids[3], "reason": "Waiting for the data-sharing agreement."}
    with story_time(cast, after_publishing(cast, 3, 10)) as (_, now):
        actions.mark_blocked(uow, actor, owner, blocked, now)


_AWAITING_IMPACT: Final = (
    DemoAction(
        "health_visitor",
        "health",
        "Add a 'was not brought' question to the school nursing triage form.",
        "The form asks it, and 9 of 10 triage records sampled in its first month answer it.",
        20,
        "The new triage form is live and every school nurse has been shown it; its first "
        "month's sample of 10 records goes to the LIC group.",
    ),
    DemoAction(
        "social_worker",
        "social_care",
        "Audit 20 early help closures for whether health was asked about missed "
        "appointments, and report the findings to the LIC group.",
        "All 20 closures audited and reported to the LIC group; at least 16 of the 20 asked "
        "health before closing.",
        25,
        "The 20 closures are audited: 17 asked health before closing. The report went to the "
        "early help managers and the LIC group.",
    ),
    DemoAction(
        "alex",
        "police",
        "Send police notifications about a call where a child is seen to the school and the "
        "school nurse as well as early help.",
        "Of 10 such notifications sampled each month, all 10 went to the school and the "
        "school nurse.",
        30,
    ),
)


def _awaiting_impact(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    all_signed_off(uow, cast, review)
    items = _AWAITING_IMPACT
    ids = publish(uow, cast, review, items)
    complete(uow, cast, items[0], ids[0], after_publishing(cast, 4, 11))
    complete(uow, cast, items[1], ids[1], after_publishing(cast, 3, 15))
    briefing_for_approval(uow, cast, review)


def briefing_for_approval(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    """The deputy chair drafts the 7-minute briefing and sends it for approval: Alex (chair
    and LIC member) can approve it from the Playground, as a second person must."""
    actor, chair = cast.acts("alex")
    deputy_id = cast.members["deputy_chair"].id
    with story_time(cast, after_publishing(cast, 2, 9)):
        lifecycle.set_deputy(uow, actor, chair, {"review_id": review.id, "deputy": str(deputy_id)})
    actor, deputy = cast.acts("deputy_chair")
    with story_time(cast, after_publishing(cast, 1, 16)) as (_, now):
        screen = meeting.guide_screen(uow, actor, deputy, review.id)
        # The parts as drafted from the outcome; the demo's own words need no identifier check.
        data: dict[str, object] = {"review_id": review.id}
        data |= {confirm_key(f"part_{i}"): "true" for i in range(len(screen.guide.parts))}
        sent = meeting.submit_guide(uow, actor, deputy, data, now)
    if isinstance(sent, meeting.GuideScreen):
        raise RuntimeError(f"the demo briefing for {review.reference} wasn't sent: {sent.errors}")


_CLOSED: Final = DemoAction(
    "alex",
    "police",
    _AUDIT,
    "All 20 referrals audited and reported to the LIC group; at least 18 of the 20 (90%) "
    "escalated within 5 working days.",
    20,
    "The audit of 20 referrals is done and its report went to the LIC group.",
)


def _closed(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    all_signed_off(uow, cast, review)
    [action_id] = publish(uow, cast, review, (_CLOSED,))
    complete(uow, cast, _CLOSED, action_id, after_publishing(cast, 3, 10))
    actor, lic = cast.acts("alex")
    impact = {
        "action_id": action_id,
        "how_much": "20 referrals audited",
        "how_well": "18 of 20 escalated within 5 working days",
        "better_off": "Concerns reach the right team a week sooner.",
        "evidence": "Audit report to the LIC group.",
        "decision": "close",
        "minute_reference": "LIC minute 7",
        "confirm_identifiers": "true",
    }
    # Recorded at the LIC group's meeting after the owner completed it.
    with story_time(cast, after_publishing(cast, 1, 14)) as (_, now):
        actions.record_impact(uow, actor, lic, impact, now)


STORIES: Final = (
    Story("pre_analysis", "Child K", "pre-analysis, returns in progress (overdue)", _pre_analysis),
    Story(
        "awaiting_sign_off",
        "Child R",
        "returns awaiting sign-off",
        _awaiting_sign_off,
        ("Child L",),
    ),
    Story("analysis", "Child S", "analysis, the meeting pack ready", _analysis, ("Child M",)),
    Story(
        "published",
        "Child T",
        "outcome published, actions due later, soon, overdue, blocked",
        _published,
        ("Child N",),
        held=True,
    ),
    Story(
        "awaiting_impact",
        "Child V",
        "action items awaiting the LIC group's impact",
        _awaiting_impact,
        ("Child P",),
        held=True,
    ),
    Story("closed", "Child W", "closed", _closed, ("Child Q",), held=True),
)


def is_demo_reason(reason: str) -> bool:
    """Whether a review's reason is the demo's own: every release since the stories has used
    it, and the first demo's one review began with its child."""
    return reason == _REASON or reason.startswith("Child K (aged 7)")


def build(uow: SqlUnitOfWork, cast: Cast, story: Story) -> ReviewView:
    """One story's review, with its chasers planned as the bot plans a real record's."""
    meeting_on = held_on(cast) if story.held else MEETING
    review = create(uow, cast, story.pseudonym, _REASON, meeting_on)
    story.build(uow, cast, review)
    plan_chasers(uow, cast, review)
    return review


def plan_chasers(uow: SqlUnitOfWork, cast: Cast, review: ReviewView) -> None:
    """Plan each return's and action item's next chaser from where the story left it, as the
    bot does after every move (`chase_engine.reschedule`, in the heartbeat's lock order): an
    open item due or overdue with nothing planned read as a bug (new-user walk L13). The plan
    is strictly after the load, so nothing is sent the minute the demo is loaded; a settled
    record (done, closed, cancelled) plans nothing."""
    for subject_type, record_id in lifecycle.chased_records(uow, review.id):
        chase_engine.reschedule(uow.chases, subject_type, record_id, cast.now)
