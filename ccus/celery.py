"""The Celery app. Without CELERY_BROKER_URL, tasks run in process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")

app = Celery("ccus")
app.config_from_object("django.conf:settings", namespace="CELERY")
if app.conf.task_always_eager and not app.conf.broker_url:
    # Tasks run in process, yet `delay` still takes a producer from the pool: a broker that
    # needs no server keeps kombu from guessing one ("No hostname was supplied").
    app.conf.broker_url = "memory://localhost/"
app.autodiscover_tasks()
# Outreach's wings keep their tasks beside their services, and the outbox's tasks have a
# module of their own; every one keeps its first name (`name="outreach.tasks.…"`).
app.autodiscover_tasks(["outreach.calls", "outreach.postcards", "outreach.lists", "outreach.reports"])
app.autodiscover_tasks(["outreach"], related_name="outbox")
# The lapse model's task keeps scikit-learn out of the processes that only serve pages.
app.autodiscover_tasks(["outreach.reports"], related_name="lapse_tasks")
