"""Outreach's pages outside the admin: /health/ for monitoring, the mail provider's tracking webhooks."""

from django.urls import path

from outreach.health import health
from outreach.webhooks import tracking_webhook

urlpatterns = [
    path("health/", health, name="health"),
    path("anymail/<str:provider>/tracking/", tracking_webhook, name="tracking_webhook"),
]
