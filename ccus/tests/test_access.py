"""Who reaches what: every admin URL of every registered model, for every role, over HTTP.

The walk is generic: it iterates admin.site._registry and the admin's URL patterns, so
models and pages merged later are walked too. What each role may do is written out
below (ROLE_PERMISSIONS, CUSTOM_URLS, ACTIONS): a new permission, page or action fails
the walk until someone decides here who gets it.
"""

import datetime
import re

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, reverse
from simple_history.admin import SimpleHistoryAdmin

from ccus import roles
from outreach import answer_links
from outreach.calls import services as calls
from outreach.models import (
    Answer,
    AssociationStaff,
    Bounce,
    CallTask,
    CommitteeReport,
    Experiment,
    HoldoutOverride,
    LapseModel,
    ListDelivery,
    Notice,
    NoticeTemplate,
    PostcardBatch,
    PostcardExclusion,
    ReminderStep,
    ReturnedMail,
    ScanRun,
    SegmentList,
    SegmentListEntry,
    SubcontractorList,
    SubcontractorListRow,
)
from outreach.tests.factories import phone_notice, policy_with_steps
from registrations.models import DownloadLog, ExportJob
from registrations.tests.factories import LinkFactory, MembershipFactory, staff_user
from renewals import services as renewal_services
from renewals.models import Target, Term

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))
MORNING = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST)
NO_ROLE = "(staff without a role)"
ANONYMOUS = "(not logged in)"

