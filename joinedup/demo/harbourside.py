"""The fictional Harbourside partnership: plain data, and the builder steps that write it.

Harbourside is invented. Names, emails (``.example``, reserved for examples) and phone
numbers (Ofcom's 01632 960xxx range, reserved for drama) reach no real person.

**Ages follow one rule.** A service "to N" works with a young person up to and including
age N - 1 and its support ends on their N-th birthday: ``max_age = N - 1`` and
``ends_at_age = N``. So children's social care "to 18" has ``max_age 17, ends_at_age 18``;
college "16 to 19" has ``min_age 16, max_age 18, ends_at_age 19``. Adult services "18 and
over" have ``min_age 18`` and no end. Services that end by plan rather than by age leave
``ends_at_age`` empty.

**Extensions.** ``max_extension_days`` is how far a worker may put an ending back for one
young person (the exit planner uses it). Leaving care ends at 21 and may run to 25 (four
years, 1461 days); the voluntary exploitation service may keep a young person for six
months after 18 (182 days).

**Youth work with SEND is a second service, not an extension.** Youth work is "to 19, or
to 25 with special educational needs and disabilities (SEND)". Modelled as an extension,
every young person leaving youth work at 19 would look as if their ending could move by six
years, and the planner would offer that to young people who are not eligible. Eligibility
for the longer offer is a fact about the young person (SEND), not a judgement about timing,
so it is a separate service tagged ``send`` that a young person is referred to: the
bridging suggestions find it for young people with the ``send`` need.

Randomness (people's names, job titles, phone numbers) comes only from the
``random.Random(seed)`` the builder is given, so one seed always gives the same partnership.
Agencies and services are the same for every seed: their end rules are the point of the demo.

The young people (about 600, with histories and cliff edges) are built by the last step, from
``joinedup.demo.people``; its docstring describes their stories.

To extend the demo (forums, feedback ...), add a ``BuildStep`` to ``STEPS``:
its ``build`` reads and adds to the ``DemoContext``; its ``wipe`` removes what it built, and
runs in reverse order before a rebuild in place.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from joinedup.accounts.models import User
from joinedup.directory.models import (
    Agency,
    AgencyKind,
    Audience,
    DistributionList,
    DistributionListMember,
    Forum,
    ForumFrequency,
    ForumKind,
    ForumMembership,
    ForumRole,
    Need,
    Service,
)
from joinedup.platform.access import Role

EMAIL_DOMAIN = "harbourside.example"
# Shown on screen by `joinedup demo` and in the README: it is a published demo password,
# not a secret. It passes the password validators (12+ characters, not common).
DEMO_PASSWORD = "lantern-quay-tide-2025"  # noqa: S105
# Every demo row carries this creation time, so two builds with one seed are identical.
FIXED_TIME = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

# How many young people the demo builds unless told otherwise (joinedup demo --young-people N).
DEFAULT_YOUNG_PEOPLE = 600

# Leaving care: to 21, and on to 25 for care leavers who want it (four years).
LEAVING_CARE_EXTENSION_DAYS = 1461
# The voluntary exploitation service can stay for six months after 18.
SIX_MONTHS_DAYS = 182


# --- The needs vocabulary shared by services and young people -------------------------

NEEDS: tuple[tuple[str, str], ...] = (
    ("exploitation", "Exploitation (criminal or sexual)"),
    ("missing", "Missing from home, care or education"),
    ("mental-health", "Mental health and emotional wellbeing"),
    ("substance-misuse", "Drug and alcohol use"),
    ("housing", "Housing and homelessness"),
    ("education", "Education, training and employment"),
    ("offending", "Offending or at risk of offending"),
    ("send", "Special educational needs and disabilities (SEND)"),
    ("care-leaver", "Care leaver or child in care"),
    ("family-support", "Family support"),
    ("physical-health", "Physical and sexual health"),
    ("domestic-abuse", "Domestic abuse"),
)


# --- Agencies: every AgencyKind appears at least once ----------------------------------


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    kind: str
    description: str


AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        "harbourside-police",
        "Harbourside Police",
        AgencyKind.POLICE,
        "Policing for Harbourside, including the Child Exploitation and Missing Team and neighbourhood teams.",
    ),
    AgencySpec(
        "harbourside-csc",
        "Harbourside Council Children's Social Care",
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        "The council's children's services: the front door (MASH), early help, social work and the "
        "exploitation team. Works with children up to their 18th birthday.",
    ),
    AgencySpec(
        "harbourside-leaving-care",
        "Leaving Care Service, Harbourside Council",
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        "Personal advisers for young people who have been in care, from 16 to 21 and on to 25 if they want it.",
    ),
    AgencySpec(
        "harbourside-yjs",
        "Harbourside Youth Justice Service",
        AgencyKind.YOUTH_JUSTICE,
        "Works with children aged 10 to 17 who have offended or are at risk of offending. Cases move to "
        "the Probation Service at 18.",
    ),
    AgencySpec(
        "harbourside-probation",
        "National Probation Service, Harbourside",
        AgencyKind.OTHER,
        "Adult probation (18 and over): supervises adults on community sentences and licence. Recorded as "
        "'other' because the directory has no separate kind for adult justice.",
    ),
    AgencySpec(
        "harbourside-nhs",
        "Harbourside NHS Foundation Trust",
        AgencyKind.HEALTH,
        "The hospital and community health trust: emergency department, school nursing, sexual health and "
        "nursing for children in care.",
    ),
    AgencySpec(
        "harbourside-camhs",
        "Harbourside CAMHS",
        AgencyKind.HEALTH,
        "Child and Adolescent Mental Health Services, up to the 18th birthday.",
    ),
    AgencySpec(
        "harbourside-adult-mental-health",
        "Harbourside Adult Mental Health Service",
        AgencyKind.HEALTH,
        "Mental health services for adults (18 and over), including NHS Talking Therapies and a young adults' "
        "transitions team.",
    ),
    AgencySpec(
        "harbourside-academy",
        "Harbourside Academy",
        AgencyKind.EDUCATION,
        "A secondary school for 11 to 16 year olds.",
    ),
    AgencySpec(
        "st-brendans",
        "St Brendan's Catholic High School",
        AgencyKind.EDUCATION,
        "A secondary school for 11 to 16 year olds with a sixth form for 16 to 19 year olds.",
    ),
    AgencySpec(
        "harbourside-college",
        "Harbourside College",
        AgencyKind.EDUCATION,
        "Further education for 16 to 19 year olds, and up to 25 for students with an education, health and "
        "care plan (EHCP).",
    ),
    AgencySpec(
        "harbourside-housing",
        "Harbourside Housing",
        AgencyKind.HOUSING,
        "The council's housing options team and the largest social landlord in Harbourside.",
    ),
    AgencySpec(
        "harbourside-asc",
        "Harbourside Council Adult Social Care",
        AgencyKind.ADULT_SOCIAL_CARE,
        "Care and support for adults under the Care Act 2014, adult safeguarding, and the preparing for "
        "adulthood team.",
    ),
    AgencySpec(
        "safe-harbour",
        "Safe Harbour",
        AgencyKind.VOLUNTARY,
        "A charity supporting children and young adults who are being, or are at risk of being, exploited.",
    ),
    AgencySpec(
        "harbourside-youth-collective",
        "Harbourside Youth Collective",
        AgencyKind.VOLUNTARY,
        "Youth clubs, detached (street-based) youth work and activities across Harbourside.",
    ),
    AgencySpec(
        "turning-tide",
        "Turning Tide Drug and Alcohol Service",
        AgencyKind.VOLUNTARY,
        "Drug and alcohol support for young people (under 18) and adults (18 and over).",
    ),
    AgencySpec(
        "harbourside-foyer",
        "Harbourside Foyer",
        AgencyKind.HOUSING,
        "Supported accommodation and advice for young people aged 16 to 25 who are homeless or at risk.",
    ),
    AgencySpec(
        "eastbank-community-hub",
        "Eastbank Community Hub",
        AgencyKind.COMMUNITY,
        "A community centre on the Eastbank estate: drop-in, food bank, and sports and arts sessions.",
    ),
    AgencySpec(
        "harbourside-parents-together",
        "Harbourside Parents Together",
        AgencyKind.COMMUNITY,
        "A peer support group run by and for parents and carers of children affected by exploitation.",
    ),
    AgencySpec(
        "harbourside-csp",
        "Harbourside Community Safety Partnership",
        AgencyKind.OTHER,
        "The council, police, fire, health and probation working together on crime, serious violence and safer places.",
    ),
    AgencySpec(
        "harbourside-scp",
        "Harbourside Safeguarding Children Partnership",
        AgencyKind.OTHER,
        "The partnership's business unit: the board, its subgroups, the exploitation coordinator and "
        "community engagement.",
    ),
)


# --- Services ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    agency: str
    name: str
    remit: str
    audience: str
    min_age: int | None
    max_age: int | None
    ends_at_age: int | None
    needs: tuple[str, ...]
    threshold: str
    referral_route: str
    max_extension_days: int = 0
    default_weight: Decimal = Decimal("1")
    is_public: bool = True


MASH = "Contact the Harbourside MASH on 01632 960100 or use the online referral form. In an emergency call 999."

SERVICES: tuple[ServiceSpec, ...] = (
    # Police
    ServiceSpec(
        "police-exploitation-missing",
        "harbourside-police",
        "Child Exploitation and Missing Team",
        "Investigates the exploitation of children, disrupts the people and places involved, and finds "
        "children who go missing.",
        Audience.CHILD,
        10,
        17,
        18,
        ("exploitation", "missing", "offending"),
        "Any child under 18 who is being, or may be being, exploited, or who has gone missing.",
        "Call 101, or 999 if a child is in danger now. Professionals can also refer through the MASH.",
        default_weight=Decimal("1.5"),
    ),
    ServiceSpec(
        "police-neighbourhood",
        "harbourside-police",
        "Neighbourhood Policing Teams",
        "Local officers and police community support officers who know the places where young people "
        "gather and work with residents on safety.",
        Audience.ALL_AGE,
        None,
        None,
        None,
        ("exploitation", "offending"),
        "No threshold: anyone can contact their neighbourhood team.",
        "Call 101 or report online. Ask for the team for your area.",
        default_weight=Decimal("0.5"),
    ),
    # Children's social care
    ServiceSpec(
        "csc-mash",
        "harbourside-csc",
        "Multi-Agency Safeguarding Hub (MASH)",
        "The front door for concerns about a child: police, health and social care decide together, "
        "usually within a working day, what help is needed.",
        Audience.CHILD,
        0,
        17,
        18,
        ("exploitation", "missing", "family-support", "domestic-abuse"),
        "Any concern that a child is, or may be, at risk of harm.",
        MASH,
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "csc-early-help",
        "harbourside-csc",
        "Early Help Family Support",
        "A family worker who helps parents and children early, before problems grow, with a plan the family agrees.",
        Audience.CHILD,
        0,
        17,
        18,
        ("family-support", "education", "domestic-abuse"),
        "Families who need more help than a school or GP can give but do not need a social worker. The "
        "family must agree.",
        "Talk to the family, then send the early help request form to the MASH.",
    ),
    ServiceSpec(
        "csc-social-work",
        "harbourside-csc",
        "Children's Social Work",
        "Social workers for children in need, children on child protection plans and children in care. "
        "Support ends at the 18th birthday; care leavers move to the Leaving Care Service.",
        Audience.CHILD,
        0,
        17,
        18,
        ("family-support", "care-leaver", "exploitation", "missing"),
        "A child in need (Children Act 1989 section 17) or a child suffering, or likely to suffer, "
        "significant harm (section 47).",
        MASH,
        default_weight=Decimal("2"),
    ),
    ServiceSpec(
        "csc-exploitation-team",
        "harbourside-csc",
        "Exploitation and Contextual Safeguarding Team",
        "Specialist social workers and youth workers for children harmed outside the home: in parks, "
        "online, by peers or by adults who exploit them.",
        Audience.CHILD,
        10,
        17,
        18,
        ("exploitation", "missing", "offending"),
        "A child aged 10 to 17 assessed at the MACE panel as being, or at significant risk of being, exploited.",
        "Through the MASH, or by the exploitation coordinator after a MACE panel.",
        default_weight=Decimal("1.5"),
    ),
    # Leaving care
    ServiceSpec(
        "leaving-care-personal-adviser",
        "harbourside-leaving-care",
        "Leaving Care Personal Advisers",
        "A personal adviser and a pathway plan for young people who have been in care: housing, money, "
        "education, work and health. Support ends at 21 and carries on to 25 if the young person wants it.",
        Audience.ALL_AGE,
        16,
        20,
        21,
        ("care-leaver", "housing", "education", "mental-health"),
        "Young people who were in care for 13 weeks or more after their 14th birthday (eligible, relevant and "
        "former relevant children). No other threshold.",
        "Automatic for eligible children in care from 16. Former care leavers up to 25 can ask to come back "
        "by calling 01632 960120.",
        max_extension_days=LEAVING_CARE_EXTENSION_DAYS,
    ),
    ServiceSpec(
        "leaving-care-staying-put",
        "harbourside-leaving-care",
        "Staying Put and Staying Close",
        "Lets care leavers stay with their former foster carers, or live close to their children's home with "
        "support, after 18.",
        Audience.ADULT,
        18,
        20,
        21,
        ("care-leaver", "housing"),
        "Care leavers aged 18 to 20 whose foster carers or children's home agree.",
        "Agreed in the pathway plan with the personal adviser before the 18th birthday.",
    ),
    # Youth justice and probation
    ServiceSpec(
        "yjs-court-orders",
        "harbourside-yjs",
        "Youth Justice Court Orders",
        "Supervises children on referral orders, youth rehabilitation orders and custody licences, and "
        "helps them make amends. At 18 cases move to the Probation Service.",
        Audience.CHILD,
        10,
        17,
        18,
        ("offending", "exploitation", "education"),
        "A child aged 10 to 17 given a court order or youth caution with conditions.",
        "Made by the youth court or the police; no referral needed.",
        default_weight=Decimal("1.5"),
    ),
    ServiceSpec(
        "yjs-turnaround",
        "harbourside-yjs",
        "Turnaround and Prevention",
        "Early support for children on the edge of the justice system, so that a first arrest does not "
        "become a pattern.",
        Audience.CHILD,
        10,
        17,
        18,
        ("offending", "exploitation", "family-support"),
        "A child aged 10 to 17 who has been arrested, released under investigation or given an out-of-court "
        "resolution, or who is at risk of offending.",
        "Police, schools and social workers can refer by email to yjs@harbourside.example.",
    ),
    ServiceSpec(
        "probation-supervision",
        "harbourside-probation",
        "Probation Supervision",
        "Supervises adults on community orders, suspended sentences and licence. Young adults transferring "
        "from the Youth Justice Service are seen by the young adults team.",
        Audience.ADULT,
        18,
        None,
        None,
        ("offending", "substance-misuse", "housing"),
        "Adults aged 18 and over given a community or suspended sentence, or released on licence.",
        "Made by the court; youth justice cases transfer at 18 under the national youth to adult transitions protocol.",
        default_weight=Decimal("1.5"),
    ),
    # Health: the NHS trust
    ServiceSpec(
        "nhs-school-nursing",
        "harbourside-nhs",
        "School Nursing (5 to 19)",
        "Health checks, advice and confidential drop-ins in schools and college, including emotional "
        "health and sexual health.",
        Audience.CHILD,
        5,
        18,
        19,
        ("physical-health", "mental-health", "family-support"),
        "No threshold: any school-aged young person, parent or professional can ask.",
        "Text the ChatHealth line on 07700 900120 or ask at school.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "nhs-children-in-care-nursing",
        "harbourside-nhs",
        "Children in Care Health Team",
        "Nurses who do the health assessments for children in care and help them get health care.",
        Audience.CHILD,
        0,
        17,
        18,
        ("care-leaver", "physical-health"),
        "Children in the care of Harbourside Council or placed in Harbourside by another council.",
        "Requested by the child's social worker.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "nhs-harbour-clinic",
        "harbourside-nhs",
        "Harbour Clinic (sexual health)",
        "Confidential sexual health testing, contraception and advice, with a specialist nurse for young "
        "people at risk of sexual exploitation.",
        Audience.ALL_AGE,
        13,
        None,
        None,
        ("physical-health", "exploitation"),
        "No threshold: walk in or book. Under 16s are seen with safeguarding checks (Fraser guidelines).",
        "Book online or call 01632 960140; professionals can refer by secure email.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "nhs-ed-youth-navigators",
        "harbourside-nhs",
        "Emergency Department Youth Navigators",
        "Youth workers in the emergency department who talk to young people attending after violence, "
        "exploitation or self-harm, and stay in touch for up to 12 weeks.",
        Audience.ALL_AGE,
        11,
        24,
        25,
        ("exploitation", "physical-health", "mental-health"),
        "Young people aged 11 to 24 attending the emergency department after violence or exploitation.",
        "Emergency department staff refer on shift; no paperwork for the young person.",
    ),
    # CAMHS and adult mental health
    ServiceSpec(
        "camhs-community",
        "harbourside-camhs",
        "CAMHS Community Team",
        "Assessment and treatment for children and young people with moderate to severe mental health "
        "difficulties. Support ends at the 18th birthday.",
        Audience.CHILD,
        0,
        17,
        18,
        ("mental-health",),
        "Moderate to severe difficulties that affect daily life: for example persistent low mood, anxiety, "
        "self-harm, trauma or an eating disorder.",
        "Through the CAMHS single point of access on 01632 960150: GP, school, social worker, or young people "
        "aged 16 and 17 themselves.",
        default_weight=Decimal("1.5"),
    ),
    ServiceSpec(
        "camhs-crisis",
        "harbourside-camhs",
        "CAMHS Crisis and Home Treatment",
        "Urgent assessment and intensive support at home for children in a mental health crisis.",
        Audience.CHILD,
        0,
        17,
        18,
        ("mental-health",),
        "A child at immediate risk because of their mental health.",
        "Call the 24-hour crisis line on 01632 960151; hospital staff refer directly.",
        default_weight=Decimal("2"),
    ),
    ServiceSpec(
        "camhs-mhst",
        "harbourside-camhs",
        "Mental Health Support Teams in Schools",
        "Short, practical help in school for mild to moderate anxiety and low mood.",
        Audience.CHILD,
        5,
        17,
        18,
        ("mental-health", "education"),
        "Mild to moderate difficulties, in a school or college the team works with.",
        "Through the school or college's mental health lead.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "amh-community",
        "harbourside-adult-mental-health",
        "Adult Community Mental Health Team",
        "Care coordination and treatment for adults with severe and enduring mental illness.",
        Audience.ADULT,
        18,
        None,
        None,
        ("mental-health",),
        "A higher threshold than CAMHS: severe and enduring mental illness (for example psychosis, bipolar "
        "disorder, severe depression) with significant risk or impairment. Many young people open to CAMHS "
        "for anxiety, self-harm or trauma will not meet it at 18.",
        "GP referral to the adult single point of access, or transition referral from CAMHS at 17 and a half.",
        default_weight=Decimal("1.5"),
    ),
    ServiceSpec(
        "amh-talking-therapies",
        "harbourside-adult-mental-health",
        "NHS Talking Therapies",
        "Short courses of talking therapy for common problems such as anxiety and depression.",
        Audience.ADULT,
        18,
        None,
        None,
        ("mental-health",),
        "Adults with mild to moderate anxiety or depression, able to engage with a structured course.",
        "Self-referral online or by phone on 01632 960160; GPs can also refer.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "amh-young-adults",
        "harbourside-adult-mental-health",
        "Young Adults Mental Health Transitions Team",
        "A bridge between CAMHS and adult services: a worker who stays with the young person through 18 "
        "whatever adult service they go on to.",
        Audience.ALL_AGE,
        17,
        24,
        25,
        ("mental-health", "care-leaver", "exploitation"),
        "Young people aged 17 to 24 leaving CAMHS who do not meet the adult team's threshold, or who are care "
        "leavers or exploited.",
        "CAMHS, the leaving care service or the exploitation coordinator refer from age 17.",
    ),
    # Schools and college
    ServiceSpec(
        "academy-pastoral",
        "harbourside-academy",
        "Harbourside Academy pastoral and safeguarding team",
        "Heads of year, the designated safeguarding lead and a school-based youth worker.",
        Audience.CHILD,
        11,
        15,
        16,
        ("education", "exploitation", "missing"),
        "Pupils on the school roll.",
        "Speak to the designated safeguarding lead on 01632 960170.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "academy-inclusion",
        "harbourside-academy",
        "Harbourside Academy inclusion and SEND",
        "Support for pupils with special educational needs, and an inclusion base to keep pupils at risk "
        "of exclusion in school.",
        Audience.CHILD,
        11,
        15,
        16,
        ("send", "education"),
        "Pupils with identified SEND or at risk of suspension or exclusion.",
        "Through the special educational needs coordinator (SENCo).",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "st-brendans-pastoral",
        "st-brendans",
        "St Brendan's pastoral and safeguarding team",
        "Heads of year, the designated safeguarding lead and a school counsellor.",
        Audience.CHILD,
        11,
        15,
        16,
        ("education", "mental-health", "exploitation"),
        "Pupils on the school roll.",
        "Speak to the designated safeguarding lead on 01632 960180.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "st-brendans-sixth-form",
        "st-brendans",
        "St Brendan's Sixth Form student support",
        "A sixth-form tutor and student support for A level and vocational students.",
        Audience.CHILD,
        16,
        18,
        19,
        ("education",),
        "Students enrolled in the sixth form.",
        "Speak to the head of sixth form.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "college-student-support",
        "harbourside-college",
        "Harbourside College safeguarding and student support",
        "A safeguarding team, counsellors and student mentors for college students.",
        Audience.CHILD,
        16,
        18,
        19,
        ("education", "mental-health", "exploitation"),
        "Students enrolled at the college.",
        "Speak to the college safeguarding team on 01632 960190.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "college-high-needs",
        "harbourside-college",
        "Harbourside College high needs and supported internships",
        "Study programmes and supported internships for students with an education, health and care plan.",
        Audience.ALL_AGE,
        16,
        24,
        25,
        ("send", "education"),
        "Students aged 16 to 24 with an education, health and care plan (EHCP) naming the college.",
        "Through the council's SEND team at the annual review of the EHCP.",
    ),
    # Housing and youth homelessness
    ServiceSpec(
        "housing-options",
        "harbourside-housing",
        "Housing Options and Homelessness Prevention",
        "Advice and help for anyone homeless or at risk of homelessness, including emergency accommodation. "
        "16 and 17 year olds are assessed jointly with children's social care.",
        Audience.ALL_AGE,
        16,
        None,
        None,
        ("housing",),
        "Anyone homeless or at risk of becoming homeless within 56 days (Housing Act 1996, Part 7).",
        "Call 01632 960200 or visit the civic centre. Public bodies must refer under the duty to refer.",
    ),
    ServiceSpec(
        "housing-tenancy-sustainment",
        "harbourside-housing",
        "Tenancy Sustainment",
        "A support worker to help tenants keep their home: money, bills, neighbours and cuckooing.",
        Audience.ADULT,
        18,
        None,
        None,
        ("housing", "exploitation", "substance-misuse"),
        "Harbourside Housing tenants at risk of losing their tenancy, including people whose home is being "
        "taken over by others (cuckooing).",
        "Ask the tenant's housing officer, or email tenancy.support@harbourside.example.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "foyer-supported-accommodation",
        "harbourside-foyer",
        "Foyer supported accommodation (16 to 25)",
        "A room with a key worker, life skills and help into education or work, for young people who "
        "cannot live at home.",
        Audience.ALL_AGE,
        16,
        24,
        25,
        ("housing", "education", "care-leaver"),
        "Young people aged 16 to 24 who are homeless or at risk, referred by housing options or the leaving "
        "care service.",
        "Through the housing options team or a leaving care personal adviser.",
        default_weight=Decimal("1.5"),
    ),
    ServiceSpec(
        "foyer-youth-advice",
        "harbourside-foyer",
        "Youth homelessness advice and mediation",
        "Advice, and family mediation to help young people stay at home safely where they can.",
        Audience.ALL_AGE,
        16,
        24,
        25,
        ("housing", "family-support"),
        "Young people aged 16 to 24 worried about their housing; no other threshold.",
        "Drop in at the Foyer, call 01632 960210 or message on the website.",
        default_weight=Decimal("0.5"),
    ),
    # Adult social care
    ServiceSpec(
        "asc-care-and-support",
        "harbourside-asc",
        "Adult Social Care assessment and support",
        "Needs assessments and care and support plans for adults.",
        Audience.ADULT,
        18,
        None,
        None,
        ("send", "mental-health", "housing"),
        "Care Act 2014 eligibility: needs arising from a physical or mental impairment or illness, which mean "
        "the adult cannot achieve two or more everyday outcomes, with a significant impact on their wellbeing.",
        "Call adult social care on 01632 960220 or use the online form.",
        default_weight=Decimal("1.5"),
    ),
    ServiceSpec(
        "asc-safeguarding",
        "harbourside-asc",
        "Adult Safeguarding",
        "Enquiries and protection plans for adults at risk of abuse or neglect, including exploitation.",
        Audience.ADULT,
        18,
        None,
        None,
        ("exploitation", "domestic-abuse"),
        "Care Act 2014 section 42: an adult with needs for care and support who is experiencing, or at risk "
        "of, abuse or neglect (including exploitation) and cannot protect themselves because of those needs. "
        "Many exploited young adults without care and support needs do not meet it.",
        "Call 01632 960221. In an emergency call 999.",
        default_weight=Decimal("1.5"),
    ),
    ServiceSpec(
        "asc-preparing-for-adulthood",
        "harbourside-asc",
        "Preparing for Adulthood Team",
        "Plans the move to adult services from 14, so that support carries on across the 18th birthday.",
        Audience.ALL_AGE,
        14,
        24,
        25,
        ("send", "care-leaver", "mental-health"),
        "Young people aged 14 to 24 likely to have Care Act eligible needs at 18, or with an education, health "
        "and care plan.",
        "Children's social workers and the SEND team refer at 14; young people and families can ask.",
    ),
    # The voluntary exploitation service
    ServiceSpec(
        "safe-harbour-exploitation",
        "safe-harbour",
        "Safe Harbour exploitation support",
        "A trusted worker for children being exploited, for as long as it takes. Can carry on for up to six "
        "months after the 18th birthday to hand over safely.",
        Audience.CHILD,
        10,
        17,
        18,
        ("exploitation", "missing", "substance-misuse"),
        "Children aged 10 to 17 being exploited or at risk, including children not known to social care.",
        "Anyone can refer: call 01632 960230 or email referrals@safeharbour.example. Young people can refer "
        "themselves.",
        max_extension_days=SIX_MONTHS_DAYS,
    ),
    ServiceSpec(
        "safe-harbour-return-home",
        "safe-harbour",
        "Return Home Interviews",
        "An independent conversation within 72 hours of a child coming back from being missing: why they "
        "went, where, and what would help.",
        Audience.CHILD,
        0,
        17,
        18,
        ("missing", "exploitation"),
        "Every child reported missing in Harbourside.",
        "Police notify Safe Harbour of each missing episode; no referral needed.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "safe-harbour-young-adults",
        "safe-harbour",
        "Safe Harbour young adults (18 to 25)",
        "Transitional safeguarding: exploitation support for young adults who do not meet adult "
        "safeguarding thresholds.",
        Audience.ADULT,
        18,
        24,
        25,
        ("exploitation", "housing", "mental-health"),
        "Young adults aged 18 to 24 being exploited or at risk. No Care Act eligibility needed.",
        "Anyone can refer: call 01632 960230. Safe Harbour workers can refer their own young people from 17.",
    ),
    # Youth work: two services (see the module docstring)
    ServiceSpec(
        "youth-work",
        "harbourside-youth-collective",
        "Youth clubs and detached youth work (to 19)",
        "Open-access youth clubs, street-based youth workers, and activities in the holidays.",
        Audience.CHILD,
        11,
        18,
        19,
        ("exploitation", "education", "family-support"),
        "No threshold: open to every young person aged 11 to 18.",
        "Young people can just turn up; professionals can ask for a youth worker on 01632 960240.",
        default_weight=Decimal("0.5"),
    ),
    ServiceSpec(
        "youth-work-send",
        "harbourside-youth-collective",
        "Youth work for young people with SEND (to 25)",
        "Inclusive youth clubs and one-to-one youth work for young people with special educational needs "
        "and disabilities, up to their 25th birthday.",
        Audience.ALL_AGE,
        11,
        24,
        25,
        ("send", "exploitation", "education"),
        "Young people aged 11 to 24 with special educational needs or disabilities.",
        "Families, schools, the college or the SEND team can refer on 01632 960240.",
        default_weight=Decimal("0.5"),
    ),
    # Substance misuse
    ServiceSpec(
        "turning-tide-young-people",
        "turning-tide",
        "Young People's Drug and Alcohol Service",
        "One-to-one support, harm reduction and family work for children using drugs or alcohol.",
        Audience.CHILD,
        10,
        17,
        18,
        ("substance-misuse", "exploitation", "family-support"),
        "Any child aged 10 to 17 whose drug or alcohol use worries them or others, including children "
        "holding or selling drugs for others.",
        "Anyone can refer, including young people: call 01632 960250.",
    ),
    ServiceSpec(
        "turning-tide-adults",
        "turning-tide",
        "Adult Drug and Alcohol Recovery",
        "Assessment, prescribing, recovery groups and harm reduction for adults.",
        Audience.ADULT,
        18,
        None,
        None,
        ("substance-misuse",),
        "Adults aged 18 and over with harmful or dependent drug or alcohol use.",
        "Self-referral by phone on 01632 960251 or drop in; GPs and probation can refer.",
    ),
    # Community
    ServiceSpec(
        "eastbank-drop-in",
        "eastbank-community-hub",
        "Eastbank drop-in and food bank",
        "A warm space, food bank and advice sessions, with sports and arts sessions for young people.",
        Audience.ALL_AGE,
        None,
        None,
        None,
        ("family-support", "housing"),
        "No threshold: open to everyone.",
        "Drop in, Monday to Saturday.",
        default_weight=Decimal("0.25"),
    ),
    ServiceSpec(
        "parents-together-peer-support",
        "harbourside-parents-together",
        "Parents Together peer support",
        "Parents and carers whose children have been exploited support other parents: a helpline, a monthly "
        "group and someone to go to meetings with you.",
        Audience.ADULT,
        18,
        None,
        None,
        ("exploitation", "family-support"),
        "Parents and carers of a child affected by exploitation; no other threshold.",
        "Call or text 07700 900260, or ask any worker to pass on your details.",
        default_weight=Decimal("0.25"),
    ),
    # Community Safety Partnership
    ServiceSpec(
        "csp-steps-mentoring",
        "harbourside-csp",
        "Harbourside Steps mentoring",
        "Trained mentors with lived experience for young people involved in, or at risk of, serious "
        "violence, funded under the serious violence duty.",
        Audience.ALL_AGE,
        10,
        24,
        25,
        ("offending", "exploitation"),
        "Young people aged 10 to 24 involved in, or at risk of, serious violence.",
        "Referral by police, youth justice, probation or the emergency department navigators.",
    ),
)


# --- People: one user for every role, practitioners in several agencies -----------------


@dataclass(frozen=True)
class UserSpec:
    email_local: str
    role: str
    agency: str
    job_titles: tuple[str, ...]

    @property
    def email(self) -> str:
        return f"{self.email_local}@{EMAIL_DOMAIN}"


USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", Role.ADMIN, "harbourside-scp", ("Partnership business manager", "Partnership administrator")),
    UserSpec("coordinator", Role.COORDINATOR, "harbourside-scp", ("Exploitation coordinator",)),
    UserSpec(
        "strategic-lead",
        Role.STRATEGIC_LEAD,
        "harbourside-police",
        ("Detective Superintendent, Public Protection", "Head of Public Protection"),
    ),
    UserSpec("analyst", Role.ANALYST, "harbourside-csp", ("Community safety analyst", "Partnership analyst")),
    UserSpec("moderator", Role.MODERATOR, "harbourside-scp", ("Community engagement officer",)),
    UserSpec("practitioner", Role.PRACTITIONER, "harbourside-csc", ("Social worker", "Senior social worker")),
    UserSpec("police-officer", Role.PRACTITIONER, "harbourside-police", ("Detective Constable", "Police Constable")),
    UserSpec("youth-worker", Role.PRACTITIONER, "safe-harbour", ("Exploitation youth worker", "Senior youth worker")),
    UserSpec("school-lead", Role.PRACTITIONER, "harbourside-academy", ("Designated safeguarding lead",)),
    UserSpec("nurse", Role.PRACTITIONER, "harbourside-camhs", ("CAMHS nurse", "Mental health nurse")),
    UserSpec("yjs-officer", Role.PRACTITIONER, "harbourside-yjs", ("Youth justice officer", "Case manager")),
    UserSpec("personal-adviser", Role.PRACTITIONER, "harbourside-leaving-care", ("Personal adviser",)),
)

FIRST_NAMES = (
    "Aisha", "Ben", "Chloe", "Dev", "Ellie", "Femi", "Grace", "Hamza", "Isla", "Jack", "Kiran", "Leah",
    "Mo", "Niamh", "Olu", "Priya", "Rhys", "Sam", "Tara", "Usman", "Vicky", "Will", "Yasmin", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Begum", "Carter", "Doyle", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones", "Kowalski",
    "Lewis", "Mensah", "Nowak", "O'Brien", "Patel", "Quinn", "Reid", "Shah", "Taylor", "Walsh", "Young",
)  # fmt: skip


def drama_phone(rng: random.Random) -> str:
    """A phone number from Ofcom's range reserved for drama: it never rings anyone."""
    return f"01632 960{rng.randrange(300, 1000):03d}"


