"""Forms for meetings, agenda items, attendance, decisions and actions. They check what a person
typed; the services do the writing (and check again)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from joinedup.people.models import REF_PATTERN
from joinedup.platform.access import has_capability

from . import selectors
from .models import (
    PANEL_KINDS,
    Action,
    ActionStatus,
    AgendaItemKind,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    long_date,
    review_date_default,
)

DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]


def _date_field(label: str, *, required: bool = True, hint: str = "For example, 27/3/2025") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        help_text=hint,
        widget=forms.TextInput(attrs={"data-width": "10", "autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"{label} must be a real date, like 27/3/2025",
        },
    )


def _agency_field(label: str, *, required: bool, required_message: str = "") -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        required=required,
        queryset=selectors.agency_active_choices(),
        empty_label="Select an agency",
        error_messages={"required": required_message, "invalid_choice": "Select an agency from the list"},
    )


class MeetingForm(forms.Form):
    date = _date_field("Date of the meeting")
    location = forms.CharField(
        label="Where",
        required=False,
        max_length=200,
        help_text="The place, like Harbourside Town Hall, Room 2. Leave empty if it is online only.",
        error_messages={"max_length": "Where must be 200 characters or fewer"},
    )
    online = forms.BooleanField(label="People can join online", required=False)
    status = forms.ChoiceField(
        label="Has the meeting taken place?",
        choices=[(MeetingStatus.PLANNED, "Not yet: it is planned"), (MeetingStatus.HELD, "Yes: it was held")],
        widget=forms.RadioSelect,
        initial=MeetingStatus.PLANNED,
        error_messages={"required": "Select whether the meeting has taken place", "invalid_choice": "Select one"},
    )
    notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea, help_text="Papers to read first, how to join online"
    )

    @classmethod
    def for_meeting(cls, data, meeting: Meeting | None) -> MeetingForm:
        if meeting is None:
            return cls(data)
        initial = {name: getattr(meeting, name) for name in ("date", "location", "online", "status", "notes")}
        initial["date"] = meeting.date.strftime("%-d/%-m/%Y")
        return cls(data, initial=initial)


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(
        label="What will the meeting discuss?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the item is a young person, a context or a topic",
            "invalid_choice": "Select a kind of item from the list",
        },
    )
    young_person_ref = forms.CharField(
        label="Young person’s reference",
        required=False,
        max_length=12,
        help_text="If it is a young person: their reference, like YP-7F3K2. Never a name.",
        widget=forms.TextInput(attrs={"data-width": "10", "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"max_length": "A reference is YP- followed by 5 to 8 letters and numbers, like YP-7F3K2"},
    )
    context = forms.CharField(
        label="Context",
        required=False,
        max_length=200,
        help_text="If it is a context: a place, school, online space or peer group. Peers by initials only.",
        error_messages={"max_length": "The context must be 200 characters or fewer"},
    )
    topic = forms.CharField(
        label="Topic",
        required=False,
        max_length=300,
        help_text="If it is a topic: what will be discussed, like the exploitation problem profile",
        error_messages={"max_length": "The topic must be 300 characters or fewer"},
    )
    presenter_agency = _agency_field("Agency presenting the item", required=False)

    def __init__(self, *args, meeting: Meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting, self.user = meeting, user
        kinds = list(AgendaItemKind.choices)
        self.offers_young_people = meeting.forum.kind in PANEL_KINDS and has_capability(user, "people.search")
        if not self.offers_young_people:
            kinds = [(value, label) for value, label in kinds if value != AgendaItemKind.YOUNG_PERSON]
            del self.fields["young_person_ref"]
        self.fields["kind"].choices = kinds

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        data["young_person"] = None
        if kind == AgendaItemKind.YOUNG_PERSON:
            ref = (data.get("young_person_ref") or "").strip().upper()
            if not ref:
                self.add_error("young_person_ref", "Enter the young person’s reference, like YP-7F3K2")
            elif not REF_PATTERN.match(ref):
                self.add_error(
                    "young_person_ref", "A reference is YP- followed by 5 to 8 letters and numbers, like YP-7F3K2"
                )
            else:
                person = selectors.young_person_for_agenda(self.user, ref)
                if person is None:
                    self.add_error("young_person_ref", f"No young person has the reference {ref}: check it")
                data["young_person"] = person
        elif kind == AgendaItemKind.CONTEXT and not (data.get("context") or "").strip():
            self.add_error("context", "Enter the context: a place, school, online space or peer group")
        elif kind == AgendaItemKind.TOPIC and not (data.get("topic") or "").strip():
            self.add_error("topic", "Enter the topic")
        return data

    def item_fields(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        return {
            "kind": kind,
            "young_person": data["young_person"],
            "context": data.get("context", "") if kind == AgendaItemKind.CONTEXT else "",
            "topic": data.get("topic", "") if kind == AgendaItemKind.TOPIC else "",
            "presenter_agency": data.get("presenter_agency"),
        }


class _ActionFieldsMixin:
    """An action's what, who, by when (used on its own and inside the outcome form)."""

    @staticmethod
    def action_fields(prefix: str = "", *, required: bool) -> dict[str, forms.Field]:
        return {
            f"{prefix}title": forms.CharField(
                label="What needs to be done" if required else "Action: what needs to be done",
                required=required,
                max_length=300,
                widget=forms.Textarea(attrs={"rows": "2"}),
                error_messages={
                    "required": "Enter what needs to be done",
                    "max_length": "Keep the action to 300 characters",
                },
            ),
            f"{prefix}owner_agency": _agency_field(
                "Agency that owns it", required=required, required_message="Select the agency that owns the action"
            ),
            f"{prefix}lead": forms.CharField(
                label="Who leads it",
                required=False,
                max_length=200,
                help_text="A name, like Sam Shah",
                error_messages={"max_length": "Who leads it must be 200 characters or fewer"},
            ),
            f"{prefix}due_date": _date_field("Due date", required=required),
        }