DESK_PERMISSIONS = {
    "outreach.add_bounce", "outreach.change_renewalcheck", "outreach.send_reminder", "outreach.view_bounce",
    "outreach.view_callattempt", "outreach.view_calltask", "outreach.view_notice", "outreach.view_noticetemplate",
    "outreach.view_reminderpolicy", "outreach.view_reminderstep", "outreach.view_renewalcheck",
    "outreach.view_scanrun", "registrations.add_business", "registrations.add_membership",
    "registrations.add_subcontractlink", "registrations.change_business", "registrations.change_membership",
    "registrations.change_subcontractlink", "registrations.view_association", "registrations.view_business",
    "registrations.view_exportjob", "registrations.view_membership", "registrations.view_prefecture",
    "registrations.view_subcontractlink", "registrations.view_trade", "registrations.view_tradegroup",
    "renewals.add_renewalcase", "renewals.change_renewalcase", "renewals.view_feerate", "renewals.view_renewalcase",
    "renewals.view_term",
    # Postcards and returned mail: build, download, post and cancel batches; record returned mail.
    "outreach.add_postcardbatch", "outreach.change_postcardbatch", "outreach.view_postcardbatch",
    "outreach.view_postcardexclusion", "outreach.add_returnedmail", "outreach.view_returnedmail",
    # Subcontractor lists: request one for a prime or an association, download it, see who received it.
    "outreach.add_subcontractorlist", "outreach.view_subcontractorlist", "outreach.view_subcontractorlistrow",
    "outreach.view_listdelivery",
    # The desk's first page of the day.
    "outreach.view_morningcheck",
    # Businesses' answers from the answer page: the queue, confirm or reject, and revoking a notice's links.
    "outreach.view_answer", "outreach.decide_answer", "outreach.view_answerlinkrevocation",
    "outreach.add_answerlinkrevocation",
    # Holdout experiments: the desk sees them and may contact one business despite one (an override).
    "outreach.view_experiment", "outreach.view_holdoutoverride", "outreach.add_holdoutoverride",
}  # fmt: skip
SUPERVISOR_PERMISSIONS = DESK_PERMISSIONS | {
    "django_celery_beat.view_crontabschedule", "django_celery_beat.view_intervalschedule",
    "django_celery_beat.view_periodictask", "outreach.add_noticetemplate", "outreach.add_reminderpolicy",
    "outreach.add_reminderstep", "outreach.change_notice", "outreach.change_noticetemplate",
    "outreach.change_reminderpolicy", "outreach.change_reminderstep", "outreach.take_call",
    "outreach.view_callstats", "outreach.view_effectreport", "registrations.add_association",
    "registrations.add_tradegroup", "registrations.change_association", "registrations.change_tradegroup",
    "registrations.delete_business", "registrations.delete_membership", "registrations.delete_subcontractlink",
    "registrations.view_downloadlog", "renewals.add_feerate", "renewals.change_feerate",
    # Targets, the dashboard and weak segments, saved segment lists (export, hand to the phone desk), and
    # the committee report. Not the association staff links: those decide what a user sees (administrators).
    "renewals.view_target", "renewals.add_target", "renewals.change_target", "outreach.view_dashboard",
    "outreach.view_segmentlist", "outreach.add_segmentlist", "outreach.delete_segmentlist",
    "outreach.view_committeereport", "outreach.add_committeereport",
    # Correcting a registration's dates, with a reason (the desk's form has no date fields).
    "renewals.correct_term",
    # Starting and adjusting holdout experiments.
    "outreach.add_experiment", "outreach.change_experiment",
    # The lapse risk models: training date and how well each did on later months (read-only).
    "outreach.view_lapsemodel",
}  # fmt: skip
ADMINISTRATOR_PERMISSIONS = SUPERVISOR_PERMISSIONS | {
    "axes.delete_accessattempt", "axes.view_accessattempt", "axes.view_accessfailurelog", "axes.view_accesslog",
    "django_celery_beat.add_crontabschedule", "django_celery_beat.add_intervalschedule",
    "django_celery_beat.add_periodictask", "django_celery_beat.change_crontabschedule",
    "django_celery_beat.change_intervalschedule", "django_celery_beat.change_periodictask",
    "django_celery_beat.delete_crontabschedule", "django_celery_beat.delete_intervalschedule",
    "django_celery_beat.delete_periodictask", "otp_totp.delete_totpdevice", "otp_totp.view_totpdevice",
    "outreach.add_callattempt", "outreach.add_calltask", "outreach.add_notice", "outreach.add_renewalcheck",
    "outreach.change_bounce", "outreach.change_calltask", "outreach.delete_bounce", "outreach.delete_calltask",
    "outreach.delete_noticetemplate", "outreach.delete_reminderpolicy", "outreach.delete_reminderstep",
    "outreach.delete_renewalcheck", "registrations.add_trade", "registrations.change_prefecture",
    "registrations.change_trade", "registrations.delete_association", "registrations.delete_trade",
    "registrations.delete_tradegroup", "renewals.add_term", "renewals.change_term", "renewals.delete_feerate",
    # Everything of the merged features except changing or deleting records of what happened: print
    # batches and the postcards they left out, returned mail, subcontractor lists, their rows and deliveries.
    "outreach.view_associationstaff", "outreach.add_associationstaff", "outreach.change_associationstaff",
    "outreach.delete_associationstaff", "outreach.delete_committeereport", "outreach.change_segmentlist",
    "renewals.delete_target", "outreach.delete_experiment",
}  # fmt: skip
ADMINISTRATOR_PERMISSIONS -= {"outreach.add_callattempt"}
# The least-privilege review of issue 11: exactly these, nothing more.
ROLE_PERMISSIONS = {
    roles.DESK: DESK_PERMISSIONS,
    roles.OPERATOR: {
        "outreach.take_call",
        "outreach.view_callattempt",
        "outreach.view_calltask",
        "outreach.view_notice",
        "outreach.view_returnedmail",  # a returned postcard: the address to confirm on the call
        "registrations.view_business",
        "renewals.view_renewalcase",
        "renewals.view_term",
    },
    roles.SUPERVISOR: SUPERVISOR_PERMISSIONS,
    # Scoped by outreach.lists.scoping: their association's members, and those members' lists and rows.
    roles.ASSOCIATION_STAFF: {
        "registrations.view_business",
        "outreach.view_subcontractorlist",
        "outreach.view_subcontractorlistrow",
    },
    roles.ADMINISTRATOR: ADMINISTRATOR_PERMISSIONS,
    NO_ROLE: set(),
    ANONYMOUS: set(),
}