# --- Builder steps ------------------------------------------------------------------------


@dataclass
class DemoContext:
    """What the steps share: the seed's random stream, and the rows built so far by key."""

    seed: int
    rng: random.Random
    needs: dict[str, Need] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    forums: dict[str, Forum] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    # The young people step (joinedup.demo.people): how many, histories up to which day (None:
    # today), and where a large build reports its progress.
    young_people: int = 0
    as_of: date | None = None
    progress: Callable[[str], None] | None = None


@dataclass(frozen=True)
class BuildStep:
    name: str
    build: Callable[[DemoContext], None]
    wipe: Callable[[], int] | None = None


def build_needs(ctx: DemoContext) -> None:
    """The needs vocabulary is shared with everything else, so it is added to, never replaced."""
    for slug, label in NEEDS:
        need, created = Need.objects.get_or_create(slug=slug, defaults={"label": label})
        if not created and not need.label:
            need.label = label
            need.save(update_fields=["label"])
        ctx.needs[slug] = need
    ctx.counts["needs"] = len(ctx.needs)


def build_agencies(ctx: DemoContext) -> None:
    rows = []
    for spec in AGENCIES:
        rows.append(
            Agency(
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                description=spec.description,
                website=f"https://{spec.code}.{EMAIL_DOMAIN}/",
                email=f"contact@{spec.code}.{EMAIL_DOMAIN}",
                phone=drama_phone(ctx.rng),
            )
        )
    for row in rows:
        row.full_clean(validate_unique=False)
    Agency.objects.bulk_create(rows)
    Agency.objects.filter(code__in=[a.code for a in AGENCIES]).update(created_at=FIXED_TIME, updated_at=FIXED_TIME)
    ctx.agencies = {a.code: a for a in Agency.objects.filter(code__in=[a.code for a in AGENCIES])}
    ctx.counts["agencies"] = len(ctx.agencies)


