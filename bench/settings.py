"""The project's settings with the stock comparison admin mounted at /stock/ (bench/urls.py)."""

from ccus.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
