"""Harbourside's meetings: a few months of each forum's meetings, with attendance, agendas,
decisions and actions (some done, some overdue), and the MACE and transitions panels' young people.

Dates are counted back from the demo's as-of day (today unless given): each forum has met on
its usual day for the last five months or so and has one meeting coming up. Everything is
written through the directory services (each write audited, as ``joinedup demo``).

**Young people on panel agendas** are picked from those the young people step made:
- the MACE panel discusses young people with exploitation needs whom the partnership's MACE
  coordinator already knows (they hold a ``MACE-`` case reference, so the demo coordinator sees
  their outcomes as the people they are involved with), and brings each back for review 12
  weeks later; some reviews close the panel's work. The next meeting's agenda has some of the
  reviews that are due; the rest are left due, so the "due for review" list has something in it;
- the transitions panel discusses young people who turn 18 within the year.
When there are no young people (``joinedup demo --young-people 0``) the panels discuss
contexts and topics only.

**Writes.** Like the forums step, rows are validated with the models' own rules (``full_clean``,
the rules the directory services apply) and written directly, without an audit event each: the
demo load's one ``demo.partnership.load`` event records the build. ``_Writer`` mirrors the
services' names and defaults (a young person's review 12 weeks after the meeting, the action's
source, a meeting marked held once it has attendance or an outcome).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from joinedup.directory.models import (
    Action,
    ActionStatus,
    AgendaItem,
    AgendaItemKind,
    Attendance,
    AttendanceStatus,
    Decision,
    DistributionListMember,
    Forum,
    ForumFrequency,
    Meeting,
    MeetingStatus,
    long_date,
    review_date_default,
)
from joinedup.people.models import AgencyReference, YoungPerson

MONTHS_BACK = 5
MACE_NEW_PER_MEETING = (3, 5)
TRANSITIONS_PER_MEETING = (2, 4)


class _Writer:
    """The directory services' meeting writes, validated the same way, without per-row audit."""

    @staticmethod
    def meeting_create(*, forum, **fields) -> Meeting:
        meeting = Meeting(forum=forum, **fields)
        meeting.full_clean()
        meeting.save()
        return meeting

    @staticmethod
    def _held(meeting: Meeting) -> None:
        if meeting.status != MeetingStatus.HELD:
            meeting.status = MeetingStatus.HELD
            meeting.save(update_fields=["status", "updated_at"])

    @classmethod
    def attendance_record(cls, *, meeting, rows) -> None:
        made = [Attendance(meeting=meeting, agency=a, status=status, attendees=who) for a, status, who in rows]
        for row in made:
            row.full_clean(validate_constraints=False)
        Attendance.objects.bulk_create(made)
        cls._held(meeting)

    @staticmethod
    def agenda_item_add(*, meeting, kind, young_person=None, **fields) -> AgendaItem:
        order = meeting.agenda_items.count() + 1
        review = review_date_default(meeting.date) if kind == AgendaItemKind.YOUNG_PERSON else None
        item = AgendaItem(
            meeting=meeting, order=order, kind=kind, young_person=young_person, review_date=review, **fields
        )
        item.full_clean()
        item.save()
        return item

    @classmethod
    def agenda_item_outcome_record(cls, *, item, outcome, no_review=False, actions=()) -> AgendaItem:
        item.outcome = outcome
        item.outcome_recorded_on = item.meeting.date
        if no_review:
            item.review_date = None
        item.full_clean()
        item.save()
        for fields in actions:
            cls.action_create(agenda_item=item, meeting=item.meeting, **fields)
        cls._held(item.meeting)
        return item

    @staticmethod
    def decision_record(*, meeting, text, agenda_item=None) -> Decision:
        decision = Decision(meeting=meeting, text=text, agenda_item=agenda_item)
        decision.full_clean()
        decision.save()
        return decision

    @staticmethod
    def action_create(*, meeting, agenda_item=None, **fields) -> Action:
        action = Action(
            meeting=meeting, agenda_item=agenda_item, source=f"{meeting.forum}, {long_date(meeting.date)}", **fields
        )
        action.full_clean()
        action.save()
        return action

    @staticmethod
    def action_update(*, action, **fields) -> Action:
        for name, value in fields.items():
            setattr(action, name, value)
        action.full_clean()
        action.save()
        return action

    @classmethod
    def action_complete(cls, *, action, evidence, completed_on) -> Action:
        return cls.action_update(action=action, status=ActionStatus.DONE, evidence=evidence, completed_on=completed_on)


directory = _Writer