def build_services(ctx: DemoContext) -> None:
    rows = []
    for spec in SERVICES:
        rows.append(
            Service(
                code=spec.code,
                agency=ctx.agencies[spec.agency],
                name=spec.name,
                remit=spec.remit,
                audience=spec.audience,
                min_age=spec.min_age,
                max_age=spec.max_age,
                threshold=spec.threshold,
                referral_route=spec.referral_route,
                ends_at_age=spec.ends_at_age,
                max_extension_days=spec.max_extension_days,
                default_weight=spec.default_weight,
                contact_email=f"{spec.code}@{EMAIL_DOMAIN}",
                contact_phone=drama_phone(ctx.rng),
                is_public=spec.is_public,
            )
        )
    for row in rows:
        row.full_clean(validate_unique=False)
    Service.objects.bulk_create(rows)
    codes = [s.code for s in SERVICES]
    Service.objects.filter(code__in=codes).update(created_at=FIXED_TIME, updated_at=FIXED_TIME)
    ctx.services = {s.code: s for s in Service.objects.filter(code__in=codes)}
    Through = Service.needs.through
    Through.objects.bulk_create(
        [
            Through(service_id=ctx.services[spec.code].pk, need_id=ctx.needs[slug].pk)
            for spec in SERVICES
            for slug in spec.needs
        ]
    )
    ctx.counts["services"] = len(ctx.services)


