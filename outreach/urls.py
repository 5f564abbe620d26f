"""Outreach's pages outside the admin: /health/ for monitoring, /a/<token>/ the answer page (no login),
the mail provider's tracking webhooks."""

from django.urls import path

from outreach.answer_views import answer_page
from outreach.health import health
from outreach.webhooks import tracking_webhook

urlpatterns = [
    path("health/", health, name="health"),
    path("a/<str:token>/", answer_page, name="answer_page"),
    path("anymail/<str:provider>/tracking/", tracking_webhook, name="tracking_webhook"),
]
