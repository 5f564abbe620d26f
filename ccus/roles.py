"""The staff roles (Django groups) and the permissions each holds.

Migrations call `grant()` so that every app adds its own models' permissions to the
roles when its tables appear; the names below are what code and tests refer to.
"""

from django.contrib.auth.management import create_permissions

DESK = "登録窓口"
OPERATOR = "電話オペレーター"
SUPERVISOR = "監督者"
ASSOCIATION_STAFF = "団体職員"
ADMINISTRATOR = "管理者"
ALL_ROLES = [DESK, OPERATOR, SUPERVISOR, ASSOCIATION_STAFF, ADMINISTRATOR]


def grant(apps, schema_editor, app_label: str, grants: dict[str, list[str]]) -> None:
    """Give each role the listed codenames of `app_label` (creating groups as needed).

    Permissions are normally created after migrations; they are created here first so
    that a data migration can refer to them on a fresh database.
    """
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # create_permissions skips configs without models
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in grants.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise LookupError(f"{app_label}: no permissions {sorted(missing)}")
        group.permissions.add(*permissions)


def crud(*models: str, actions: tuple[str, ...] = ("view", "add", "change", "delete")) -> list[str]:
    return [f"{action}_{model}" for model in models for action in actions]


def revoke(apps, schema_editor, app_label: str, revocations: dict[str, list[str]]) -> None:
    """Take the listed codenames of `app_label` away from each role (least-privilege reviews)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in revocations.items():
        permissions = permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        for group in group_model.objects.filter(name=role):
            group.permissions.remove(*permissions)