def build_users(ctx: DemoContext) -> None:
    names = ctx.rng.sample([(f, s) for f in FIRST_NAMES for s in LAST_NAMES], len(USERS))
    password_hash = None
    rows = []
    for spec, (first, last) in zip(USERS, names, strict=True):
        user = User(
            email=spec.email,
            full_name=f"{first} {last}",
            job_title=ctx.rng.choice(spec.job_titles),
            phone=drama_phone(ctx.rng),
            role=spec.role,
            agency=ctx.agencies[spec.agency],
            # Not Django-admin staff: the product's own pages are the admin's UI, and the
            # demo password is published.
            is_staff=False,
            is_superuser=False,
            date_joined=FIXED_TIME,
        )
        validate_password(DEMO_PASSWORD, user)
        if password_hash is None:
            # One hash for the one shared password: argon2 is deliberately slow.
            password_hash = make_password(DEMO_PASSWORD)
        user.password = password_hash
        user.full_clean(exclude=["password"], validate_unique=False)
        rows.append(user)
    User.objects.bulk_create(rows)
    ctx.users = {u.email: u for u in User.objects.filter(email__in=[s.email for s in USERS])}
    ctx.counts["users"] = len(ctx.users)


def wipe_users() -> int:
    deleted, _ = User.objects.filter(email__in=[s.email for s in USERS]).delete()
    return deleted