# Pages an admin switches off for everyone, whatever the permissions (records written by services).
DISABLED = {
    "add": {
        "registrations.exportjob",
        "registrations.downloadlog",
        "renewals.renewalcase",
        "renewals.term",
        "outreach.notice",
        "outreach.scanrun",
        "outreach.calltask",
        "outreach.callattempt",
        "outreach.callstats",
        "outreach.effectreport",
        "outreach.bounce",
        "outreach.renewalcheck",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
        "outreach.postcardbatch",
        "outreach.postcardexclusion",
        "outreach.subcontractorlistrow",
        "outreach.listdelivery",
        "outreach.dashboard",
        "outreach.segmentlist",
        "outreach.morningcheck",
        "outreach.lapsemodel",
        "outreach.answer",
        "outreach.answerlinkrevocation",
    },
    "delete": {
        "registrations.downloadlog",
        "outreach.calltask",
        "outreach.callstats",
        "outreach.effectreport",
        "axes.accesslog",
        "axes.accessfailurelog",
        "outreach.subcontractorlistrow",
        "outreach.listdelivery",
        "outreach.dashboard",
        "outreach.morningcheck",
        "outreach.lapsemodel",
        "outreach.answer",
        "outreach.answerlinkrevocation",
    },
}
# Custom pages: the permissions needed (all of them), the method, and the status an allowed role gets.
CUSTOM_URLS = {
    "registrations_business_export": (["registrations.view_business", "registrations.view_exportjob"], "get", 200),
    "registrations_business_record_application": (["renewals.add_renewalcase"], "get", 200),
    "registrations_business_approve_application": (["renewals.change_renewalcase"], "get", 200),
    "registrations_business_register_again": (["renewals.change_renewalcase"], "get", 200),
    "registrations_business_correct_dates": (["renewals.correct_term"], "get", 200),
    "registrations_business_send_reminder": (["outreach.send_reminder"], "post", 302),
    "registrations_exportjob_download": (["registrations.view_exportjob"], "get", 200),
    "outreach_noticetemplate_preview": (["outreach.view_noticetemplate"], "get", 200),
    "outreach_calltask_next": (["outreach.take_call"], "post", 302),
    "outreach_calltask_call": (["outreach.take_call"], "get", 200),
    "outreach_bounce_upload": (["outreach.add_bounce"], "get", 200),
    "outreach_postcardbatch_build": (["outreach.add_postcardbatch"], "post", 302),
    "outreach_postcardbatch_file": (["outreach.view_postcardbatch"], "get", 200),
    "outreach_postcardbatch_posted": (["outreach.change_postcardbatch"], "post", 302),
    "outreach_postcardbatch_cancel": (["outreach.change_postcardbatch"], "post", 302),
    "outreach_returnedmail_upload": (["outreach.add_returnedmail"], "get", 200),
    # Association staff download only their association's lists (the walk ties them to the seeded one).
    "outreach_subcontractorlist_download": (["outreach.view_subcontractorlist"], "get", 200),
    "outreach_dashboard_segments": (["outreach.view_dashboard"], "get", 200),
    "outreach_dashboard_refresh": (["outreach.view_dashboard"], "post", 302),
    "outreach_committeereport_download": (["outreach.view_committeereport"], "get", 200),
    "auth_user_password_change": (["auth.change_user"], "get", 200),
    # django-otp's pages that would show a secret: switched off for everyone (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "otp_totp_totpdevice_config": (None, "get", 403),
    "otp_totp_totpdevice_qrcode": (None, "get", 403),
}
for _model in ("business", "association", "membership", "subcontractlink"):
    _import = [f"registrations.add_{_model}", f"registrations.change_{_model}"]
    CUSTOM_URLS[f"registrations_{_model}_import"] = (_import, "get", 200)
    # An empty confirm goes back to the import screen with a message.
    CUSTOM_URLS[f"registrations_{_model}_process_import"] = (_import, "post", 302)
