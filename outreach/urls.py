"""Outreach's pages outside the admin: /health/ for monitoring."""

from django.urls import path

from outreach.health import health

urlpatterns = [path("health/", health, name="health")]
