"""The register's files: businesses, associations, memberships and subcontract links.

Each kind checks a chunk of rows with a query or two for the chunk (existing rows and
references), validates every row by the model's own rules (field validators and
`clean()`, as the admin form runs them) and writes with bulk operations. Rows are
matched by 事業者ID (businesses), 団体コード (associations) or the pair of IDs, so
importing the same file again changes nothing.

Businesses, the big file, are checked as plain values: each column's parser, then the
model's field rules compiled once per import (validation.FieldRules) and the rules
across fields of `Business.clean()` (validation.check_business), with no model instance
per row; business_writes.py writes them (COPY on PostgreSQL).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ccus.importing import CREATED, UNCHANGED, UPDATED, Change, Column, Row, RowKind
from registrations import cells, postal, validation
from registrations.business_writes import COLUMNS, BusinessWrite, writer_for_connection
from registrations.expiry import expiry_for
from registrations.forms import NORMALISERS
from registrations.models import TEXT_FIELDS, Association, Business, Membership, SubcontractLink, text_labels

# Fields the business file sets, each under the column of the same key.
BUSINESS_FIELDS = [
    "corporate_number", "entity_type", "name", "name_kana", "representative", "capital", "is_sole_proprietor",
    "postal_code", "prefecture", "address", "phone", "email", "permit_number", "registered_on", "expires_on",
]  # fmt: skip
# Validated per row: the fields of the file and the text fields clean() reads. Not the
# prefecture: it comes from the table loaded once per import (validating the foreign
# key would run an existence query for every row).
BUSINESS_RULES = validation.FieldRules(Business, {"ccus_id", *BUSINESS_FIELDS, *TEXT_FIELDS} - {"prefecture"})
# The model fields whose own validators check the date cells of the other files.
JOINED_ON, LAST_SEEN_ON = Membership._meta.get_field("joined_on"), SubcontractLink._meta.get_field("last_seen_on")
# A new business's columns before the file's values are set.
NEW_BUSINESS = {f.column: f.get_default() for f in Business._meta.concrete_fields if not f.primary_key} | {
    "prefecture_id": None,
    "registered_on": None,
    "expires_on": None,
}


def _shown(value) -> str:
    if type(value) is str:  # most cells: checked first, for 100,000s of rows
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple | set | frozenset):
        return "・".join(sorted(value))
    return str(value)


def business_id_cells(rows: list[Row], *keys: str) -> dict[int, dict[str, str]]:
    """Per row, the 事業者IDs in `keys` that are IDs (the model's rule); errors for the others."""
    found = {}
    for row in rows:
        values = {}
        for key in keys:
            ccus_id = row.parse(key, cells.business_id)
            if ccus_id is not None:
                values[key] = ccus_id
        found[row.number] = values
    return found


class BusinessRows(RowKind):
    name = "businesses"
    chunk_size = 5_000
    columns = (
        Column("ccus_id", "事業者ID", ("ccus_id", "business id")),
        Column("corporate_number", "法人番号", ("corporate_number",), required=False),
        Column("name", "商号", ("name",)),
        Column("name_kana", "商号カナ", ("name_kana",), required=False),
        Column("representative", "代表者名", ("representative",), required=False),
        Column("capital", "資本金", ("capital",), required=False),
        Column("is_sole_proprietor", "一人親方", ("sole_proprietor",), required=False),
        Column("entity_type", "法人個人", ("entity_type",), required=False),
        Column("postal_code", "郵便番号", ("postal_code",)),
        Column("prefecture", "都道府県", ("prefecture",)),
        Column("address", "住所", ("address",)),
        Column("phone", "電話番号", ("phone",), required=False),
        Column("email", "メールアドレス", ("email",), required=False),
        Column("trades", "業種", ("trades",), required=False),
        Column("permit_number", "建設業許可番号", ("permit_number",), required=False),
        Column("registered_on", "登録日", ("registered_on",)),
        Column("expires_on", "有効期限", ("expires_on",), required=False),
        Column("associations", "所属団体", ("associations",), required=False),
    )

    def __init__(self, *, orm: bool = False):
        self.references = cells.References()
        self.prefecture_names = {p.code: p.name for p in self.references.prefectures.values()}
        self.associations = dict(Association.objects.values_list("code", "pk"))
        self.association_codes = {pk: code for code, pk in self.associations.items()}
        self.seen: set[str] = set()
        self.writer = writer_for_connection(orm=orm)
        self.now = timezone.now()
        self.text_labels = text_labels()

    def check(self, rows: list[Row]) -> list[Change]:
        """Parse every row of the chunk, then validate each against what is stored, and plan."""
        ids = business_id_cells(rows, "ccus_id")
        wanted = [i["ccus_id"] for i in ids.values() if i]
        existing = {b["ccus_id"]: b for b in Business.objects.filter(ccus_id__in=wanted).values("id", *COLUMNS)}
        pks = [b["id"] for b in existing.values()]
        trades: dict[int, set[str]] = {pk: set() for pk in pks}
        for business_id, trade_id in Business.trades.through.objects.filter(business_id__in=pks).values_list(
            "business_id", "trade_id"
        ):
            trades[business_id].add(trade_id)
        members: dict[int, set[int]] = {pk: set() for pk in pks}
        for business_id, association_id in Membership.objects.filter(business_id__in=pks).values_list(
            "business_id", "association_id"
        ):
            members[business_id].add(association_id)

        parsed = {}
        for row in rows:
            ccus_id = ids[row.number].get("ccus_id")
            if ccus_id in self.seen:
                row.fail("ccus_id", _("The business ID %(id)s appears more than once in the file.") % {"id": ccus_id})
            elif ccus_id:
                self.seen.add(ccus_id)
            trade_codes = row.parse("trades", self.references.trade_codes) if "trades" in row.present else None
            parsed[row.number] = (ccus_id, self._values(row), trade_codes, self._association_ids(row))
        postal.prefetch(values["postal_code"] for _id, values, _trades, _members in parsed.values())

        changes = []
        for row in rows:
            ccus_id, values, trade_codes, association_ids = parsed[row.number]
            stored = existing.get(ccus_id)
            old_trades, old_members = (trades[stored["id"]], members[stored["id"]]) if stored else (set(), set())
            new_trades = None if trade_codes is None else set(trade_codes)
            change = self._plan(
                row, ccus_id, values, stored, old_trades, new_trades, set(association_ids) - old_members
            )
            if change and not row.errors:
                changes.append(change)
        return changes

    def _plan(self, row: Row, ccus_id, values, stored, old_trades, new_trades, added_members) -> Change | None:
        """Validate the row's values merged into the stored business; what importing it does."""
        failed = {key for key, _message in row.errors}
        if "registered_on" in failed:
            failed.add("expires_on")  # computed from it
        if "prefecture" in failed:
            failed.add("prefecture_id")
        merged = dict(stored or NEW_BUSINESS)
        merged["ccus_id"] = ccus_id or ""
        for key, value in values.items():
            if key not in failed:
                merged[key] = value
        # The model's own rules, as the admin form runs them; uniqueness is the file's and the chunk's.
        for name, messages in BUSINESS_RULES.errors(merged, skip=failed):
            for message in messages:
                row.fail(name, message)
        try:
            validation.check_business(merged, self.prefecture_names.get(merged["prefecture_id"]), self.text_labels)
        except ValidationError as exc:
            row.fail_validation(exc)
        if row.errors:
            return None
        if stored is None and not self.previewing:  # a new business, past the preview: nothing to describe
            return Change(row.number, CREATED, self._write_plan(merged, None, set(), new_trades, added_members))

        shown = {key: value for key, value in values.items() if key != "prefecture_id"}
        after = {key: _shown(value) for key, value in shown.items()}
        after["prefecture"] = self.prefecture_names[values["prefecture_id"]]
        before = {}
        if stored:
            before = {key: _shown(stored[key]) for key in shown}
            before["prefecture"] = self.prefecture_names[stored["prefecture_id"]]
        if new_trades is not None:
            before["trades"], after["trades"] = _shown(old_trades), _shown(new_trades)
        if stored is None:
            action, before = CREATED, {}
        elif after != before or added_members:
            action = UPDATED
        else:
            action = UNCHANGED
        after["associations"] = _shown([self.association_codes[pk] for pk in added_members])
        after["ccus_id"] = ccus_id  # which business, for the preview
        plan = None if action == UNCHANGED else self._write_plan(merged, stored, old_trades, new_trades, added_members)
        return Change(row.number, action, plan, before, after)

    def _write_plan(self, merged: dict, stored, old_trades, new_trades, added_members) -> BusinessWrite:
        """The business's full row with its search keys, and its trades and memberships to write."""
        merged |= Business.derived(merged, stored)
        merged["updated_at"] = self.now
        if stored is None:
            merged["created_at"] = self.now
        replaced = None if new_trades is None or (stored and new_trades == old_trades) else new_trades
        return BusinessWrite(merged, replaced, added_members)

    def _values(self, row: Row) -> dict:
        """The column values the row gives (absent columns keep what is stored)."""
        present = row.present
        values = {}
        for key in ("name", "representative", "address", "phone", "permit_number"):
            if key in present:
                values[key] = row.cells.get(key, "")
        for key in ("corporate_number", "name_kana", "email"):
            if key in present:
                text = row.parse(key, cells.number_text) if key == "corporate_number" else row.cells.get(key, "")
                values[key] = NORMALISERS[key](text or "")
        if "capital" in present:
            values["capital"] = row.parse("capital", cells.capital)
        if "is_sole_proprietor" in present:
            values["is_sole_proprietor"] = row.parse("is_sole_proprietor", cells.flag)
        postal_code = row.parse("postal_code", cells.postal_code)
        values["postal_code"] = NORMALISERS["postal_code"](postal_code or "")
        prefecture = row.parse("prefecture", self.references.prefecture)
        values["prefecture_id"] = prefecture.code if prefecture else None
        registered_on = row.parse("registered_on", cells.date)
        if registered_on is None and "registered_on" not in {key for key, _message in row.errors}:
            row.fail("registered_on", _("The registration date is required."))
        values["registered_on"] = registered_on
        expires_on = row.parse("expires_on", cells.date)
        values["expires_on"] = expires_on or (expiry_for(registered_on) if registered_on else None)
        entity_type = row.parse("entity_type", cells.entity_type)
        if entity_type is None:
            # DOMAIN.md: a corporation if it has a corporate number, an individual otherwise.
            entity_type = (
                Business.EntityType.CORPORATION if values.get("corporate_number") else Business.EntityType.INDIVIDUAL
            )
        values["entity_type"] = entity_type
        return values

    def _association_ids(self, row: Row) -> list[int]:
        codes = cells.codes(row.cells.get("associations", ""))
        unknown = [code for code in codes if code not in self.associations]
        if unknown:
            row.fail("associations", _("Unknown association code: %(codes)s") % {"codes": "、".join(unknown)})
        return [self.associations[code] for code in codes if code in self.associations]

    def write(self, changes: list[Change]) -> None:
        self.writer.write([c.target for c in changes])

    def finish(self) -> None:
        self.writer.finish(operation=self.operation, user=self.user)


class AssociationRows(RowKind):
    name = "associations"
    columns = (Column("code", "団体コード", ("code",)), Column("name", "団体名", ("name",)))

    def __init__(self):
        self.seen: set[str] = set()

    def check(self, rows: list[Row]) -> list[Change]:
        existing = {a.code: a for a in Association.objects.filter(code__in=[_fold_code(r) for r in rows])}
        changes = []
        for row in rows:
            code = _fold_code(row)
            if code in self.seen:
                row.fail(
                    "code", _("The association code %(code)s appears more than once in the file.") % {"code": code}
                )
            self.seen.add(code)
            association = existing.get(code) or Association(code=code)
            before = {"name": association.name} if association.pk else {}
            association.name = row.cells.get("name", "")
            try:
                association.full_clean(validate_unique=False)
            except ValidationError as exc:
                row.fail_validation(exc)
            if row.errors:
                continue
            action = (
                CREATED if association.pk is None else (UPDATED if before["name"] != association.name else UNCHANGED)
            )
            changes.append(Change(row.number, action, association, before, {"code": code, "name": association.name}))
        return changes

    def write(self, changes: list[Change]) -> None:
        Association.objects.bulk_create([c.target for c in changes if c.action == CREATED])
        Association.objects.bulk_update([c.target for c in changes if c.action == UPDATED], ["name"])


def _fold_code(row: Row) -> str:
    return (row.parse("code", cells.number_text) or "").upper()


class _PairRows(RowKind):
    """Rows about a pair (business–association, prime–subcontractor), matched by the pair."""

    def __init__(self):
        self.seen: set[int] = set()

    def _business_pks(self, rows: list[Row], *keys: str) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, str]]]:
        """Per row, the businesses' primary keys and their 事業者IDs, under each key of `keys`."""
        ids = business_id_cells(rows, *keys)
        wanted = {ccus_id for values in ids.values() for ccus_id in values.values()}
        pks = dict(Business.objects.filter(ccus_id__in=wanted).values_list("ccus_id", "pk"))
        resolved = {}
        for row in rows:
            resolved[row.number] = {}
            for key, ccus_id in ids[row.number].items():
                if ccus_id in pks:
                    resolved[row.number][key] = pks[ccus_id]
                else:
                    row.fail(key, _("No business with the ID %(id)s is registered.") % {"id": ccus_id})
        return resolved, ids

    def _first_time(self, row: Row, key: str, pair: tuple[int, int]) -> bool:
        packed = pair[0] << 32 | pair[1]
        if packed in self.seen:
            row.fail(key, _("The same pair appears more than once in the file."))
            return False
        self.seen.add(packed)
        return True


