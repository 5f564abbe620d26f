"""Notice wording is plain text with flat variables (outreach/wording.py): stored text follows.

Stored templates and call scripts used Django template syntax against the business
object. The variables they could use become flat names ({{ business.name }} →
{{ business_name }}), and dates come formatted (2027年1月31日), so the `date` filter
goes. Anything else is left as written: sending it fails with the reason and the
template admin names the problem on the next save.
"""

import re

from django.db import migrations, models

RENAMES = {
    "business.name": "business_name",
    "business.ccus_id": "ccus_id",
    "business.representative": "representative",
    "business.contact_person": "contact_person",
}
VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*(?:\|\s*date\s*:\s*(?:\"[^\"]*\"|'[^']*'))?\s*\}\}")
DATES = {"expires_on", "renew_by"}


def plain(text: str) -> str:
    def replace(match: re.Match) -> str:
        name = match[1]
        if name in RENAMES:
            return "{{ " + RENAMES[name] + " }}"
        if name in DATES:
            return "{{ " + name + " }}"
        return match[0]

    return VARIABLE.sub(replace, text)


def forwards(apps, schema_editor):
    NoticeTemplate = apps.get_model("outreach", "NoticeTemplate")
    ReminderStep = apps.get_model("outreach", "ReminderStep")
    for template in NoticeTemplate.objects.all():
        subject, body = plain(template.subject), plain(template.body)
        if (subject, body) != (template.subject, template.body):
            NoticeTemplate.objects.filter(pk=template.pk).update(subject=subject, body=body)
    for step in ReminderStep.objects.exclude(call_script=""):
        if (script := plain(step.call_script)) != step.call_script:
            ReminderStep.objects.filter(pk=step.pk).update(call_script=script)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0016_calltask_expires_on"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalnotice",
            name="reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "-"),
                    ("no_email", "no e-mail address"),
                    ("do_not_email", "asked not to be e-mailed"),
                    ("email_bounced", "e-mail bounced"),
                    ("undeliverable", "address undeliverable"),
                    ("no_postal_code", "no postal code"),
                    ("postal_unknown", "postal code unknown to Japan Post"),
                    ("postal_elsewhere", "postal code of another prefecture"),
                    ("no_phone", "no phone number"),
                    ("do_not_call", "asked not to be called"),
                    ("phone_invalid", "phone number wrong"),
                    ("overtaken", "overtaken by a later step"),
                    ("applied", "renewal application received"),
                    ("term_ended", "the term is no longer current"),
                    ("manual", "sent by hand"),
                    ("render_failed", "the wording could not be filled in"),
                ],
                max_length=16,
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="historicalreminderstep",
            name="call_script",
            field=models.TextField(
                blank=True,
                help_text="Plain text. Write a variable as {{ name }}; tags ({% … %}), filters (|) and other names are refused. Variables: {{ business_name }}: trade name (商号)、{{ ccus_id }}: business ID (事業者ID)、{{ representative }}: representative (代表者名)、{{ contact_person }}: contact person、{{ expires_on }}: expiry date, e.g. 2027年1月31日、{{ days_left }}: days left until expiry、{{ renew_by }}: apply by (last day of the month before expiry)、{{ desk_phone }}: the desk's phone number、{{ desk_email }}: the desk's e-mail address、{{ renewal_url }}: where to apply for renewal (URL).",
                verbose_name="call script",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "-"),
                    ("no_email", "no e-mail address"),
                    ("do_not_email", "asked not to be e-mailed"),
                    ("email_bounced", "e-mail bounced"),
                    ("undeliverable", "address undeliverable"),
                    ("no_postal_code", "no postal code"),
                    ("postal_unknown", "postal code unknown to Japan Post"),
                    ("postal_elsewhere", "postal code of another prefecture"),
                    ("no_phone", "no phone number"),
                    ("do_not_call", "asked not to be called"),
                    ("phone_invalid", "phone number wrong"),
                    ("overtaken", "overtaken by a later step"),
                    ("applied", "renewal application received"),
                    ("term_ended", "the term is no longer current"),
                    ("manual", "sent by hand"),
                    ("render_failed", "the wording could not be filled in"),
                ],
                max_length=16,
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="noticetemplate",
            name="body",
            field=models.TextField(
                help_text="Plain text. Write a variable as {{ name }}; tags ({% … %}), filters (|) and other names are refused. Variables: {{ business_name }}: trade name (商号)、{{ ccus_id }}: business ID (事業者ID)、{{ representative }}: representative (代表者名)、{{ contact_person }}: contact person、{{ expires_on }}: expiry date, e.g. 2027年1月31日、{{ days_left }}: days left until expiry、{{ renew_by }}: apply by (last day of the month before expiry)、{{ desk_phone }}: the desk's phone number、{{ desk_email }}: the desk's e-mail address、{{ renewal_url }}: where to apply for renewal (URL).",
                verbose_name="body",
            ),
        ),
        migrations.AlterField(
            model_name="noticetemplate",
            name="subject",
            field=models.CharField(
                blank=True,
                help_text="One line, with the same variables as the body.",
                max_length=200,
                verbose_name="subject",
            ),
        ),
        migrations.AlterField(
            model_name="postcardexclusion",
            name="reason",
            field=models.CharField(
                choices=[
                    ("", "-"),
                    ("no_email", "no e-mail address"),
                    ("do_not_email", "asked not to be e-mailed"),
                    ("email_bounced", "e-mail bounced"),
                    ("undeliverable", "address undeliverable"),
                    ("no_postal_code", "no postal code"),
                    ("postal_unknown", "postal code unknown to Japan Post"),
                    ("postal_elsewhere", "postal code of another prefecture"),
                    ("no_phone", "no phone number"),
                    ("do_not_call", "asked not to be called"),
                    ("phone_invalid", "phone number wrong"),
                    ("overtaken", "overtaken by a later step"),
                    ("applied", "renewal application received"),
                    ("term_ended", "the term is no longer current"),
                    ("manual", "sent by hand"),
                    ("render_failed", "the wording could not be filled in"),
                ],
                max_length=16,
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="reminderstep",
            name="call_script",
            field=models.TextField(
                blank=True,
                help_text="Plain text. Write a variable as {{ name }}; tags ({% … %}), filters (|) and other names are refused. Variables: {{ business_name }}: trade name (商号)、{{ ccus_id }}: business ID (事業者ID)、{{ representative }}: representative (代表者名)、{{ contact_person }}: contact person、{{ expires_on }}: expiry date, e.g. 2027年1月31日、{{ days_left }}: days left until expiry、{{ renew_by }}: apply by (last day of the month before expiry)、{{ desk_phone }}: the desk's phone number、{{ desk_email }}: the desk's e-mail address、{{ renewal_url }}: where to apply for renewal (URL).",
                verbose_name="call script",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
