from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from ccus import second_factor

admin.site.site_header = _("CCUS renewal back office")
admin.site.site_title = _("CCUS renewal back office")
admin.site.index_title = _("Home")  # a role's home page says the role (outreach.admin_home)

urlpatterns = [
    path("admin/two-step/setup/", second_factor.setup_view, name="otp_setup"),
    path("admin/two-step/verify/", second_factor.verify_view, name="otp_verify"),
    path("admin/", admin.site.urls),
    path("", include("outreach.urls")),  # /health/
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
