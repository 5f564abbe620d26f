"""The project's URLs plus, for comparison, a stock ModelAdmin of Business at /stock/ and
anymail's Mailgun webhook without a receiver at /stock-webhook/mailgun/."""

from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from django.contrib import admin
from django.dispatch import Signal
from django.urls import path

from ccus.urls import urlpatterns as project_urls
from registrations.models import Business

stock_site = admin.AdminSite(name="stock")


@admin.register(Business, site=stock_site)
class StockBusinessAdmin(admin.ModelAdmin):
    """What Django gives by default, searching the same things the desk types."""

    list_display = ["ccus_id", "name", "prefecture", "capital_band", "registered_on", "expires_on"]
    list_filter = ["prefecture", "capital_band", "is_sole_proprietor"]
    search_fields = ["ccus_id", "corporate_number", "phone", "name", "name_kana"]


class MailgunWithoutReceiver(MailgunTrackingWebhookView):
    """anymail's view sending to a signal no one listens to: basic auth, signature and parsing only."""

    signal = Signal()


urlpatterns = [
    path("stock/", stock_site.urls),
    path("stock-webhook/mailgun/", MailgunWithoutReceiver.as_view()),
    *project_urls,
]
