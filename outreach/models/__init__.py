"""The outreach app's models, one module per room: the core and each wing (app label `outreach`).

Django loads `outreach.models`; this package gathers every model so that it does. Code
imports a model from here (`from outreach.models import Notice`); the import graph test
follows these names to the module that defines them, so a core module importing a
wing's model is still seen as importing the wing.
"""

from outreach.models.answers import Answer, AnswerLinkRevocation
from outreach.models.calls import CallAttempt, CallOutcome, CallStats, CallTask, RenewalCheck
from outreach.models.core import (
    Bounce,
    Channel,
    Delivery,
    DeliveryEvent,
    Fallback,
    Heartbeat,
    MorningCheck,
    Notice,
    NoticeTemplate,
    ReminderPolicy,
    ReminderStep,
    ScanRun,
)
from outreach.models.holdouts import Assignment, Experiment, HoldoutOverride
from outreach.models.lists import (
    AssociationStaff,
    ContactOutcome,
    ListDelivery,
    SubcontractorList,
    SubcontractorListRow,
)
from outreach.models.postcards import PostcardBatch, PostcardExclusion, ReturnedMail
from outreach.models.reports import (
    CommitteeReport,
    Dashboard,
    DashboardSnapshot,
    EffectReport,
    LapseModel,
    LapseRisk,
    SegmentList,
    SegmentListEntry,
)

__all__ = [
    "Answer",
    "AnswerLinkRevocation",
    "Assignment",
    "AssociationStaff",
    "Bounce",
    "CallAttempt",
    "CallOutcome",
    "CallStats",
    "CallTask",
    "Channel",
    "CommitteeReport",
    "ContactOutcome",
    "Dashboard",
    "DashboardSnapshot",
    "Delivery",
    "DeliveryEvent",
    "EffectReport",
    "Experiment",
    "Fallback",
    "Heartbeat",
    "HoldoutOverride",
    "LapseModel",
    "LapseRisk",
    "ListDelivery",
    "MorningCheck",
    "Notice",
    "NoticeTemplate",
    "PostcardBatch",
    "PostcardExclusion",
    "ReminderPolicy",
    "ReminderStep",
    "RenewalCheck",
    "ReturnedMail",
    "ScanRun",
    "SegmentList",
    "SegmentListEntry",
    "SubcontractorList",
    "SubcontractorListRow",
]
