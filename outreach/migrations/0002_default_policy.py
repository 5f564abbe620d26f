"""The default reminder ladder (the operator's practice plus the plan's additions)."""

from django.db import migrations

BEFORE_BODY = (
    '建設キャリアアップシステム（CCUS）の事業者登録の有効期限が{{ expires_on|date:"Y年n月j日" }}に迫っています'
    "（残り{{ days_left }}日）。\n"
    "有効期限を過ぎると登録は失効し、CCUSをご利用いただけなくなります。\n"
    '更新申請は有効期限の6か月前から受け付けています。{{ renew_by|date:"Y年n月j日" }}までに更新申請をお願いいたします。'
)
LAPSED_BODY = (
    '建設キャリアアップシステム（CCUS）の事業者登録は{{ expires_on|date:"Y年n月j日" }}で有効期限を迎え、失効しました。\n'
    "引き続きCCUSをご利用いただくには、新規の事業者登録が必要です。お手続きの方法は下記窓口までお問い合わせください。"
)
CALL_SCRIPT = (
    "CCUS事業者登録窓口の者です。{{ business.name }}様の事業者登録の有効期限が"
    '{{ expires_on|date:"Y年n月j日" }}（残り{{ days_left }}日）となっております。更新申請のご予定を伺えますでしょうか。'
)
TEMPLATES = [
    ("更新のお願い（メール）", "email", "CCUS事業者登録更新のお願い", BEFORE_BODY),
    ("更新のお願い（はがき）", "postcard", "CCUS事業者登録更新のお願い", BEFORE_BODY),
    ("更新のお願い（電話）", "phone", "", CALL_SCRIPT),
    ("元請への下請更新状況リスト掲載", "prime_list", "下請事業者の更新状況", BEFORE_BODY),
    ("失効と再登録のご案内（メール）", "email", "CCUS事業者登録の失効と再登録のご案内", LAPSED_BODY),
    ("失効と再登録のご案内（はがき）", "postcard", "CCUS事業者登録の失効と再登録のご案内", LAPSED_BODY),
]
# (name, channel, days before expiry, still worth sending until, template)
STEPS = [
    ("メール（6か月前）", "email", 180, 61, "更新のお願い（メール）"),
    ("はがき（3か月前）", "postcard", 90, 31, "更新のお願い（はがき）"),
    ("元請リスト掲載（3か月前）", "prime_list", 90, 0, "元請への下請更新状況リスト掲載"),
    ("メール（2か月前）", "email", 60, 31, "更新のお願い（メール）"),
    ("電話（45日前）", "phone", 45, 15, "更新のお願い（電話）"),
    ("メール（1か月前）", "email", 30, 0, "更新のお願い（メール）"),
    ("電話（14日前）", "phone", 14, 0, "更新のお願い（電話）"),
    ("失効のご案内メール（7日後）", "email", -7, -60, "失効と再登録のご案内（メール）"),
    ("失効のご案内はがき（7日後）", "postcard", -7, -60, "失効と再登録のご案内（はがき）"),
]


def seed(apps, schema_editor):
    NoticeTemplate = apps.get_model("outreach", "NoticeTemplate")
    ReminderPolicy = apps.get_model("outreach", "ReminderPolicy")
    ReminderStep = apps.get_model("outreach", "ReminderStep")
    templates = {
        name: NoticeTemplate.objects.create(name=name, channel=channel, subject=subject, body=body)
        for name, channel, subject, body in TEMPLATES
    }
    policy = ReminderPolicy.objects.create(name="標準の更新督促（FY2025計画）", is_active=True)
    for name, channel, days_before, last_days_before, template in STEPS:
        ReminderStep.objects.create(
            policy=policy,
            name=name,
            channel=channel,
            days_before=days_before,
            last_days_before=last_days_before,
            template=templates[template],
            call_script=CALL_SCRIPT if channel == "phone" else "",
        )


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
