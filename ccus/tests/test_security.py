"""Logins, second factor, security headers, audit history and the download log, over HTTP."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ccus import roles
from registrations.models import Business, DownloadLog
from registrations.tests.factories import BusinessFactory, staff_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-Word-1234"


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_five_wrong_passwords_lock_the_user_on_that_address_even_with_the_right_one(client):
    staff_user(roles.DESK, "desk1")
    for _attempt in range(5):
        log_in(client, "desk1", "wrong-password")
    response = log_in(client, "desk1")
    assert response.status_code == 429
    assert "30分" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_is_per_username_and_address(client):
    staff_user(roles.DESK, "desk1")
    staff_user(roles.DESK, "desk2")
    for _attempt in range(5):
        log_in(client, "desk1", "wrong-password")
    assert log_in(client, "desk2").status_code == 302
    other_address = client.post(
        reverse("admin:login"), {"username": "desk1", "password": PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    assert other_address.status_code == 302


PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the application from it


def log_in_through_proxy(client, username, forwarded_for, password=PASSWORD):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_without_a_trusted_proxy_header_x_forwarded_for_is_ignored(client, settings):
    settings.TRUSTED_PROXY_HEADER = ""
    staff_user(roles.DESK, "desk1")
    for attempt in range(5):
        log_in_through_proxy(client, "desk1", f"198.51.100.{attempt}", "wrong-password")
    # A different X-Forwarded-For does not make another client: the address is REMOTE_ADDR.
    assert log_in_through_proxy(client, "desk1", "198.51.100.99").status_code == 429


def test_behind_the_trusted_proxy_two_clients_are_locked_out_separately(client, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 1
    staff_user(roles.DESK, "desk1")
    for _attempt in range(5):
        log_in_through_proxy(client, "desk1", "203.0.113.10", "wrong-password")
    assert log_in_through_proxy(client, "desk1", "203.0.113.10").status_code == 429
    # What the client itself puts in front of the proxy's entry does not change who it is.
    assert log_in_through_proxy(client, "desk1", "203.0.113.20, 203.0.113.10").status_code == 429
    other_client = log_in_through_proxy(client, "desk1", "203.0.113.20")
    assert other_client.status_code == 302 and "_auth_user_id" in client.session


def test_behind_two_trusted_proxies_the_client_is_the_second_entry_from_the_right(client, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 2
    desk = staff_user(roles.DESK, "desk1")
    BusinessFactory()
    client.force_login(desk)
    response = client.get(
        reverse("admin:registrations_business_export", args=["csv"]),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.10, 10.0.0.1",
    )
    b"".join(response.streaming_content)
    assert DownloadLog.objects.get().address == "203.0.113.10"


def test_with_otp_required_staff_without_a_device_must_enrol_before_any_page(client, settings):
    settings.OTP_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a wrong code; not this test's subject
    staff_user(roles.DESK, "desk1")
    log_in(client, "desk1")
    response = client.get("/admin/registrations/business/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup"))
    page = client.get(reverse("otp_setup")).content.decode()
    assert "認証アプリ" in page
    device = TOTPDevice.objects.get(user__username="desk1", confirmed=False)
    wrong = client.post(reverse("otp_setup"), {"token": "000000" if current_code(device) != "000000" else "111111"})
    assert "コードが違う" in wrong.content.decode()
    client.post(reverse("otp_setup"), {"token": current_code(device), "next": "/admin/registrations/business/"})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/registrations/business/").status_code == 200


def test_with_otp_required_an_enrolled_user_gives_the_code_at_each_login(client, settings):
    settings.OTP_REQUIRED = True
    user = staff_user(roles.DESK, "desk1")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    log_in(client, "desk1")
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("otp_verify"))
    assert client.get(reverse("otp_setup"))["Location"] == reverse("otp_verify")  # no second enrolment
    client.post(reverse("otp_verify"), {"token": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_without_otp_required_staff_log_in_with_a_password_alone(client):
    staff_user(roles.DESK, "desk1")
    log_in(client, "desk1")
    assert client.get("/admin/").status_code == 200


def test_production_headers_csp_hsts_referrer_and_secure_cookies(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    staff_user(roles.DESK, "desk1")
    response = client.get(reverse("admin:login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert response.cookies["csrftoken"]["secure"]
    logged_in = client.post(reverse("admin:login"), {"username": "desk1", "password": PASSWORD}, secure=True)
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert int(session["max-age"]) == 8 * 60 * 60


def test_an_admin_change_to_a_business_is_kept_with_who_and_when(client):
    desk = staff_user(roles.DESK, "desk1")
    business = BusinessFactory(name="株式会社旧商号")
    client.force_login(desk)
    page = client.get(reverse("admin:registrations_business_change", args=[business.pk])).content.decode()
    assert page
    business.name = "株式会社新商号"
    business._history_user = desk
    business.save()
    history = client.get(reverse("admin:registrations_business_history", args=[business.pk])).content.decode()
    assert "株式会社旧商号" in history or "株式会社新商号" in history
    latest = Business.history.filter(id=business.pk).first()
    assert latest.history_user == desk and latest.name == "株式会社新商号"
    assert Business.history.filter(id=business.pk).count() == 2


def test_every_business_export_download_is_logged_with_the_user(client):
    desk = staff_user(roles.DESK, "desk1")
    BusinessFactory()
    client.force_login(desk)
    response = client.get(reverse("admin:registrations_business_export", args=["csv"]))
    b"".join(response.streaming_content)
    entry = DownloadLog.objects.get()
    assert entry.user == desk and entry.kind == DownloadLog.Kind.STREAMED_EXPORT
    assert entry.file_name.startswith("businesses-") and entry.address == "127.0.0.1"
