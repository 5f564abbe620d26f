"""Login hardening: the lockout backend and the second factor required of staff.

django-axes counts failed logins per (username, address); the second factor is a TOTP
device from django-otp, required of every staff member when settings.OTP_REQUIRED is on.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout for logins over HTTP; calls without a request (shell, tests) are not web logins."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class RequireOTPMiddleware:
    """With OTP_REQUIRED, a staff session that has not passed its second factor reaches
    only the pages that set up or check one (and log out)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.OTP_REQUIRED and self._must_verify(request):
            name = "otp_verify" if has_confirmed_device(request.user) else "otp_setup"
            return redirect(f"{reverse(name)}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _must_verify(request) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_staff) or user.is_verified():
            return False
        exempt = [reverse("otp_setup"), reverse("otp_verify"), reverse("admin:logout"), reverse("admin:jsi18n")]
        return request.path not in exempt and not request.path.startswith(settings.STATIC_URL)
