"""The staff's second factor: enrol a TOTP authenticator once, then give its code at each login."""

import base64

import segno
from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from ccus.security import has_confirmed_device


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("6-digit code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "admin:index"


def _page(request, template: str, **context):
    context = {**admin.site.each_context(request), "next": _next_url(request), **context}
    return TemplateResponse(request, template, context)


@login_required(login_url="admin:login")
def setup_view(request):
    """Enrol an authenticator: show its key (and QR code) until a first correct code confirms it.

    Only a staff member without a confirmed device may enrol; replacing a lost one is
    for an administrator (delete the device in the admin)."""
    if has_confirmed_device(request.user):
        return redirect("otp_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has expired: enter the code shown now."))
    return _page(
        request,
        "admin/otp/setup.html",
        title=_("Set up two-step verification"),
        form=form,
        secret=base64.b32encode(device.bin_key).decode(),
        qr_svg=segno.make(device.config_url, error="m").svg_data_uri(scale=4),
    )


@login_required(login_url="admin:login")
def verify_view(request):
    """Ask for the current code of the staff member's authenticator."""
    if not has_confirmed_device(request.user):
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has expired: enter the code shown now."))
    return _page(request, "admin/otp/verify.html", title=_("Two-step verification"), form=form)