class MembershipRows(_PairRows):
    name = "memberships"
    columns = (
        Column("business", "事業者ID", ("ccus_id", "business id")),
        Column("association", "団体コード", ("code", "association")),
        Column("joined_on", "入会日", ("joined_on",), required=False),
    )

    def __init__(self):
        super().__init__()
        self.associations = dict(Association.objects.values_list("code", "pk"))

    def check(self, rows: list[Row]) -> list[Change]:
        businesses, ids = self._business_pks(rows, "business")
        existing = {
            (m.business_id, m.association_id): m
            for m in Membership.objects.filter(business_id__in=[v["business"] for v in businesses.values() if v])
        }
        changes = []
        for row in rows:
            code = (row.parse("association", cells.number_text) or "").upper()
            association = self.associations.get(code)
            if association is None:
                row.fail("association", _("Unknown association code: %(codes)s") % {"codes": code})
            joined_on = row.parse("joined_on", cells.date, JOINED_ON)
            if row.errors or not self._first_time(
                row, "association", (businesses[row.number]["business"], association)
            ):
                continue
            membership = existing.get((businesses[row.number]["business"], association)) or Membership(
                business_id=businesses[row.number]["business"], association_id=association
            )
            identity = {**ids[row.number], "association": code}
            changes.append(
                _pair_change(row, membership, {"joined_on": joined_on}, "joined_on" in row.present, identity)
            )
        return changes

    def write(self, changes: list[Change]) -> None:
        Membership.objects.bulk_create([c.target for c in changes if c.action == CREATED])
        Membership.objects.bulk_update([c.target for c in changes if c.action == UPDATED], ["joined_on"])


