"""A realistic demo register: names, addresses, capital, trades, memberships, primes.

Used by `seed_demo` for `make run` and for the benchmarks at 1,000,000 businesses, so
everything here streams rows into COPY instead of building model objects in bulk.
"""

import datetime
import itertools
import random
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone
from faker import Faker
from stdnum.jp import cn

from ccus.bulk import insert_rows
from registrations import postal
from registrations.expiry import expiry_for
from registrations.models import Association, Business, Prefecture, SubcontractLink, Trade

DEMO_ASSOCIATIONS = [
    ("ZENKEN", "全国建設業協会"),
    ("NIKKENREN", "日本建設業連合会"),
    ("ZENKOREN", "全国中小建設業協会"),
    ("KENSETSUGYO_TOKYO", "東京建設業協会"),
    ("DENKI", "日本電設工業協会"),
    ("KANKOJI", "日本空調衛生工事業協会"),
    ("TOSO", "日本塗装工業会"),
    ("TOBI", "日本鳶工業連合会"),
    ("SAKAN", "日本左官業組合連合会"),
    ("JUTAKU", "全国住宅産業協会"),
]
SUFFIXES = [
    ("建設", "ケンセツ"), ("工務店", "コウムテン"), ("組", "グミ"), ("工業", "コウギョウ"),
    ("電気工事", "デンキコウジ"), ("設備", "セツビ"), ("塗装", "トソウ"), ("興業", "コウギョウ"),
    ("土木", "ドボク"), ("建工", "ケンコウ"), ("鉄筋", "テッキン"), ("管工業", "カンコウギョウ"),
]  # fmt: skip
# Place names in trade names, as registered (霞ヶ浦 and 袖ケ浦, 自由が丘 and 星ヶ丘 side by side),
# with katakana suffixes that carry the long vowel: the spellings a caller types differently.
PLACES = [
    ("霞ヶ浦", "カスミガウラ"), ("八ヶ岳", "ヤツガタケ"), ("星ヶ丘", "ホシガオカ"), ("自由が丘", "ジユウガオカ"),
    ("一ノ宮", "イチノミヤ"), ("三ノ輪", "ミノワ"), ("関ヶ原", "セキガハラ"), ("駒ヶ根", "コマガネ"),
    ("鶴ヶ島", "ツルガシマ"), ("茅ヶ崎", "チガサキ"), ("袖ケ浦", "ソデガウラ"), ("市ケ谷", "イチガヤ"),
    ("霞が関", "カスミガセキ"), ("梅ヶ丘", "ウメガオカ"),
]  # fmt: skip
PLACE_SUFFIXES = [
    *SUFFIXES, ("設備センター", "セツビセンター"), ("ハウジング", "ハウジング"), ("リフォーム", "リフォーム"),
    ("テクノ", "テクノ"), ("エンジニアリング", "エンジニアリング"),
]  # fmt: skip
PLACE_SHARE = 0.08
# Family names as some registers hold them (異体字): 髙橋 for 高橋, 渡邊 for 渡辺 …
REGISTERED_VARIANTS = {"高": "髙", "崎": "﨑", "辺": "邊", "斎": "齋", "沢": "澤", "浜": "濱", "国": "國"}
VARIANT_SHARE = 0.03
LEGAL_FORMS = [("株式会社", "カブシキガイシャ"), ("有限会社", "ユウゲンガイシャ"), ("合同会社", "ゴウドウガイシャ")]
# Capital in millions of yen and how common it is among registered corporations.
CAPITAL_WEIGHTS = [
    (1, 8), (3, 18), (5, 14), (8, 8), (10, 20), (15, 6), (20, 8), (30, 6), (50, 5), (100, 4), (300, 2), (1_000, 1),
]  # fmt: skip
BUSINESS_COLUMNS = [
    "ccus_id", "corporate_number", "entity_type", "name", "name_kana", "is_sole_proprietor", "capital",
    "capital_band", "prefecture_id", "postal_code", "address", "phone", "phone_digits", "email",
    "representative", "contact_person", "permit_number", "registered_on", "expires_on",
    "name_key", "kana_key", "search_text", "created_at", "updated_at",
]  # fmt: skip
# Share of businesses at each depth of the subcontract network (0 = prime).
LEVEL_SHARES = [0.02, 0.28, 0.40, 0.30]
FIRST_ID = 10_000_000_000_000