# Admin actions: the permissions a role needs to be offered each one.
ACTIONS = {
    "delete_selected": "delete",
    "record_application": ["renewals.add_renewalcase"],
    "approve_application": ["renewals.change_renewalcase"],
    "send_reminder_now": ["outreach.send_reminder"],
    "approve_today": "change",
    "withdraw": "change",
    "confirm_sent": "change",
    "requeue": "change",
    "mark_checked": "change",
    "export_admin_action": None,
    "enable_tasks": "change",
    "disable_tasks": "change",
    "toggle_tasks": "change",
    "run_tasks": "change",
    "cleanup_expired_attempts": "delete",
    "build_again": "add",
    "export_csv": "view",
    "export_xlsx": "view",
    "hand_to_phone_desk": ["outreach.add_segmentlist"],
    "rebuild": "add",
    "confirm_answers": ["outreach.decide_answer"],
    "reject_answers": ["outreach.decide_answer"],
    "revoke_answer_links": ["outreach.add_answerlinkrevocation"],
}
STANDARD = {"changelist", "add", "change", "delete", "history", "simple_history", "autocomplete"}


@pytest.fixture
def register():
    """At least one row of every registered model, so every change, delete and history page is walked."""
    policy_with_steps(("phone", 45, 15), name="巡回の方針")
    ReminderStep.objects.update(name="電話（45日前）")  # names as a desk writes them: the pages are read for English
    NoticeTemplate.objects.filter(name="test phone").update(name="電話の文面（巡回）")
    notice = phone_notice(datetime.date(2027, 4, 9), today=MORNING.date())
    business = notice.business
    operator = staff_user(roles.OPERATOR, "walk-operator-seed")
    task = calls.call_claim_next(operator=operator, now=MORNING)
    calls.call_record(task_id=task.pk, operator=operator, outcome="already_applied", note="", now=MORNING)
    with time_machine.travel(MORNING):  # an application cannot be dated in the future
        renewal_services.renewal_record_application(
            business=business, received_on=datetime.date(2027, 3, 1), channel="desk"
        )
    membership = MembershipFactory(business=business)
    link = LinkFactory(prime=business)
    Bounce.objects.create(business=business, email=business.email, bounced_on=datetime.date(2027, 3, 1))
    job = ExportJob.objects.create(format=ExportJob.Format.CSV_UTF8, status=ExportJob.Status.DONE, total=1, written=1)
    job.file.save("walk.csv", ContentFile(b"x"), save=True)
    DownloadLog.objects.create(kind=DownloadLog.Kind.EXPORT_FILE, file_name="walk.csv", export_job=job)
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import ClockedSchedule, SolarSchedule
    from django_otp.plugins.otp_totp.models import TOTPDevice

    AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1")
    TOTPDevice.objects.create(user=operator, name="スマートフォン", confirmed=True)
    ClockedSchedule.objects.create(clocked_time=MORNING)
    seed_merged_features(business, notice, membership.association, link.subcontractor, operator)
    SolarSchedule.objects.create(event="sunrise", latitude=35.68, longitude=139.76)
    for model in admin.site._registry:
        if hasattr(model, "history") and (row := model._default_manager.order_by("pk").first()):
            row.save()  # seeded rows gain a history entry to open
    return business


