"""Small admin building blocks shared by the apps."""


class ReadOnlyAdminMixin:
    """Rows written by the system (logs, snapshots, report pages): viewed in the admin, never edited there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