class LinkRows(_PairRows):
    name = "links"
    columns = (
        Column("prime", "元請事業者ID", ("prime",)),
        Column("subcontractor", "下請事業者ID", ("subcontractor",)),
        Column("tier", "次数", ("tier",), required=False),
        Column("last_seen_on", "最終確認日", ("last_seen_on",), required=False),
    )

    def check(self, rows: list[Row]) -> list[Change]:
        businesses, ids = self._business_pks(rows, "prime", "subcontractor")
        pairs = {(v["prime"], v["subcontractor"]) for v in businesses.values() if len(v) == 2}
        existing = {
            (link.prime_id, link.subcontractor_id): link
            for link in SubcontractLink.objects.filter(
                prime_id__in={p for p, _s in pairs}, subcontractor_id__in={s for _p, s in pairs}
            )
        }
        changes = []
        for row in rows:
            tier = row.parse("tier", _tier)
            last_seen_on = row.parse("last_seen_on", cells.date, LAST_SEEN_ON)
            pair = (businesses[row.number].get("prime"), businesses[row.number].get("subcontractor"))
            if not row.errors and pair[0] == pair[1]:
                row.fail("subcontractor", _("A business cannot be its own subcontractor."))
            if row.errors or not self._first_time(row, "subcontractor", pair):
                continue
            link = existing.get(pair) or SubcontractLink(prime_id=pair[0], subcontractor_id=pair[1])
            values = {"tier": tier or link.tier, "last_seen_on": last_seen_on}
            try:
                SubcontractLink(tier=values["tier"], prime_id=pair[0], subcontractor_id=pair[1]).clean_fields(
                    exclude=["prime", "subcontractor"]
                )
            except ValidationError as exc:
                row.fail_validation(exc)
                continue
            changes.append(_pair_change(row, link, values, True, ids[row.number]))
        return changes

    def write(self, changes: list[Change]) -> None:
        SubcontractLink.objects.bulk_create([c.target for c in changes if c.action == CREATED])
        SubcontractLink.objects.bulk_update(
            [c.target for c in changes if c.action == UPDATED], ["tier", "last_seen_on"]
        )


def _tier(text: str) -> int | None:
    text = cells.number_text(text)
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise cells.CellError(_("The tier must be a whole number from 1 (1 = direct subcontractor)."))
    return int(text)


def _pair_change(row: Row, target, values: dict, update: bool, identity: dict[str, str]) -> Change:
    """Set `values` on a membership or link and say whether that creates or changes it.

    `identity` (the pair's 事業者IDs or code, by column) joins the values after, for the preview.
    """
    before = {k: _shown(getattr(target, k)) for k in values} if target.pk else {}
    if update or target.pk is None:
        for key, value in values.items():
            setattr(target, key, value)
    after = {k: _shown(getattr(target, k)) for k in values}
    action = CREATED if target.pk is None else (UPDATED if before != after else UNCHANGED)
    return Change(row.number, action, target, before, identity | after)