def wipe_services() -> int:
    deleted, _ = Service.objects.filter(code__in=[s.code for s in SERVICES]).delete()
    return deleted


def wipe_agencies() -> int:
    deleted, _ = Agency.objects.filter(code__in=[a.code for a in AGENCIES]).delete()
    return deleted


# --- Forums: where agencies meet, and where they do not ------------------------------------
# The silo the report describes is built in: Harbourside CAMHS and the Youth Justice Service
# work with many of the same young people but sit in no forum together (CAMHS is only at the
# transitions panel; youth justice only at the exploitation subgroup and the MACE panel).


@dataclass(frozen=True)
class ForumSpec:
    code: str
    name: str
    kind: str
    frequency: str
    chair: str
    purpose: str
    terms_of_reference: str
    # (agency code, role in the forum); the chair agency is added as chair
    members: tuple[tuple[str, str], ...]


_M, _A, _O = ForumRole.MEMBER, ForumRole.ADVISER, ForumRole.OBSERVER

FORUMS: tuple[ForumSpec, ...] = (
    ForumSpec(
        "partnership-board",
        "Harbourside Safeguarding Children Partnership Board",
        ForumKind.BOARD,
        ForumFrequency.QUARTERLY,
        "harbourside-scp",
        "The three statutory safeguarding partners (council, police and health) agree the partnership's "
        "priorities, hold each other to account and publish the yearly report.",
        "Quorate when all three safeguarding partners are present. Agrees the strategy, the budget and the "
        "annual report; receives reports from every subgroup and panel. Relevant agencies attend as advisers.",
        (
            ("harbourside-csc", _M),
            ("harbourside-police", _M),
            ("harbourside-nhs", _M),
            ("harbourside-academy", _A),
            ("safe-harbour", _O),
        ),
    ),
    ForumSpec(
        "exploitation-subgroup",
        "Exploitation and Missing Subgroup",
        ForumKind.SUBGROUP,
        ForumFrequency.SIX_WEEKLY,
        "harbourside-police",
        "Oversees the partnership's response to child criminal and sexual exploitation and to children who "
        "go missing: the problem profile, disruption activity and learning from cases.",
        "Reports to the Partnership Board each quarter. Owns the exploitation strategy's action plan and "
        "reviews the MACE panel's themes.",
        (
            ("harbourside-csc", _M),
            ("harbourside-yjs", _M),
            ("safe-harbour", _M),
            ("turning-tide", _M),
            ("harbourside-housing", _M),
            ("harbourside-scp", _A),
        ),
    ),
    ForumSpec(
        "mace-panel",
        "Multi-Agency Child Exploitation (MACE) Panel",
        ForumKind.MACE_PANEL,
        ForumFrequency.MONTHLY,
        "harbourside-csc",
        "Discusses young people at high risk of exploitation, the places and peer groups involved, and "
        "agrees a plan to disrupt and protect.",
        "Young people are referred by any member agency through the exploitation coordinator. Each is "
        "reviewed within 12 weeks. Information is shared under the partnership's sharing agreement.",
        (
            ("harbourside-police", _M),
            ("harbourside-yjs", _M),
            ("safe-harbour", _M),
            ("harbourside-academy", _M),
            ("st-brendans", _M),
            ("turning-tide", _A),
            ("harbourside-scp", _A),
        ),
    ),
    ForumSpec(
        "transitions-panel",
        "Transitions Panel (16 to 25)",
        ForumKind.TRANSITIONS_PANEL,
        ForumFrequency.MONTHLY,
        "harbourside-leaving-care",
        "Plans the move from children's to adult services for young people whose support ends at 18, so "
        "nobody falls off a cliff edge.",
        "Considers every young person open to a children's service who turns 17 and a half with continuing "
        "needs. Agrees a named lead and a written exit plan for each.",
        (
            ("harbourside-camhs", _M),
            ("harbourside-adult-mental-health", _M),
            ("harbourside-asc", _M),
            ("harbourside-probation", _M),
            ("harbourside-college", _M),
            ("harbourside-foyer", _M),
            ("harbourside-housing", _A),
        ),
    ),
    ForumSpec(
        "community-safety-partnership",
        "Harbourside Community Safety Partnership",
        ForumKind.BOARD,
        ForumFrequency.QUARTERLY,
        "harbourside-csp",
        "The statutory partnership for crime, disorder and serious violence: the strategic assessment and "
        "the serious violence duty.",
        "Meets quarterly. Commissions violence reduction work and shares its strategic assessment with the "
        "Safeguarding Children Partnership.",
        (
            ("harbourside-police", _M),
            ("harbourside-probation", _M),
            ("harbourside-housing", _M),
            ("turning-tide", _M),
            ("eastbank-community-hub", _O),
        ),
    ),
    ForumSpec(
        "youth-forum",
        "Harbourside Youth Forum",
        ForumKind.COMMUNITY_FORUM,
        ForumFrequency.MONTHLY,
        "harbourside-youth-collective",
        "Young people tell the partnership what it is like to grow up in Harbourside and check what has "
        "changed because of what they said.",
        "Run by young people with support from youth workers. Sends two representatives to the Partnership "
        "Board each year.",
        (
            ("eastbank-community-hub", _M),
            ("harbourside-college", _M),
            ("harbourside-parents-together", _O),
            ("harbourside-scp", _A),
        ),
    ),
)