class DemoRegister:
    def __init__(self, businesses: int, links_per_business: float = 6.0, seed: int = 2025):
        self.total = businesses
        self.links_per_business = links_per_business
        self.random = random.Random(seed)
        # Place names and variant kanji draw from their own sequence: the rest of the register stays as it was.
        self.spelling = random.Random(seed + 1)
        self.faker = Faker("ja_JP")
        self.faker.seed_instance(seed)
        self.prefectures = {p.name: p.code for p in Prefecture.objects.all()}
        self.postal_codes = postal.sample_codes(5_000)
        self.family_names = [self.faker.last_name_pair()[:2] for _ in range(500)]
        self.first_names = [self.faker.first_name_pair()[0] for _ in range(300)]
        self.start_id = max(
            FIRST_ID, int(Business.objects.order_by("-ccus_id").values_list("ccus_id", flat=True).first() or 0) + 1
        )

    def build(self) -> dict[str, int]:
        """Write businesses, trades, memberships and links; returns the row counts."""
        now = timezone.now()
        written = insert_rows(Business._meta.db_table, BUSINESS_COLUMNS, self._business_rows(now))
        ids = list(
            Business.objects.filter(ccus_id__gte=str(self.start_id)).order_by("ccus_id").values_list("pk", flat=True)
        )
        # Reference lists are read before each COPY starts: a query on the connection while
        # its COPY is open would wait for the COPY, which waits for the rows, forever.
        codes = list(Trade.objects.values_list("code", flat=True))
        associations = list(Association.objects.values_list("pk", flat=True))
        trades = insert_rows(
            Business.trades.through._meta.db_table, ["business_id", "trade_id"], self._trade_rows(ids, codes)
        )
        memberships = insert_rows(
            "registrations_membership",
            ["business_id", "association_id", "joined_on"],
            self._membership_rows(ids, associations),
        )
        links = insert_rows(
            SubcontractLink._meta.db_table,
            ["prime_id", "subcontractor_id", "tier", "source", "last_seen_on"],
            self._link_rows(ids),
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE registrations_business; ANALYZE registrations_subcontractlink")
        return {"businesses": written, "trades": trades, "memberships": memberships, "links": links}

    def _business_rows(self, now) -> Iterator[tuple]:
        rnd = self.random
        capitals, weights = zip(*CAPITAL_WEIGHTS, strict=True)
        start = datetime.date(2019, 4, 1)
        # Registrations up to 2026-11-29, never after today (a registration date cannot be in the future).
        span = (min(datetime.date(2026, 11, 30), timezone.localdate(now) + datetime.timedelta(days=1)) - start).days
        for offset in range(self.total):
            family, family_kana = rnd.choice(self.family_names)
            suffix, suffix_kana = rnd.choice(SUFFIXES)
            family, family_kana, suffix, suffix_kana = self._spelled(family, family_kana, suffix, suffix_kana)
            kind = rnd.random()
            sole = kind < 0.15
            individual = sole or kind < 0.25
            if individual:
                name, kana, capital, corporate_number = f"{family}{suffix}", f"{family_kana}{suffix_kana}", None, ""
            else:
                form, form_kana = rnd.choice(LEGAL_FORMS)
                name, kana = f"{form}{family}{suffix}", f"{form_kana}{family_kana}{suffix_kana}"
                capital = rnd.choices(capitals, weights)[0] * 1_000_000
                body = f"{rnd.randrange(10**11, 10**12):012d}"
                corporate_number = cn.calc_check_digit(body) + body
            code, prefecture, city, town = rnd.choice(self.postal_codes)
            phone = f"0{rnd.randint(3, 99)}-{rnd.randint(100, 9999)}-{rnd.randint(1000, 9999)}"
            registered_on = start + datetime.timedelta(days=rnd.randrange(span))
            business = Business(
                name=name,
                name_kana=kana,
                phone=phone,
                capital=capital,
                is_sole_proprietor=sole,
                entity_type=Business.EntityType.INDIVIDUAL if individual else Business.EntityType.CORPORATION,
            )
            business.derive_fields()
            yield (
                str(self.start_id + offset), corporate_number, business.entity_type, name, kana, sole, capital,
                business.capital_band, self.prefectures[prefecture], code,
                f"{city}{town}{rnd.randint(1, 9)}-{rnd.randint(1, 30)}-{rnd.randint(1, 20)}", phone,
                business.phone_digits, "" if rnd.random() < 0.2 else f"info{self.start_id + offset}@example.jp",
                f"{family} {rnd.choice(self.first_names)}", "" if individual else f"{rnd.choice(self.family_names)[0]}",
                "" if sole else f"{prefecture}知事許可(般-{rnd.randint(1, 6)})第{rnd.randint(1, 999999)}号",
                registered_on, expiry_for(registered_on), business.name_key, business.kana_key,
                business.search_text, now, now,
            )  # fmt: skip

    def _spelled(self, family: str, family_kana: str, suffix: str, suffix_kana: str) -> tuple[str, str, str, str]:
        """Now and then a place name instead of the family name, or the family name in variant kanji."""
        draw = self.spelling.random()
        if draw < PLACE_SHARE:
            return *self.spelling.choice(PLACES), *self.spelling.choice(PLACE_SUFFIXES)
        if draw < PLACE_SHARE + VARIANT_SHARE:
            family = "".join(REGISTERED_VARIANTS.get(c, c) for c in family)
        return family, family_kana, suffix, suffix_kana

    def _trade_rows(self, ids: list[int], codes: list[str]) -> Iterator[tuple]:
        for pk in ids:
            for code in self.random.sample(codes, self.random.choice([1, 1, 2, 3])):
                yield pk, code

    def _membership_rows(self, ids: list[int], associations: list[int]) -> Iterator[tuple]:
        for pk in ids:
            if self.random.random() < 0.4:
                yield pk, self.random.choice(associations), None

    def _link_rows(self, ids: list[int]) -> Iterator[tuple]:
        """Each business below the primes works for a few businesses one level up."""
        rnd = self.random
        levels, start = [], 0
        for share in LEVEL_SHARES:
            size = max(1, round(len(ids) * share))
            levels.append(ids[start : start + size])
            start += size
        levels[-1].extend(ids[start:])
        per_sub = self.links_per_business / (1 - LEVEL_SHARES[0])
        today = timezone.localdate()
        for tier, (upper, lower) in enumerate(itertools.pairwise(levels), start=1):
            if not upper:
                break
            for sub in lower:
                # One business above it, and now and then more: the mean is per_sub.
                extra = round(rnd.expovariate(1 / (per_sub - 1))) if per_sub > 1 else 0
                count = min(len(upper), 1 + extra)
                for prime in {rnd.choice(upper) for _ in range(count)}:
                    yield (
                        prime,
                        sub,
                        tier,
                        SubcontractLink.Source.SITE_RECORDS,
                        today - datetime.timedelta(days=rnd.randrange(720)),
                    )


def ensure_associations() -> None:
    for code, name in DEMO_ASSOCIATIONS:
        Association.objects.get_or_create(code=code, defaults={"name": name})