@dataclass(frozen=True)
class Rhythm:
    """When a forum meets: the n-th weekday of the month, every ``every`` months (6-weekly: 42 days)."""

    weekday: int  # 0 = Monday
    nth: int
    every: int = 1
    days: int = 0  # a fixed step in days instead of months
    location: str = ""
    online: bool = False


RHYTHMS = {
    "partnership-board": Rhythm(2, 2, every=3, location="Harbourside Town Hall, Council Chamber", online=True),
    "exploitation-subgroup": Rhythm(3, 1, days=42, location="Harbourside Police Station, Conference Room"),
    "mace-panel": Rhythm(1, 2, location="Harbourside Civic Centre, Room 4", online=True),
    "transitions-panel": Rhythm(3, 3, online=True),
    "community-safety-partnership": Rhythm(0, 4, every=3, location="Harbourside Town Hall, Committee Room 2"),
    "youth-forum": Rhythm(2, 1, location="Eastbank Community Hub"),
}

TOPICS = {
    "partnership-board": (
        "Exploitation strategy: progress against the 100-day plan",
        "The partnership’s yearly report: first draft",
        "Budget and partner contributions for next year",
        "Learning from a rapid review: a young person missing from care",
        "Young people’s voice: what the youth forum asked us to change",
    ),
    "exploitation-subgroup": (
        "Problem profile refresh: what the numbers and the words say",
        "Return home interviews after a missing episode: timeliness",
        "Disruption activity this quarter",
        "Themes from the MACE panel",
        "Training for taxi drivers and hotel staff",
    ),
    "mace-panel": ("Themes from this month’s referrals",),
    "transitions-panel": (
        "Adult mental health waiting times for 18-year-olds",
        "Housing offers for care leavers: the joint protocol",
        "Preparing for adulthood reviews from age 16",
    ),
    "community-safety-partnership": (
        "Serious violence duty: the strategic needs assessment",
        "Knife crime: where and when",
        "Night-time economy and young people",
        "Funding for the Steps mentoring scheme",
    ),
    "youth-forum": (
        "You said, we did: safer routes home after college",
        "What makes a good youth worker",
        "Feedback on the new drop-in at the hub",
        "Planning the summer programme",
    ),
}

CONTEXTS = {
    "exploitation-subgroup": ("Harbourside bus station after 6pm", "Eastbank retail park car park"),
    "mace-panel": (
        "Harbour Park skate area in the evenings",
        "Peer group in Eastbank: JT, KM and RS",
        "A group chat used to recruit young people to sell drugs",
        "Lunchtimes at the back gate of Harbourside Academy",
        "A flat in Dockside where young people have been found",
        "Westcliff seafront arcades",
    ),
    "community-safety-partnership": ("Quayside late-night takeaways",),
    "youth-forum": ("The underpass between Northgate and the college",),
}

