"""The answer page behind every notice: no login, one question, and nothing about anyone else.

Every request counts against its link and its client address (settings.ANSWER_RATE_PER_LINK,
ANSWER_RATE_PER_ADDRESS, per hour, in the cache: Redis in production) before the token is
even read. A token that is not good for any reason gets the same page, with status 404.
The page shows only what the business already knows (商号, 事業者ID, 有効期限); a POST is
protected by CSRF, recorded in one transaction, and followed by a redirect to the same page.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from redis import RedisError

from ccus.security import client_address
from outreach import answer_links, answers, desk, rendering, variables
from outreach.answer_forms import FIELDS_OF, AnswerForm
from outreach.models import Answer

WINDOW_SECONDS = 60 * 60
logger = logging.getLogger(__name__)


def _over_limit(key: str, limit: int) -> bool:
    """Count one request under `key` in the current hour; True once more than `limit` came."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return False


def _limited(request, token: str) -> bool:
    """Whether the link or the client's address is over its hourly limit.

    Redis is only transport: while the cache is down the page is served unlimited (and logged),
    since an answer is a database row and the links are still checked."""
    try:
        return _count(request, token)
    except RedisError:
        logger.warning("answer page: the rate-limit cache is unreachable; serving without limits")
        return False


def _count(request, token: str) -> bool:
    # The link as read (capitals, full width undone), so spelling it differently counts as the same link.
    link = hashlib.sha256(answer_links.normalise(token).encode("utf-8", "replace")).hexdigest()[:32]
    over_link = _over_limit(f"answer:link:{link}", settings.ANSWER_RATE_PER_LINK)
    over_address = _over_limit(f"answer:addr:{client_address(request)}", settings.ANSWER_RATE_PER_ADDRESS)
    return over_link or over_address


def _page(request, template: str, context: dict | None = None, status: int = 200):
    context = {"desk_phone": desk.desk_phone(), "desk_email": variables.desk_email(), **(context or {})}
    return render(request, f"outreach/answer/{template}", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def answer_page(request, token: str):
    if _limited(request, token):
        return _page(request, "busy.html", status=429)
    notice = answer_links.notice_for(token)
    if notice is None:
        return _page(request, "unavailable.html", status=404)
    business = notice.business
    shown = {"business": business, "expires_on": rendering.expiry_of(notice)}
    standing = Answer.objects.filter(notice=notice).exclude(status=Answer.Status.REJECTED).first()
    if standing:
        return _page(request, "received.html", {**shown, "answer": standing})
    today = timezone.localdate()
    form = AnswerForm(request.POST if request.method == "POST" else None, expires_on=shown["expires_on"], today=today)
    if request.method == "POST" and form.is_valid():
        try:
            answers.answer_record(notice=notice, kind=form.cleaned_data["kind"], details=form.details())
        except answers.AnswerError as error:
            form.add_error(None, str(error))
        else:
            return redirect("answer_page", token=answer_links.normalise(token))
    options = [(choice, [form[name] for name in FIELDS_OF[choice.data["value"]]]) for choice in form["kind"]]
    return _page(request, "question.html", {**shown, "form": form, "options": options})