class OutcomeForm(_ActionFieldsMixin, forms.Form):
    outcome = forms.CharField(
        label="Outcome of the discussion",
        widget=forms.Textarea,
        help_text="What the meeting concluded, in plain English",
        error_messages={"required": "Enter what the meeting concluded"},
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        self.is_person = item.kind == AgendaItemKind.YOUNG_PERSON
        default = review_date_default(item.meeting.date)
        self.fields["review_date"] = _date_field(
            "Review date",
            required=False,
            hint=(
                f"Leave empty for 12 weeks after the meeting: {long_date(default)}. For example, 27/3/2025"
                if self.is_person
                else "If the meeting will come back to it. For example, 27/3/2025"
            ),
        )
        if self.is_person:
            self.fields["no_review"] = forms.BooleanField(
                label="The panel has closed its work with this young person: no review", required=False
            )
        for name, field in self.action_fields("action_", required=False).items():
            self.fields[name] = field
        self.fields["action_title"].help_text = "Optional. You can add more actions from the meeting page."
        if not self.is_bound and item.outcome:
            self.initial["outcome"] = item.outcome
            if item.review_date:
                self.initial["review_date"] = item.review_date.strftime("%-d/%-m/%Y")

    def clean(self):
        data = super().clean()
        if data.get("action_title"):
            if not data.get("action_owner_agency") and "action_owner_agency" not in self.errors:
                self.add_error("action_owner_agency", "Select the agency that owns the action")
            if not data.get("action_due_date") and "action_due_date" not in self.errors:
                self.add_error("action_due_date", "Enter the date the action is due")
        elif data.get("action_owner_agency") or data.get("action_due_date") or data.get("action_lead"):
            self.add_error("action_title", "Enter what needs to be done, or leave the action empty")
        if data.get("no_review") and data.get("review_date"):
            self.add_error("review_date", "Leave the review date empty when the panel has closed its work")
        return data

    def outcome_fields(self) -> dict:
        data = self.cleaned_data
        actions = []
        if data.get("action_title"):
            actions.append(
                {
                    "title": data["action_title"],
                    "owner_agency": data["action_owner_agency"],
                    "lead": data.get("action_lead", ""),
                    "due_date": data["action_due_date"],
                }
            )
        return {
            "outcome": data["outcome"],
            "review_date": data.get("review_date"),
            "no_review": bool(data.get("no_review")),
            "actions": actions,
        }


class AttendanceForm(forms.Form):
    """One question per member agency (did it come, and who), and one for a guest agency."""

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = selectors.meeting_member_agencies(meeting)
        recorded = selectors.meeting_attendance(meeting)
        choices = AttendanceStatus.choices
        for agency in self.agencies:
            row = recorded.get(agency.pk)
            self.fields[f"status_{agency.pk}"] = forms.ChoiceField(
                label=agency.name,
                required=False,
                choices=choices,
                widget=forms.RadioSelect,
                initial=row.status if row else None,
                error_messages={"invalid_choice": f"Select whether {agency.name} attended"},
            )
            self.fields[f"names_{agency.pk}"] = forms.CharField(
                label=f"Who came from {agency.name}",
                required=False,
                max_length=300,
                initial=row.attendees if row else "",
                error_messages={"max_length": f"Keep the names from {agency.name} to 300 characters"},
            )
        self.fields["guest_agency"] = forms.ModelChoiceField(
            label="Another agency that came",
            required=False,
            queryset=selectors.attendance_agency_choices(meeting),
            empty_label="None",
            help_text="An agency that is not a member of the forum",
            error_messages={"invalid_choice": "Select an agency from the list"},
        )
        self.fields["guest_names"] = forms.CharField(
            label="Who came from that agency",
            required=False,
            max_length=300,
            error_messages={"max_length": "Keep the names to 300 characters"},
        )

    def clean(self):
        data = super().clean()
        for agency in self.agencies:
            if (data.get(f"names_{agency.pk}") or "").strip() and not data.get(f"status_{agency.pk}"):
                self.add_error(f"status_{agency.pk}", f"Select whether {agency.name} attended before saying who came")
        if (data.get("guest_names") or "").strip() and not data.get("guest_agency"):
            self.add_error("guest_agency", "Select the agency the guests came from")
        recorded = [a for a in self.agencies if data.get(f"status_{a.pk}")]
        if not recorded and not data.get("guest_agency") and not self.errors:
            raise ValidationError("Record attendance for at least one agency")
        return data

    def rows(self) -> list[tuple]:
        data = self.cleaned_data
        rows = [(a, data.get(f"status_{a.pk}") or "", data.get(f"names_{a.pk}", "")) for a in self.agencies]
        if data.get("guest_agency"):
            rows.append((data["guest_agency"], AttendanceStatus.ATTENDED, data.get("guest_names", "")))
        return [row for row in rows if row[1]]


def _item_choices(meeting: Meeting, user) -> list[tuple[str, str]]:
    """Items a decision or action may be recorded on, like 'Item 2: Young person YP-7F3K2'. A young
    person's item is offered only to those who may read what the panel said about them."""
    views = [selectors.agenda_item_view_for(user, item) for item in selectors.meeting_agenda_items(meeting)]
    return [(str(view.item.pk), f"Item {view.item.order}: {view.subject}") for view in views if view.sees_outcome]


class DecisionForm(forms.Form):
    text = forms.CharField(label="Decision", widget=forms.Textarea, error_messages={"required": "Enter the decision"})
    agenda_item = forms.ChoiceField(
        label="Agenda item",
        required=False,
        error_messages={"invalid_choice": "Select an item from this meeting’s agenda"},
    )

    def __init__(self, *args, meeting: Meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["agenda_item"].choices = [("", "Not about one item"), *_item_choices(meeting, user)]

    def clean_agenda_item(self):
        pk = self.cleaned_data.get("agenda_item")
        return selectors.meeting_agenda_items(self.meeting).filter(pk=pk).first() if pk else None


class ActionForm(_ActionFieldsMixin, forms.Form):
    agenda_item = forms.ChoiceField(
        label="Agenda item",
        required=False,
        error_messages={"invalid_choice": "Select an item from this meeting’s agenda"},
    )

    def __init__(self, *args, meeting: Meeting, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        fields = self.action_fields(required=True)
        fields["agenda_item"] = self.fields.pop("agenda_item")
        self.fields.update(fields)
        self.fields["agenda_item"].choices = [("", "Not about one item"), *_item_choices(meeting, user)]

    def clean_agenda_item(self):
        pk = self.cleaned_data.get("agenda_item")
        return selectors.meeting_agenda_items(self.meeting).filter(pk=pk).first() if pk else None


class ActionUpdateForm(_ActionFieldsMixin, forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the action’s status", "invalid_choice": "Select a status"},
    )
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        widget=forms.Textarea,
        help_text="What has been done and how we know. Needed to mark it done, or to say why it was cancelled.",
    )

    def __init__(self, *args, action: Action, change_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.change_all = change_all
        if change_all:
            fields = self.action_fields(required=True)
            fields.update(self.fields)
            self.fields = fields
        self.fields["completed_on"] = _date_field(
            "Date it was done", required=False, hint="If it is done. Leave empty for today. For example, 27/3/2025"
        )
        if not self.is_bound:
            self.initial.update(
                {
                    "title": action.title,
                    "owner_agency": action.owner_agency_id,
                    "lead": action.lead,
                    "due_date": action.due_date.strftime("%-d/%-m/%Y") if action.due_date else "",
                    "status": action.status,
                    "evidence": action.evidence,
                    "completed_on": action.completed_on.strftime("%-d/%-m/%Y") if action.completed_on else "",
                }
            )

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == ActionStatus.DONE and not (data.get("evidence") or "").strip():
            self.add_error("evidence", "Say what was done before marking the action done")
        if status == ActionStatus.CANCELLED and not (data.get("evidence") or "").strip():
            self.add_error("evidence", "Say why the action was cancelled")
        done_on = data.get("completed_on")
        if done_on and status != ActionStatus.DONE:
            self.add_error("completed_on", "Leave the date it was done empty unless the status is Done")
        if done_on and done_on > dt.date.today():
            self.add_error("completed_on", "The date it was done must be today or in the past")
        return data

    def update_fields(self) -> dict:
        names = ["status", "evidence", "completed_on"]
        if self.change_all:
            names = ["title", "owner_agency", "lead", "due_date", *names]
        return {name: self.cleaned_data.get(name) for name in names}


class ActionFilterForm(forms.Form):
    """Filters for the actions list (GET). An invalid one is shown as an error and ignored."""

    owner_agency = forms.ChoiceField(label="Agency that owns it", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *ActionStatus.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = [("", "Any agency")] + [
            (str(a.pk), a.name) for a in selectors.agency_list_for(user)
        ]
        self.fields["owner_agency"].error_messages["invalid_choice"] = "Select an agency from the list"

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "owner_agency": int(data["owner_agency"]) if data.get("owner_agency") else None,
            "status": data.get("status") or None,
            "overdue": bool(data.get("overdue")),
        }
