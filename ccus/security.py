"""Login hardening: the lockout backend, the client's address and the second factor required of staff.

django-axes counts failed logins per (username, address), the address from `client_address`;
the second factor is a TOTP device from django-otp, required of every staff member when
settings.OTP_REQUIRED is on.
"""

import ipaddress

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


def client_address(request) -> str | None:
    """The client's address: django-axes' AXES_CLIENT_IP_CALLABLE, and the download log's address.

    Without settings.TRUSTED_PROXY_HEADER it is REMOTE_ADDR, whatever the headers say. With it, each of
    the TRUSTED_PROXY_COUNT proxies has appended the address it was reached from to that header, so the
    client is that many entries from the right; entries further left were sent by the client itself
    and are not believed. A request that did not pass through the proxies counts against REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR")
    if not settings.TRUSTED_PROXY_HEADER:
        return remote
    key = "HTTP_" + settings.TRUSTED_PROXY_HEADER.upper().replace("-", "_")
    hops = [hop.strip() for hop in request.META.get(key, "").split(",") if hop.strip()]
    if len(hops) < settings.TRUSTED_PROXY_COUNT:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-settings.TRUSTED_PROXY_COUNT]))
    except ValueError:
        return remote


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