CONTACT_TITLES = ("Safeguarding lead", "Service manager", "Team manager", "Partnership lead", "Head of service")


def _list_name(forum: ForumSpec) -> str:
    return f"{forum.name} distribution list"


def build_forums(ctx: DemoContext) -> None:
    """The forums, their member agencies, and a distribution list for each with one contact per
    member agency: a demo user where the agency has one, otherwise a made-up person."""
    forums = [
        Forum(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            frequency=spec.frequency,
            chair_agency=ctx.agencies[spec.chair],
            purpose=spec.purpose,
            terms_of_reference=spec.terms_of_reference,
        )
        for spec in FORUMS
    ]
    for forum in forums:
        forum.full_clean(validate_unique=False)
    Forum.objects.bulk_create(forums)
    codes = [spec.code for spec in FORUMS]
    Forum.objects.filter(code__in=codes).update(created_at=FIXED_TIME, updated_at=FIXED_TIME)
    stored = {forum.code: forum for forum in Forum.objects.filter(code__in=codes)}

    memberships = []
    for spec in FORUMS:
        seats = [(spec.chair, ForumRole.CHAIR), *spec.members]
        for code, role in seats:
            membership = ForumMembership(forum=stored[spec.code], agency=ctx.agencies[code], role_in_forum=role)
            membership.full_clean(validate_unique=False, validate_constraints=False)
            memberships.append(membership)
    ForumMembership.objects.bulk_create(memberships)
    ForumMembership.objects.filter(forum__code__in=codes).update(created_at=FIXED_TIME)

    lists = [
        DistributionList(
            name=_list_name(spec),
            purpose=f"Papers, agendas and invitations for the {spec.name}.",
            forum=stored[spec.code],
        )
        for spec in FORUMS
    ]
    DistributionList.objects.bulk_create(lists)
    names = [_list_name(spec) for spec in FORUMS]
    DistributionList.objects.filter(name__in=names).update(created_at=FIXED_TIME, updated_at=FIXED_TIME)
    stored_lists = {dl.forum_id: dl for dl in DistributionList.objects.filter(name__in=names)}

    users_by_agency: dict[int, User] = {}
    for user in sorted(ctx.users.values(), key=lambda u: u.email):
        users_by_agency.setdefault(user.agency_id, user)
    contacts: dict[str, tuple[str, str, str]] = {}  # agency code -> (name, role, email)
    members = []
    for spec in FORUMS:
        for code, _role in [(spec.chair, ForumRole.CHAIR), *spec.members]:
            agency = ctx.agencies[code]
            if code not in contacts:
                user = users_by_agency.get(agency.pk)
                if user is not None:
                    contacts[code] = (user.full_name, user.job_title, user.email)
                else:
                    first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES)
                    local = f"{first}.{last}".lower().replace("'", "")
                    contacts[code] = (
                        f"{first} {last}",
                        ctx.rng.choice(CONTACT_TITLES),
                        f"{local}@{code}.{EMAIL_DOMAIN}",
                    )
            name, role, email = contacts[code]
            member = DistributionListMember(
                distribution_list=stored_lists[stored[spec.code].pk], name=name, role=role, agency=agency, email=email
            )
            member.full_clean(validate_unique=False, validate_constraints=False)
            members.append(member)
    DistributionListMember.objects.bulk_create(members)
    DistributionListMember.objects.filter(distribution_list__name__in=names).update(created_at=FIXED_TIME)
    ctx.forums = stored
    ctx.counts["forums"] = len(stored)
    ctx.counts["forum_memberships"] = len(memberships)
    ctx.counts["distribution_lists"] = len(lists)


