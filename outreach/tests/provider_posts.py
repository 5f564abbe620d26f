"""Posting the providers' sample payloads to the tracking webhook, signed as each provider signs.

Used by the webhook tests, the fault drill and the benchmark.
"""

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path

PAYLOADS = Path(__file__).resolve().parent / "provider_payloads"
WEBHOOK_SECRET = "provider:webhook-secret"
MAILGUN_SIGNING_KEY = "mailgun-test-signing-key"
ANYMAIL_SETTINGS = {"WEBHOOK_SECRET": [WEBHOOK_SECRET], "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY}


def sample(name: str) -> dict:
    """A fresh copy of a sample payload (provider_payloads/NAME.json)."""
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))


def mailgun_signed(payload: dict, key: str = MAILGUN_SIGNING_KEY) -> dict:
    """Sign as Mailgun does: HMAC-SHA256 of timestamp + token with the webhook signing key."""
    block = payload["signature"]
    message = f"{block['timestamp']}{block['token']}".encode()
    block["signature"] = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
    return payload


def authorization(secret: str = WEBHOOK_SECRET) -> str:
    """The Authorization header of a webhook URL with user:password in it."""
    return "Basic " + base64.b64encode(secret.encode()).decode()


def url(provider: str) -> str:
    return f"/anymail/{provider}/tracking/"
