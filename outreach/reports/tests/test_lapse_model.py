"""The lapse model finds a pattern planted in a generated history, scores every current term with
reasons, learns from earlier answers given before a term's day and not after, and a model file that
fails to load puts the queue back in expiry order with a warning."""

import csv
import datetime
import random
import zipfile
from io import StringIO

import pytest
import skops.io as sio
import time_machine
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from ccus import roles
from outreach.admin_todo import supervisor_todo
from outreach.calls import priority
from outreach.models import Answer, LapseModel, LapseRisk, Notice, NoticeTemplate
from outreach.reports import lapse_features, lapse_model
from outreach.tests.factories import business_expiring
from registrations.demo import DemoRegister, ensure_associations
from registrations.models import Business
from registrations.tests.factories import staff_user
from renewals import services as renewal_services
from renewals.models import RenewalCase, Term

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))
TODAY = datetime.date(2026, 11, 27)
NOW = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=JST)
# The planted pattern: businesses without e-mail often lapse, in these prefectures most of them.
PLANTED = {"13", "14", "27", "23", "01"}  # Tokyo, Kanagawa, Osaka, Aichi, Hokkaido


@pytest.fixture
def history(settings, tmp_path):
    """A register of 2,500 businesses whose ended terms renewed or lapsed by the planted pattern."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        ensure_associations()
        DemoRegister(2_500, links_per_business=1.1, seed=11).build()
        renewal_services.terms_sync()
        rnd = random.Random(5)
        cases = []
        ended = Term.objects.filter(expires_on__lt=TODAY).values_list(
            "pk", "business_id", "expires_on", "business__email", "business__prefecture_id"
        )
        for pk, business_id, expires_on, email, prefecture in ended:
            lapses = (0.8 if prefecture in PLANTED else 0.5) if not email else 0.05
            if rnd.random() >= lapses:
                received_on = expires_on - datetime.timedelta(days=rnd.randrange(1, 150))
                cases.append(
                    RenewalCase(business_id=business_id, term_id=pk, received_on=received_on, capital_band=1, fee=6000)
                )
        RenewalCase.objects.bulk_create(cases)
        yield


def test_the_model_recovers_a_planted_pattern_on_later_months_and_scores_every_current_term(history, tmp_path):
    out = tmp_path / "risk.csv"
    with time_machine.travel(NOW, tick=False):
        lines = call_command_lines("train_lapse_model")
        row = LapseModel.objects.get()
        metrics = row.metrics
        # Validated on later expiry months than it learned from.
        assert metrics["held_out_months"][0] > metrics["learned_months"][1]
        assert metrics["top_decile_rate"] >= 2 * metrics["average_rate"]
        assert lines[-1].startswith(f"AUC {metrics['auc']:.3f}、ブライアスコア {metrics['brier']:.3f}")
        assert "上位10%の失効率" in lines[-1]
        call_command_lines("lapse_risk", "--export", str(out))
        with pytest.raises(CommandError, match="に書き込めません"):
            call_command("lapse_risk", "--export", str(tmp_path / "no-such-folder" / "risk.csv"))

    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["事業者ID", "失効リスク", "主な理由"]
    current = Term.objects.filter(is_current=True)
    assert len(rows) - 1 == current.count() == LapseRisk.objects.count()
    assert {r[0] for r in rows[1:]} == set(Business.objects.values_list("ccus_id", flat=True))
    risks = [float(r[1]) for r in rows[1:]]
    assert all(0 <= risk <= 1 for risk in risks) and risks == sorted(risks, reverse=True)
    # The riskiest businesses are the planted ones, and their reasons say so in Japanese.
    top = Business.objects.filter(ccus_id__in=[r[0] for r in rows[1:51]])
    assert sum(not b.email for b in top) >= 45
    assert "メールアドレスの登録なし" in rows[1][2]
    assert row.file.name.endswith(".skops")
    # The share of renewers still without an application, by days left: 0 at expiry, rising.
    shares = row.spec["not_applied_share"]
    assert len(shares) == 181 and shares[0] < 0.01 and shares == sorted(shares) and shares[-1] > 0.95
    assert priority.usable_model() == row


def call_command_lines(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a model", "読み込めません"),
        (sio.dumps(LogisticRegression()), "このモデルのものではありません"),
        (sio.dumps(FunctionTransformer(func=print)), "許可されていない型を求めています：builtins.print"),
    ],
)
def test_a_model_file_that_fails_to_load_leaves_the_queue_in_expiry_order_and_warns_supervisors(
    settings, tmp_path, data, message
):
    settings.MEDIA_ROOT = tmp_path / "media"
    row = LapseModel(trained_at=NOW, scored_at=NOW, spec={"features": ["prefecture"]}, reach={"calls": 500})
    row.file.save("replaced.skops", ContentFile(data), save=True)
    assert priority.usable_model() == row  # as it was after last night's scoring
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(lapse_model.LapseModelError, match=message):
            lapse_model.score_current(row=row, today=TODAY)
        with pytest.raises(CommandError, match=message):
            call_command("lapse_risk")
    row.refresh_from_db()
    assert message in row.load_error
    assert priority.usable_model() is None
    supervisor = staff_user(roles.SUPERVISOR, "sv")
    warning = [item for item in supervisor_todo(supervisor, now=NOW) if "失効リスクモデル" in item.label]
    assert len(warning) == 1
    assert warning[0].label == "失効リスクモデルを読み込めません：架電は有効期限順です"
    assert warning[0].url == f"/admin/outreach/lapsemodel/{row.pk}/change/"
    # An operator has no business with the models: no warning for them.
    assert not any("失効リスク" in item.label for item in supervisor_todo(staff_user(roles.OPERATOR), now=NOW))


def test_a_skops_file_is_an_archive_the_loader_inspects_before_building_anything(history):
    with time_machine.travel(NOW, tick=False):
        row = lapse_model.train(today=TODAY)
    with row.file.open("rb") as handle:
        assert zipfile.is_zipfile(handle)
    assert set(sio.get_untrusted_types(file=row.file.path)) <= set(lapse_model.ALLOWED_TYPES)


def test_too_little_history_is_refused_in_japanese_and_stores_no_model(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError, match="学習するには履歴が足りません"):
        call_command("train_lapse_model")
    assert not LapseModel.objects.exists()
    with pytest.raises(CommandError, match="train_lapse_model"):
        call_command("lapse_risk")


def notice_of(business_id: int, day: datetime.date) -> Notice:
    template, _ = NoticeTemplate.objects.get_or_create(
        name="test email", defaults={"channel": "email", "subject": "件名", "body": "{{ business_name }}"}
    )
    return Notice.objects.create(
        business_id=business_id, template=template, channel="email", status="sent", due_on=day, scheduled_for=day
    )


def answer(business_id: int, kind: str, at: datetime.datetime) -> Answer:
    """An answer on a notice of its own (one standing answer per notice), as the desk left it."""
    notice = notice_of(business_id, at.date())
    return Answer.objects.create(business_id=business_id, notice=notice, kind=kind, status="pending", answered_at=at)


def test_earlier_answers_count_by_kind_only_before_the_day_a_term_is_seen_as_of():
    answering = business_expiring(datetime.date(2026, 3, 31))  # seen as of 2026-01-30 (60 days before)
    silent = business_expiring(datetime.date(2026, 4, 30))
    for kind, at in [
        ("contact", datetime.datetime(2025, 6, 1, 10, 0, tzinfo=JST)),
        ("will_apply", datetime.datetime(2026, 1, 29, 23, 30, tzinfo=JST)),  # the day before, Japan time
        ("will_apply", datetime.datetime(2026, 1, 30, 0, 30, tzinfo=JST)),  # the day itself (29th in UTC)
        ("closed", datetime.datetime(2026, 2, 15, 10, 0, tzinfo=JST)),  # later: not known then
        ("applied", datetime.datetime(2026, 5, 1, 10, 0, tzinfo=JST)),
    ]:
        answer(answering.pk, kind, at)
    frame = lapse_features.build_frame(today=TODAY, ended=True, groups=[])
    counts = {
        business_id: {name: row[frame.names.index(name)] for name in lapse_features.ANSWER_CLASSES}
        for business_id, row in zip(frame.business_ids.tolist(), frame.features, strict=True)
    }
    assert counts[answering.pk] == {
        "answers_will_apply": 1,
        "answers_applied": 0,
        "answers_agent": 0,
        "answers_closed": 0,
        "answers_merged": 0,
        "answers_contact": 1,
    }
    assert set(counts[silent.pk].values()) == {0}


def test_the_model_learns_earlier_answers_and_names_them_as_a_reason_in_japanese(history):
    # Planted: 150 businesses with e-mail (which mostly renew) and an ended term said 廃業しました
    # before their first term was seen as of, and every ended term of theirs lapsed.
    with time_machine.travel(NOW, tick=False):
        emailed = Term.objects.filter(expires_on__lt=TODAY).exclude(business__email="").values_list("business_id")
        closing = random.Random(21).sample(sorted({pk for (pk,) in emailed}), 150)
        first = dict(
            Term.objects.filter(business_id__in=closing)
            .order_by("business_id", "expires_on")
            .distinct("business_id")
            .values_list("business_id", "expires_on")
        )
        for business_id in closing:
            day = first[business_id] - datetime.timedelta(days=lapse_features.LEAD_DAYS + 30)
            answer(business_id, "closed", datetime.datetime.combine(day, datetime.time(10), tzinfo=JST))
        RenewalCase.objects.filter(business_id__in=closing, term__expires_on__lt=TODAY).delete()
        row = lapse_model.train(today=TODAY)
        lapse_model.score_current(row=row, today=TODAY)
    risks = LapseRisk.objects.filter(business_id__in=closing)
    others = LapseRisk.objects.exclude(business_id__in=closing).exclude(business__email="")
    average = sum(r.risk for r in others) / others.count()
    closing_risks = [r.risk for r in risks]
    assert sum(closing_risks) / len(closing_risks) >= 3 * average
    named = [r for r in risks if "これまでの回答：廃業しました（1 回）" in r.reasons]
    assert len(named) >= 0.8 * len(closing_risks)
    assert "answers_closed" in row.spec["features"]


def test_a_model_trained_before_the_answers_were_features_is_refused_until_trained_again(history, monkeypatch):
    earlier = [name for name in lapse_features.BASE_FEATURES if name not in lapse_features.ANSWER_CLASSES]
    with time_machine.travel(NOW, tick=False):
        with monkeypatch.context() as before:
            before.setattr(lapse_features, "BASE_FEATURES", earlier)
            row = lapse_model.train(today=TODAY)
        assert "answers_closed" not in row.spec["features"]
        with pytest.raises(lapse_model.LapseModelError, match="別の特徴量で学習されています"):
            lapse_model.score_current(row=row, today=TODAY)
    assert priority.usable_model() is None
