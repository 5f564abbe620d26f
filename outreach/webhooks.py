"""The mail provider's tracking webhooks: anymail's views, only where their secrets are set.

Anymail checks each request (basic auth from ANYMAIL WEBHOOK_SECRET, and Mailgun's HMAC
signature with MAILGUN_WEBHOOK_SIGNING_KEY) and sends its tracking signal, which
outreach.delivery handles. Without those secrets anymail would accept unsigned posts
(with a warning), so a provider whose secrets are unset answers 404 instead.
"""

import json

from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

# Each provider's view, the ANYMAIL settings it must have to be secure, and whether it posts only JSON.
PROVIDERS = {
    "mailgun": (MailgunTrackingWebhookView, ("WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY"), False),
    "postmark": (PostmarkTrackingWebhookView, ("WEBHOOK_SECRET",), True),
}
VIEWS = {name: view.as_view() for name, (view, _required, _json) in PROVIDERS.items()}


@csrf_exempt
def tracking_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """/anymail/<provider>/tracking/ (anymail's own path): the provider's view, if configured."""
    if provider not in PROVIDERS or not all(settings.ANYMAIL.get(name) for name in PROVIDERS[provider][1]):
        raise Http404
    if request.method == "POST" and (PROVIDERS[provider][2] or request.content_type == "application/json"):
        try:
            json.loads(request.body)
        except ValueError as error:
            # Django answers 400 with its Japanese page; anymail would have failed with a 500.
            raise SuspiciousOperation("the webhook's body is not JSON") from error
    return VIEWS[provider](request)
