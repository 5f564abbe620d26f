"""The mail provider's tracking webhooks: anymail's views, only where their secrets are set.

Anymail checks each request (basic auth from ANYMAIL WEBHOOK_SECRET, and Mailgun's HMAC
signature with MAILGUN_WEBHOOK_SIGNING_KEY) and sends its tracking signal, which
outreach.delivery handles. Without those secrets anymail would accept unsigned posts
(with a warning), so a provider whose secrets are unset answers 404 instead.
"""

from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

# Each provider's view and the ANYMAIL settings it must have to be secure.
PROVIDERS = {
    "mailgun": (MailgunTrackingWebhookView, ("WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY")),
    "postmark": (PostmarkTrackingWebhookView, ("WEBHOOK_SECRET",)),
}
VIEWS = {name: view.as_view() for name, (view, _required) in PROVIDERS.items()}


@csrf_exempt
def tracking_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """/anymail/<provider>/tracking/ (anymail's own path): the provider's view, if configured."""
    if provider not in PROVIDERS or not all(settings.ANYMAIL.get(name) for name in PROVIDERS[provider][1]):
        raise Http404
    return VIEWS[provider](request)
