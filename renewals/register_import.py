"""The business file as the command and the admin import it: the register, then its terms.

registrations/imports.py writes the register's rows and knows nothing of terms (the
register does not import renewals). A file's 有効期限 is news for the business's current
term, the truth of its expiry; so the import that people run is composed here: once the
rows are written, in the same transaction, terms_sync() for the businesses this import
wrote (they all carry its `updated_at`, which is indexed) creates, moves or restarts their
terms and leaves each business's copy of its expiry equal to its term.
"""

from registrations.imports import BusinessRows
from registrations.resources import BusinessResource
from renewals import services


class RegisterRows(BusinessRows):
    """BusinessRows, with the terms of the written businesses brought in step before commit."""

    def finish(self) -> None:
        super().finish()
        services.terms_sync(changed_since=self.now)


class RegisterResource(BusinessResource):
    """The admin's business import screens over RegisterRows."""

    kind = RegisterRows