NEW_OUTCOMES = (
    "Concerns about criminal exploitation around {area}. The young person has a good relationship with their "
    "youth worker and says school is going better. Agreed: a disruption plan, a trusted adult weekly, and school "
    "to keep the reduced timetable under review.",
    "Two missing episodes this month, found in {area}. Family are working well with children’s social care. "
    "Agreed: return home interviews within 72 hours, police to share intelligence on the older males involved.",
    "Going to the gym with a mentor and wants to try college; worries about debts to older peers. Agreed: "
    "Safe Harbour to work on the debt bondage, youth justice to keep the referral order sessions at the hub.",
    "Online grooming concerns; the young person has talked openly to the school nurse. Agreed: safety plan "
    "for phone and social media, family to be offered Parents Together.",
)
REVIEW_OUTCOMES = (
    "Reviewed: missing episodes down from four to one; now at college three days a week and says the plan is "
    "helping. The panel will review again in 12 weeks.",
    "Reviewed: still seen with the same peer group in {area}, but engaging with the youth worker every week. "
    "Disruption plan continues; the panel will review again in 12 weeks.",
)
CLOSING_OUTCOMES = (
    "Risk has reduced: no missing episodes for ten weeks and a settled placement. The panel has closed its work; "
    "the lead agency continues support.",
    "Now 18 and supported by the young adults’ service, who attended. The panel has closed its work.",
)
TRANSITION_OUTCOMES = (
    "Children’s services end at 18 in {month}. Agreed: referral to the young adults’ mental health team now, "
    "leaving care personal adviser to stay on, and a joint visit before the birthday.",
    "Support from three services ends on the 18th birthday. Agreed: stagger the endings, with youth work "
    "extended for six months, and a housing assessment started now.",
)
CONTEXT_OUTCOMES = (
    "Police and youth workers to patrol together on Friday evenings; the council to improve the lighting.",
    "Schools to share what they hear; the community safety team to speak to local businesses.",
)
TOPIC_OUTCOMES = (
    "Noted, with thanks. Partners to send comments to the chair within two weeks.",
    "Agreed, with the changes discussed at the meeting.",
    "Discussed; a short paper to come back to the next meeting.",
)
DECISIONS = (
    "The minutes of the last meeting were agreed as a true record.",
    "Agreed to invite the Youth Justice Service to the next meeting for the item on themes.",
    "Agreed the revised terms of reference.",
    "Agreed to report progress to the Partnership Board.",
)
ACTION_TITLES = (
    "Circulate the revised plan to all partners",
    "Bring data on missing episodes by area to the next meeting",
    "Share the learning summary with frontline teams",
    "Arrange a joint briefing for schools",
    "Review referral numbers against the threshold document",
    "Write to the young people’s forum with what changed",
    "Map which services young people use after 18",
)
PERSON_ACTIONS = (
    "Arrange a joint visit with the lead worker",
    "Complete the return home interview",
    "Share intelligence on the adults involved",
    "Refer to the young adults’ service",
    "Offer the family a place at Parents Together",
    "Review the safety plan with the young person",
)
EVIDENCE_DONE = (
    "Done: sent to all partners and confirmed at the next meeting.",
    "Completed; notes are on the lead agency’s record.",
    "Done. The young person took part and said it helped.",
)
EVIDENCE_PROGRESS = ("Started: first meeting held.", "Waiting for a date from the partner agency.")


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    first = dt.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (nth - 1)
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def meeting_dates(code: str, frequency: str, as_of: dt.date) -> list[dt.date]:
    """The forum's meetings from about five months ago to its next one after ``as_of``."""
    rhythm = RHYTHMS.get(code, Rhythm(1, 1))
    start = dt.date(as_of.year, as_of.month, 1) - dt.timedelta(days=MONTHS_BACK * 30)
    if rhythm.days or frequency == ForumFrequency.SIX_WEEKLY:
        step = rhythm.days or 42
        first = _nth_weekday(start.year, start.month, rhythm.weekday, rhythm.nth)
        dates = [first + dt.timedelta(days=step * i) for i in range(12)]
    else:
        every = rhythm.every
        index = start.year * 12 + start.month - 1
        dates = []
        for i in range(0, 12, every):
            year, month = divmod(index + i, 12)
            dates.append(_nth_weekday(year, month + 1, rhythm.weekday, rhythm.nth))
    past = [day for day in dates if start <= day <= as_of]
    upcoming = [day for day in dates if day > as_of][:1]
    return past + upcoming


def _mace_young_people() -> list[YoungPerson]:
    """Young people with exploitation needs the MACE coordinator's agency already knows."""
    known = AgencyReference.objects.filter(local_id__startswith="MACE-").values("young_person_id")
    return list(
        YoungPerson.objects.filter(pk__in=known, needs__slug="exploitation").distinct().select_related("lead_agency")
    )


def _turning_18(as_of: dt.date) -> list[YoungPerson]:
    low, high = as_of.replace(day=1), as_of + dt.timedelta(days=365)
    months = []
    day = low
    while day <= high:
        months.append(f"{day.year - 18:04d}-{day.month:02d}")
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return list(
        YoungPerson.objects.filter(birth_month__in=months, involvements__isnull=False)
        .distinct()
        .select_related("lead_agency")
    )