def seed_merged_features(business, notice, association, subcontractor, user):
    """Rows of postcards, returned mail, subcontractor lists, dashboard, segments, reports and operations."""
    batch = PostcardBatch.objects.create(for_date=MORNING.date(), status=PostcardBatch.Status.READY, total=1, done=1)
    batch.csv_utf8.save("walk-postcards.csv", ContentFile(b"x"), save=True)
    PostcardExclusion.objects.create(batch=batch, notice=notice, reason=Notice.Reason.UNDELIVERABLE)
    ReturnedMail.objects.create(business=business, returned_on=MORNING.date(), batch=batch, recorded_by=user)
    AssociationStaff.objects.create(
        user=staff_user(roles.ASSOCIATION_STAFF, "walk-seed-staff"), association=association
    )
    subcontractor_list = SubcontractorList.objects.create(
        scope=SubcontractorList.Scope.ASSOCIATION,
        association=association,
        as_of=MORNING.date(),
        status=SubcontractorList.Status.DONE,
    )
    subcontractor_list.csv_file.save("walk-list.csv", ContentFile(b"x"), save=True)
    SubcontractorListRow.objects.create(
        subcontractor_list=subcontractor_list,
        prime=business,
        business=subcontractor,
        distance=1,
        expires_on=datetime.date(2027, 9, 1),
    )
    ListDelivery.objects.create(
        subcontractor_list=subcontractor_list, kind=ListDelivery.Kind.DOWNLOAD, file_format="csv", user=user
    )
    segment_list = SegmentList.objects.create(name="巡回", dimensions="prefecture", as_of=MORNING.date())
    SegmentListEntry.objects.create(segment_list=segment_list, business=business, term=Term.objects.first())
    report = CommitteeReport.objects.create(quarter="2026Q3", status=CommitteeReport.Status.DONE)
    report.xlsx.save("walk-report.xlsx", ContentFile(b"x"), save=True)
    ScanRun.objects.create(for_date=MORNING.date(), finished_at=MORNING)
    experiment = Experiment.objects.create(
        name="巡回の効果測定",
        step=ReminderStep.objects.first(),
        holdout_percent=5,
        starts_on=MORNING.date(),
        ends_on=MORNING.date(),
    )
    HoldoutOverride.objects.create(experiment=experiment, business=business, note="巡回", created_by=user)
    lapse_metrics = {
        "auc": 0.7, "brier": 0.1, "top_decile_rate": 0.4, "average_rate": 0.2, "learned_terms": 900,
        "held_out_terms": 300, "learned_months": ["2024-04", "2026-02"], "held_out_months": ["2026-03", "2026-10"],
    }  # fmt: skip
    LapseModel.objects.create(trained_at=MORNING, file="lapse_models/walk.skops", metrics=lapse_metrics)
    Target.objects.get_or_create(fiscal_year=2025, defaults={"renewals": 1, "new_registrations": 1, "fee_budget": 1})
    Answer.objects.create(
        business=business, notice=notice, kind=Answer.Kind.CONTACT, status=Answer.Status.PENDING, answered_at=MORNING,
        new_email="new@example.jp",
    )  # fmt: skip
    answer_links.revoke(notice=notice, user=user, reason="巡回", now=MORNING)


def user_for(role: str):
    if role == ANONYMOUS:
        return None
    if role == NO_ROLE:
        return User.objects.create_user("walk-norole", password="pass-Word-1234", is_staff=True)
    user = staff_user(role, f"walk-{role}")
    if role == roles.ASSOCIATION_STAFF:
        # Tied to the association of the seeded list and member: scoped pages open, with their data.
        AssociationStaff.objects.create(user=user, association=SubcontractorList.objects.get().association)
    return user


def allowed(role: str, needed: list[str]) -> bool:
    return all(permission in ROLE_PERMISSIONS[role] for permission in needed)


def model_needs(model, page: str) -> list[list[str]] | None:
    """Alternatives of permissions that open a standard page (None: the page is off for everyone)."""
    label = model._meta.label_lower
    app, name = model._meta.app_label, model._meta.model_name
    if label in DISABLED.get(page, set()):
        return None
    if page in {"changelist", "change", "history", "simple_history"}:
        return [[f"{app}.view_{name}"], [f"{app}.change_{name}"]]
    return [[f"{app}.{page}_{name}"]]


def custom_patterns():
    """(url name, route, model) of every named admin URL that is not a standard model page."""
    found = []
    for resolver in admin.site.get_urls():
        if not isinstance(resolver, URLResolver):
            continue
        model = next(
            (m for m in admin.site._registry if str(resolver.pattern) == f"{m._meta.app_label}/{m._meta.model_name}/"),
            None,
        )
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLPattern) and pattern.name and model is not None:
                prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
                if not (pattern.name.startswith(prefix) and pattern.name[len(prefix) :] in STANDARD):
                    found.append((pattern.name, pattern, model))
    return found


FILE_KINDS = {"outreach.postcardbatch": "csv_utf8", "outreach.committeereport": "xlsx"}


def fill(pattern, model, obj) -> dict:
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "file_format":
            kwargs[key] = "csv"
        elif key == "kind":
            kwargs[key] = FILE_KINDS[model._meta.label_lower]
        else:
            kwargs[key] = obj.pk
    return kwargs


