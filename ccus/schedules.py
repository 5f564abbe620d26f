"""When and where the background tasks run: every periodic task and every queue, declared once.

Pure data (task names are strings, nothing is imported): `ccus.periodic_tasks.install`
turns `SCHEDULES` into django-celery-beat rows (from the last outreach migration and from
`manage.py setup_periodic_tasks`), and settings reads `TASK_QUEUES`. After that the rows
are editable in the admin (定期タスク); the names below are how the installer finds them,
so keep them (tests and the fault drill look some of them up).
"""

from dataclasses import dataclass

TIMEZONE = "Asia/Tokyo"


@dataclass(frozen=True)
class Crontab:
    """A crontab in Japan's time (django-celery-beat's CrontabSchedule)."""

    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    timezone: str = TIMEZONE


@dataclass(frozen=True)
class Every:
    """A fixed interval (django-celery-beat's IntervalSchedule); `period` is one of its periods."""

    every: int
    period: str


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    when: Crontab | Every
    # A run still waiting after this many seconds is dropped (the next one supersedes it).
    expire_seconds: int | None = None
    # Names the row had before: such a row is renamed (with its admin edits), not duplicated.
    formerly: tuple[str, ...] = ()


SCHEDULES = (
    Periodic("督促の日次スキャン (run_reminders)", "outreach.tasks.run_reminders_task", Crontab(minute="0", hour="7")),
    Periodic("送信待ちの再投入 (sweep_outbox)", "outreach.tasks.sweep_outbox_task", Every(5, "minutes")),
    Periodic(
        "はがき印刷バッチの作成（毎週月曜） (build_postcard_batch)",
        "outreach.tasks.weekly_postcard_batch_task",
        Crontab(minute="0", hour="8", day_of_week="1"),
    ),
    # One row fans out to one list (and one build task) per association, including associations
    # added later; to build one association alone, add a row in the admin with args ["CODE"].
    Periodic(
        "下請更新状況リストの月次作成 (build_association_lists)",
        "outreach.tasks.build_association_lists_task",
        Crontab(minute="0", hour="5", day_of_month="1"),
    ),
    Periodic(
        "ワーカーの稼働確認（1分ごと）",
        "outreach.tasks.heartbeat_task",
        Every(1, "minutes"),
        formerly=("ワーカーの稼働確認 (heartbeat)",),
    ),
    Periodic(
        "更新ダッシュボードの再計算", "outreach.tasks.refresh_dashboard_task", Every(5, "minutes"), expire_seconds=300
    ),
    Periodic(
        "取り込み待ちファイルの削除 (pending_uploads_sweep)",
        "registrations.tasks.pending_uploads_sweep_task",
        Every(1, "hours"),
    ),
    Periodic("失効の記録 (mark_lapsed)", "renewals.tasks.mark_lapsed_task", Crontab(minute="30", hour="0")),
    # After mark_lapsed, before the scan: the morning's call queue is ordered by last night's risks.
    Periodic(
        "失効リスクモデルの学習と採点 (train_lapse_model)",
        "outreach.tasks.train_lapse_model_task",
        Crontab(minute="0", hour="3"),
    ),
)

# Past one machine (CELERY_QUEUE_BY_KIND): the queue of each kind of work; every other task
# goes to the default `celery` queue.
TASK_QUEUES = {
    "mail": [
        "outreach.tasks.send_email_task",
        "outreach.tasks.enqueue_scan_emails_task",
        "outreach.tasks.sweep_outbox_task",
    ],
    "pdf": [
        "outreach.tasks.build_postcard_batch_task",
        "outreach.tasks.weekly_postcard_batch_task",
        "outreach.tasks.committee_report_task",
    ],
    "lists": [
        "outreach.tasks.build_subcontractor_list_task",
        "outreach.tasks.build_association_lists_task",
        "outreach.tasks.expand_subcontractor_lists_task",
        "outreach.tasks.write_subcontractor_list_files_task",
        "registrations.tasks.export_task",
    ],
}
