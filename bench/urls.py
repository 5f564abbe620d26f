"""The project's URLs plus a stock ModelAdmin of Business at /stock/, for comparison."""

from django.contrib import admin
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


urlpatterns = [path("stock/", stock_site.urls), *project_urls]