def refused(response) -> bool:
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    )


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_each_role_holds_exactly_its_reviewed_permissions(role):
    if role in (NO_ROLE, ANONYMOUS):
        return
    group = Group.objects.get(name=role)
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert held == ROLE_PERMISSIONS[role]


def log_in(client, role: str):
    """Log `client` in as a fresh user of `role` (anonymous stays out); the seeded export and call become theirs."""
    user = user_for(role)
    if user is not None:
        client.force_login(user)
        ExportJob.objects.update(created_by=user)  # an export is its requester's
        CallTask.objects.update(status=CallTask.Status.OPEN, assigned_to=user)  # the call is theirs to record
    return user


def walk(role: str):
    """Every admin page of every registered model and every custom admin page CUSTOM_URLS knows, for `role`:
    (method, url, expected) with expected the status an allowed role gets, or None where the role is refused."""
    for model, model_admin in admin.site._registry.items():
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the walk needs a row of {model._meta.label} in the register fixture"
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = {
            "changelist": reverse(f"{info}_changelist"),
            "add": reverse(f"{info}_add"),
            "change": reverse(f"{info}_change", args=[obj.pk]),
            "delete": reverse(f"{info}_delete", args=[obj.pk]),
            "history": reverse(f"{info}_history", args=[obj.pk]),
        }
        if isinstance(model_admin, SimpleHistoryAdmin):
            version = obj.history.order_by("-history_id").first()
            pages["simple_history"] = reverse(f"{info}_simple_history", args=[obj.pk, version.history_id])
        for page, url in pages.items():
            needs = model_needs(model, page)
            expected = needs is not None and any(allowed(role, alternative) for alternative in needs)
            yield "get", url, 200 if expected else None
    for name, pattern, model in custom_patterns():
        if name in CUSTOM_URLS:
            needed, method, status = CUSTOM_URLS[name]
            obj = model._default_manager.order_by("pk").first()
            url = reverse(f"admin:{name}", kwargs=fill(pattern, model, obj))
            yield method, url, status if needed is not None and allowed(role, needed) else None


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_every_admin_page_opens_only_for_the_roles_allowed(client, register, role):
    log_in(client, role)
    wrong = [
        f"new admin page {name}: add who may open it to CUSTOM_URLS"
        for name, _pattern, _model in custom_patterns()
        if name not in CUSTOM_URLS
    ]
    walked = 0
    for method, url, expected in walk(role):
        response = getattr(client, method)(url)
        walked += 1
        if (expected and response.status_code != expected) or (not expected and not refused(response)):
            wrong.append(f"{role} {method} {url}: {response.status_code} (expected {expected or 'refused'})")
    health = client.get(reverse("health"))  # for monitoring, not an admin page: no login, for anyone
    if health.status_code not in (200, 503) or not health["Content-Type"].startswith("application/json"):
        wrong.append(f"{role} /health/: {health.status_code} {health['Content-Type']}")
    assert walked > 100
    assert not wrong, "\n".join(wrong)


ACTION_OPTION = re.compile(r'<option value="([a-z_]+)"')