class _Builder:
    def __init__(self, ctx, as_of: dt.date):
        self.ctx = ctx
        self.rng = random.Random(f"harbourside-meetings:{ctx.seed}")
        self.as_of = as_of
        self.counts = {"meetings": 0, "agenda_items": 0, "actions": 0, "panel_young_people": 0}

    # --- one meeting's parts ---------------------------------------------------------------

    def _members(self, forum: Forum) -> list:
        return [m.agency for m in forum.memberships.select_related("agency").order_by("agency__name")]

    def _attendance(self, forum: Forum, meeting: Meeting, members: list) -> None:
        names = dict(
            DistributionListMember.objects.filter(distribution_list__forum=forum).values_list("agency_id", "name")
        )
        rows = []
        for agency in members:
            roll = self.rng.random()
            status = (
                AttendanceStatus.ATTENDED
                if roll < 0.8
                else AttendanceStatus.APOLOGIES
                if roll < 0.95
                else AttendanceStatus.ABSENT
            )
            who = names.get(agency.pk, "") if status == AttendanceStatus.ATTENDED else ""
            rows.append((agency, status, who))
        directory.attendance_record(meeting=meeting, rows=rows)

    def _action(self, *, meeting: Meeting, owner, title: str, item=None) -> Action:
        rng = self.rng
        due = meeting.date + dt.timedelta(days=rng.choice((14, 21, 28, 42, 56)))
        action = directory.action_create(
            title=title,
            owner_agency=owner,
            lead=rng.choice(("", "Team manager", "Safeguarding lead", "Service manager")),
            due_date=due,
            meeting=meeting,
            agenda_item=item,
        )
        self.counts["actions"] += 1
        if due < self.as_of:
            roll = rng.random()
            if roll < 0.55:
                done_on = min(self.as_of, max(meeting.date, due - dt.timedelta(days=rng.randrange(0, 10))))
                directory.action_complete(action=action, evidence=rng.choice(EVIDENCE_DONE), completed_on=done_on)
            elif roll < 0.6:
                directory.action_update(
                    action=action,
                    status=ActionStatus.CANCELLED,
                    evidence="No longer needed: overtaken by the new plan.",
                )
            elif roll < 0.8:
                directory.action_update(
                    action=action, status=ActionStatus.IN_PROGRESS, evidence=rng.choice(EVIDENCE_PROGRESS)
                )
            # otherwise it stays open, and overdue
        elif rng.random() < 0.4:
            directory.action_update(
                action=action, status=ActionStatus.IN_PROGRESS, evidence=rng.choice(EVIDENCE_PROGRESS)
            )
        return action

    def _general_items(self, forum: Forum, meeting: Meeting, members: list, held: bool) -> None:
        rng = self.rng
        topics = TOPICS.get(forum.code, ("Updates from partners",))
        contexts = CONTEXTS.get(forum.code, ())
        wanted = [(AgendaItemKind.TOPIC, t) for t in rng.sample(topics, min(len(topics), rng.choice((1, 2, 2, 3))))]
        if contexts and rng.random() < 0.7:
            wanted.append((AgendaItemKind.CONTEXT, rng.choice(contexts)))
        for kind, text in wanted:
            field = "topic" if kind == AgendaItemKind.TOPIC else "context"
            item = directory.agenda_item_add(
                meeting=meeting, kind=kind, presenter_agency=rng.choice(members), **{field: text}
            )
            self.counts["agenda_items"] += 1
            if held:
                outcome = rng.choice(TOPIC_OUTCOMES if kind == AgendaItemKind.TOPIC else CONTEXT_OUTCOMES)
                actions = []
                if rng.random() < 0.6:
                    actions.append(self._action_fields(meeting, rng.choice(members), rng.choice(ACTION_TITLES)))
                directory.agenda_item_outcome_record(item=item, outcome=outcome, actions=actions)
                self._statuses(item)

    def _action_fields(self, meeting, owner, title) -> dict:
        return {
            "title": title,
            "owner_agency": owner,
            "lead": self.rng.choice(("", "Team manager", "Safeguarding lead")),
            "due_date": meeting.date + dt.timedelta(days=self.rng.choice((14, 21, 28, 42, 56))),
        }

    def _statuses(self, item) -> None:
        """Move the actions just raised on an item along, as time has passed since."""
        for action in item.actions.all():
            self.counts["actions"] += 1
            if action.due_date < self.as_of:
                roll = self.rng.random()
                if roll < 0.55:
                    done_on = min(self.as_of, max(item.meeting.date, action.due_date - dt.timedelta(days=3)))
                    directory.action_complete(
                        action=action, evidence=self.rng.choice(EVIDENCE_DONE), completed_on=done_on
                    )
                elif roll < 0.75:
                    directory.action_update(
                        action=action,
                        status=ActionStatus.IN_PROGRESS,
                        evidence=self.rng.choice(EVIDENCE_PROGRESS),
                    )
            elif self.rng.random() < 0.4:
                directory.action_update(
                    action=action,
                    status=ActionStatus.IN_PROGRESS,
                    evidence=self.rng.choice(EVIDENCE_PROGRESS),
                )

    # --- panels ----------------------------------------------------------------------------

    def _person_item(self, meeting, person, members, *, held: bool, outcome: str, close: bool = False) -> None:
        member_ids = {agency.pk for agency in members}
        presenter = person.lead_agency if person.lead_agency_id in member_ids else None
        item = directory.agenda_item_add(
            meeting=meeting, kind=AgendaItemKind.YOUNG_PERSON, young_person=person, presenter_agency=presenter
        )
        self.counts["agenda_items"] += 1
        if not held:
            return
        owner = presenter or self.rng.choice(members)
        actions = [] if close else [self._action_fields(meeting, owner, self.rng.choice(PERSON_ACTIONS))]
        directory.agenda_item_outcome_record(item=item, outcome=outcome, no_review=close, actions=actions)
        self._statuses(item)

    def panel(self, forum: Forum, meetings: list[Meeting], members: list, pool: list, *, transitions: bool) -> None:
        """New young people at each meeting, each back for review 12 weeks later (some reviews
        close the panel's work). The next meeting has some of the reviews that are due on its
        agenda; the others stay due."""
        rng = self.rng
        pool = sorted(pool, key=lambda p: p.ref)
        rng.shuffle(pool)
        people = {p.pk: p for p in pool}
        review_by: dict[int, dt.date] = {}  # young person -> their open review date
        new_range = TRANSITIONS_PER_MEETING if transitions else MACE_NEW_PER_MEETING
        for index, meeting in enumerate(meetings):
            held = meeting.status == MeetingStatus.HELD
            due = sorted(pk for pk, day in review_by.items() if day <= meeting.date + dt.timedelta(days=7))
            if not held:
                due = due[: len(due) // 2]
            for pk in due:
                person = people[pk]
                close = held and rng.random() < 0.3
                text = (rng.choice(CLOSING_OUTCOMES) if close else rng.choice(REVIEW_OUTCOMES)).format(
                    area=person.area or "Harbourside"
                )
                self._person_item(meeting, person, members, held=held, outcome=text, close=close)
                review_by.pop(pk)
                if held and not close:
                    review_by[pk] = meeting.date + dt.timedelta(weeks=12)
            for _ in range(rng.randint(*new_range) if held else 1):
                if not pool:
                    break
                person = pool.pop()
                if transitions:
                    turns = dt.date(int(person.birth_month[:4]) + 18, int(person.birth_month[5:]), 1)
                    text = rng.choice(TRANSITION_OUTCOMES).format(month=f"{turns:%B %Y}")
                else:
                    text = rng.choice(NEW_OUTCOMES).format(area=person.area or "Harbourside")
                self._person_item(meeting, person, members, held=held, outcome=text)
                self.counts["panel_young_people"] += 1
                if held:
                    review_by[person.pk] = meeting.date + dt.timedelta(weeks=12)
            self._general_items(forum, meeting, members, held)
            if held and index % 2 == 0:
                directory.decision_record(meeting=meeting, text=DECISIONS[0])

    # --- every forum -------------------------------------------------------------------------

    def forum(self, forum: Forum) -> None:
        rhythm = RHYTHMS.get(forum.code, Rhythm(1, 1))
        members = self._members(forum)
        meetings = []
        for day in meeting_dates(forum.code, forum.frequency, self.as_of):
            held = day <= self.as_of
            meeting = directory.meeting_create(
                forum=forum,
                date=day,
                location=rhythm.location,
                online=rhythm.online or not rhythm.location,
                status=MeetingStatus.HELD if held else MeetingStatus.PLANNED,
                notes="" if held else "Papers go out a week before. Send apologies to the chair.",
            )
            self.counts["meetings"] += 1
            if held:
                self._attendance(forum, meeting, members)
            meetings.append(meeting)
        if forum.code == "mace-panel":
            self.panel(forum, meetings, members, _mace_young_people(), transitions=False)
        elif forum.code == "transitions-panel":
            self.panel(forum, meetings, members, _turning_18(self.as_of), transitions=True)
        else:
            for index, meeting in enumerate(meetings):
                held = meeting.status == MeetingStatus.HELD
                self._general_items(forum, meeting, members, held)
                if held:
                    directory.decision_record(meeting=meeting, text=DECISIONS[index % len(DECISIONS)])
                    if self.rng.random() < 0.7:
                        self._action(
                            meeting=meeting, owner=self.rng.choice(members), title=self.rng.choice(ACTION_TITLES)
                        )


def build_meetings(ctx) -> None:
    """A few months of meetings for every demo forum (after the young people step)."""
    today = timezone.localdate()
    as_of = min(ctx.as_of or today, today)  # nothing is recorded as held on a day still to come
    builder = _Builder(ctx, as_of)
    for code in sorted(ctx.forums):
        builder.forum(ctx.forums[code])
    ctx.counts.update(builder.counts)


def wipe_meetings(forum_codes) -> int:
    actions, _ = Action.objects.filter(meeting__forum__code__in=forum_codes).delete()
    meetings, _ = Meeting.objects.filter(forum__code__in=forum_codes).delete()
    return actions + meetings
