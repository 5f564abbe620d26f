"""Django set-up for the benchmark scripts, run from the repository root: python bench/<script>.py."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccus.settings")
    import django

    django.setup()