@pytest.mark.parametrize("role", [r for r in ROLE_PERMISSIONS if r not in (NO_ROLE, ANONYMOUS)])
def test_each_role_is_offered_only_the_actions_it_may_run(client, register, role):
    client.force_login(user_for(role))
    wrong = []
    for model, model_admin in admin.site._registry.items():
        response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        if response.status_code != 200:
            continue
        select = re.search(r'<select name="action".*?</select>', response.content.decode(), re.S)
        offered = set(ACTION_OPTION.findall(select.group(0))) if select else set()
        expected = set()
        for _func, name, _description in model_admin._get_base_actions():
            assert name in ACTIONS, f"new admin action {name}: add who may run it to ACTIONS"
            needed = ACTIONS[name]
            if needed is None:
                continue  # django-import-export's own export action is switched off (export_admin_action)
            if isinstance(needed, str):
                needed = [f"{model._meta.app_label}.{needed}_{model._meta.model_name}"]
            if name == "delete_selected" and model._meta.label_lower in DISABLED["delete"]:
                continue
            if allowed(role, needed):
                expected.add(name)
        if offered != expected:
            wrong.append(f"{role} {model._meta.label}: offered {sorted(offered)}, expected {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


# Contact data and other fields association staff may not see, as two successive edits of the walked business:
# every value here appears on the business's history pages for the council's own staff, never for them.
HIDDEN_EDITS = [
    {"phone": "06-1357-2468", "email": "leak-before@example.jp", "address": "秘匿町一丁目", "postal_code": "5300001",
     "corporate_number": "7000012050002", "representative": "漏洩 前太郎", "contact_person": "窓口 前子",
     "capital": 31_415_926, "permit_number": "大臣-前-000111"},
    {"phone": "06-8642-9753", "email": "leak-after@example.jp", "address": "秘匿町二丁目", "postal_code": "5300002",
     "corporate_number": "2021001052596", "representative": "漏洩 後太郎", "contact_person": "窓口 後子",
     "capital": 27_182_818, "permit_number": "大臣-後-000222"},
]  # fmt: skip
CONTACT_ROLES = {roles.DESK, roles.OPERATOR, roles.SUPERVISOR, roles.ADMINISTRATOR}


def hidden_values() -> list[str]:
    return [str(value) for edit in HIDDEN_EDITS for value in edit.values()]


def edit_hidden_fields(business):
    for edit in HIDDEN_EDITS:
        for name, value in edit.items():
            setattr(business, name, value)
        business.save()


def history_urls(model, model_admin, obj) -> list[str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [reverse(f"{info}_history", args=[obj.pk])]
    if isinstance(model_admin, SimpleHistoryAdmin):
        urls += [
            reverse(f"{info}_simple_history", args=[obj.pk, version.history_id])
            for version in obj.history.order_by("history_id")
        ]
    return urls


@pytest.mark.parametrize("role", [r for r in ROLE_PERMISSIONS if r not in (NO_ROLE, ANONYMOUS)])
def test_history_pages_show_each_role_only_the_business_fields_it_may_see(client, register, role):
    """Every history page (list with its changes column, each version) of every model the role may open."""
    edit_hidden_fields(register)
    client.force_login(user_for(role))
    shown, opened = set(), 0
    for model, model_admin in admin.site._registry.items():
        obj = register if model is type(register) else model._default_manager.order_by("pk").first()
        for url in history_urls(model, model_admin, obj):
            response = client.get(url)
            if response.status_code != 200:
                continue
            opened += 1
            page = response.content.decode()
            shown |= {value for value in hidden_values() if value in page}
    assert opened > 0
    if role in CONTACT_ROLES:
        assert shown == set(hidden_values())  # the walk sees the values where they may be seen
    else:
        assert shown == set(), f"{role} sees {sorted(shown)} on history pages"


def test_association_staff_reach_no_history_outside_their_association(client, register):
    from registrations.tests.factories import BusinessFactory

    outsider = BusinessFactory(name="他団体の会員")
    outsider.save()
    client.force_login(user_for(roles.ASSOCIATION_STAFF))
    for url in history_urls(type(outsider), admin.site._registry[type(outsider)], outsider):
        assert client.get(url).status_code == 404, url


def lookup_refused(response, path: str, name: str) -> bool:
    """Refused without looking at the value: the list again without the lookup, or a 400."""
    if response.status_code == 400:
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return location.split("?")[0] == path and name not in location and "e=1" not in location


# Report pages at a changelist's address: they read their own form (days, months), no lookups.
OWN_PAGES = {"outreach.callstats", "outreach.dashboard", "outreach.effectreport", "outreach.morningcheck"}


@pytest.mark.parametrize("role", [r for r in ROLE_PERMISSIONS if r not in (NO_ROLE, ANONYMOUS)])
def test_changelists_refuse_lookups_that_no_filter_on_the_page_offers(client, register, role):
    """`?<field>__in=<its value>` on every field of every list a role opens: Django would filter by it."""
    client.force_login(user_for(role))
    wrong, tried = [], 0
    for model in admin.site._registry:
        path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        bare = client.get(path)
        if bare.status_code != 200:
            continue
        if "cl" not in bare.context:
            assert model._meta.label_lower in OWN_PAGES, f"{path} is no changelist: add it to OWN_PAGES"
            continue
        obj = model._default_manager.order_by("pk").first()
        for field in model._meta.concrete_fields:
            name = f"{field.attname}__in"
            response = client.get(path, {name: str(getattr(obj, field.attname))})
            tried += 1
            if not lookup_refused(response, path, name):
                wrong.append(f"{role} {path}?{name}: {response.status_code} {response.get('Location', '')}")
    assert tried > 10
    assert not wrong, "\n".join(wrong)


def test_a_hidden_field_cannot_be_read_through_the_list_one_character_at_a_time(client, register):
    """The review's oracle: `?id=13&email__startswith=s`, with the right and a wrong first letter."""
    client.force_login(user_for(roles.ASSOCIATION_STAFF))
    path = reverse("admin:registrations_business_changelist")
    answers = []
    for prefix in (register.email[:1], "#"):
        response = client.get(path, {"id": register.pk, "email__startswith": prefix})
        answers.append((response.status_code, response.get("Location")))
    assert answers[0] == answers[1]
    assert lookup_refused(client.get(path, {"id": register.pk}), path, "id")
    followed = client.get(path, {"email__startswith": register.email[:1]}, follow=True)
    assert "この一覧は email__startswith で絞り込めません" in followed.content.decode()


def test_filters_shown_on_a_page_and_the_admins_own_links_still_work(client, register):
    staff = user_for(roles.ASSOCIATION_STAFF)
    client.force_login(staff)
    businesses = reverse("admin:registrations_business_changelist")
    assert client.get(businesses, {"prefecture__code__exact": register.prefecture_id}).status_code == 200
    assert client.get(businesses, {"renewal_status": "pending", "o": "1", "p": "1"}).status_code == 200
    # Filters on fields the role does not see are not on its page, so not accepted either.
    assert lookup_refused(client.get(businesses, {"capital_band__exact": "3"}), businesses, "capital_band__exact")
    rows = reverse("admin:outreach_subcontractorlistrow_changelist")
    all_rows = {"subcontractor_list__id__exact": SubcontractorList.objects.get().pk}  # "All rows" of a list
    assert client.get(rows, all_rows).status_code == 200
    client.force_login(user_for(roles.DESK))
    assert client.get(businesses, {"capital_band__exact": "3"}).status_code == 200
    links = reverse("admin:registrations_subcontractlink_changelist")
    assert client.get(links, {"prime__id__exact": register.pk}).status_code == 200  # "All n links"
    notices = reverse("admin:outreach_notice_changelist")
    assert client.get(notices, {"due_on__year": "2027", "due_on__month": "4"}).status_code == 200  # date hierarchy


@pytest.mark.parametrize("field", ["phone", "corporate_number"])
def test_the_search_box_matches_only_fields_the_role_may_see(client, register, field):
    register.corporate_number = "7000012050002"
    register.phone = "06-7777-0707"  # the factories' businesses share one phone number
    register.save()
    term = getattr(register, field)
    path = reverse("admin:registrations_business_changelist")
    autocomplete = reverse("admin:autocomplete")
    lookup = {"app_label": "registrations", "model_name": "membership", "field_name": "business", "term": term}
    found = {}
    for role in (roles.DESK, roles.OPERATOR, roles.ASSOCIATION_STAFF):
        client.force_login(user_for(role))
        listed = register.ccus_id in client.get(path, {"q": term}).content.decode()
        suggested = [row["id"] for row in client.get(autocomplete, lookup).json()["results"]]
        found[role] = (listed, suggested == [str(register.pk)])
    by_id = register.ccus_id in client.get(path, {"q": register.ccus_id}).content.decode()
    assert found == {roles.DESK: (True, True), roles.OPERATOR: (True, True), roles.ASSOCIATION_STAFF: (False, False)}
    assert by_id  # association staff still find their members by 事業者ID
