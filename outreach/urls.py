"""Outreach's pages outside the admin: /health/ for monitoring, /a/<token>/ the answer page (no login)."""

from django.urls import path

from outreach.answer_views import answer_page
from outreach.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("a/<str:token>/", answer_page, name="answer_page"),
]
