"""Issue 11: who reads the download log, and who manages second-factor devices and lockouts."""

from django.db import migrations

from ccus import roles

REGISTER_GRANTS = {
    roles.SUPERVISOR: ["view_downloadlog"],
    roles.ADMINISTRATOR: ["view_downloadlog"],
}
# Administrators remove a lost authenticator (so its owner can enrol a new one) and lift lockouts.
OTP_GRANTS = {roles.ADMINISTRATOR: roles.crud("totpdevice", actions=("view", "delete"))}
AXES_GRANTS = {
    roles.ADMINISTRATOR: [
        *roles.crud("accessattempt", actions=("view", "delete")),
        *roles.crud("accesslog", "accessfailurelog", actions=("view",)),
    ]
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "registrations", REGISTER_GRANTS)
    roles.grant(apps, schema_editor, "otp_totp", OTP_GRANTS)
    roles.grant(apps, schema_editor, "axes", AXES_GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0008_download_log"),
        ("otp_totp", "0003_add_timestamps"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