def wipe_forums() -> int:
    lists, _ = DistributionList.objects.filter(name__in=[_list_name(spec) for spec in FORUMS]).delete()
    forums, _ = Forum.objects.filter(code__in=[spec.code for spec in FORUMS]).delete()
    return lists + forums


# --- Young people: their histories, voices and cliff edges live in joinedup.demo.people ----------


def build_young_people(ctx: DemoContext) -> None:
    from .people import build_young_people as build

    build(ctx)


def wipe_young_people() -> int:
    from .people import wipe_young_people as wipe

    return wipe()


# --- Meetings: a few months of each forum's meetings, and the panels' young people -----------
# (joinedup.demo.meetings; after the young people, whom the panels discuss)


def build_meetings(ctx: DemoContext) -> None:
    from .meetings import build_meetings as build

    build(ctx)


def wipe_meetings() -> int:
    from .meetings import wipe_meetings as wipe

    return wipe([spec.code for spec in FORUMS])


STEPS: list[BuildStep] = [
    BuildStep("needs", build_needs),
    BuildStep("agencies", build_agencies, wipe_agencies),
    BuildStep("services", build_services, wipe_services),
    BuildStep("users", build_users, wipe_users),
    BuildStep("forums", build_forums, wipe_forums),
    BuildStep("young_people", build_young_people, wipe_young_people),
    BuildStep("meetings", build_meetings, wipe_meetings),
]


def summary(ctx: DemoContext) -> dict[str, Any]:
    return {"seed": ctx.seed, **{k: ctx.counts.get(k, 0) for k in ("agencies", "services", "users")}}
