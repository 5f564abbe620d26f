"""The 400, 403, 404 and 500 pages speak Japanese, inside the admin's header where a request allows."""

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from ccus import roles
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db


def desk_client() -> Client:
    client = Client()
    client.force_login(staff_user(roles.DESK))
    return client


def test_a_page_outside_the_role_says_so_in_japanese():
    response = desk_client().get("/admin/auth/user/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "このページを開く権限がありません" in page
    assert "CCUS 更新管理" in page
    assert "Forbidden" not in page


def test_an_unknown_address_says_so_in_japanese():
    missing = desk_client().get("/no-such-page/")

    assert missing.status_code == 404
    page = missing.content.decode()
    assert "ページが見つかりません" in page
    assert "Not Found" not in page


def test_a_lookup_the_page_does_not_offer_is_a_japanese_bad_request():
    response = desk_client().get("/admin/registrations/business/?prefecture__name__startswith=東")

    assert response.status_code == 400
    page = response.content.decode()
    assert "要求を処理できませんでした" in page
    assert "Bad Request" not in page


def test_a_server_error_page_is_japanese_without_a_database():
    response = server_error(RequestFactory().get("/admin/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "システムでエラーが起きました" in page
    assert "Server Error" not in page
