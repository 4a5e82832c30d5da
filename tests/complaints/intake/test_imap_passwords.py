"""Mailbox passwords are encrypted at rest (Fernet), readable only through
``mailbox_password``, survive key rotation, and production refuses to run without a key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from complaints.intake.mailboxes import (
    mailbox_create,
    mailbox_password,
    mailbox_set_password,
    mailboxes_reencrypt_passwords,
)
from complaints.models import Mailbox
from tests.conftest import REPO
from trustsafety import crypto

pytestmark = pytest.mark.django_db

SECRET = "s3cret-Mailbox-pässword"


def _column(mailbox: Mailbox) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password_encrypted FROM complaints_mailbox WHERE id = %s", [mailbox.pk]
        )
        return bytes(cursor.fetchone()[0])


def _mailbox(password: str = SECRET) -> Mailbox:
    return mailbox_create(
        name="abuse-main", host="imap.example.net", username="abuse", password=password
    )


def test_the_password_is_stored_encrypted_and_read_back_by_the_accessor() -> None:
    mailbox = _mailbox()

    stored = _column(mailbox)
    assert SECRET.encode() not in stored
    assert stored != SECRET.encode()
    assert stored.startswith(b"gAAAAA")  # a Fernet token
    assert mailbox_password(Mailbox.objects.get(pk=mailbox.pk)) == SECRET


def test_the_same_password_encrypts_differently_each_time() -> None:
    first, second = (
        _mailbox(),
        mailbox_create(
            name="abuse-other", host="imap.example.net", username="abuse", password=SECRET
        ),
    )
    assert _column(first) != _column(second)


def test_setting_a_new_password_replaces_the_token() -> None:
    mailbox = _mailbox()
    before = _column(mailbox)

    mailbox_set_password(mailbox=mailbox, password="a-new-one")

    assert _column(mailbox) != before
    assert mailbox_password(Mailbox.objects.get(pk=mailbox.pk)) == "a-new-one"


def test_keys_rotate_new_key_first_then_reencrypt_then_drop_the_old_one(settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [old]
    mailbox = _mailbox()
    settings.FIELD_ENCRYPTION_KEY = [new, old]
    assert mailbox_password(Mailbox.objects.get(pk=mailbox.pk)) == SECRET  # old still reads

    assert mailboxes_reencrypt_passwords() == 1

    settings.FIELD_ENCRYPTION_KEY = [new]
    assert mailbox_password(Mailbox.objects.get(pk=mailbox.pk)) == SECRET
    settings.FIELD_ENCRYPTION_KEY = [old]
    with pytest.raises(crypto.DecryptionFailed):
        mailbox_password(Mailbox.objects.get(pk=mailbox.pk))


def test_a_malformed_key_is_a_configuration_error(settings) -> None:
    settings.FIELD_ENCRYPTION_KEY = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="key 1 is not a Fernet key"):
        crypto.encrypt("x")


def test_without_a_key_development_derives_one_from_the_secret_key(settings) -> None:
    settings.FIELD_ENCRYPTION_KEY = []
    token = crypto.encrypt("x")
    assert Fernet(crypto.derived_key(settings.SECRET_KEY)).decrypt(token) == b"x"
    settings.SECRET_KEY = "another-secret-key-" * 4
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)


def test_production_settings_refuse_to_start_without_a_key() -> None:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://desk@127.0.0.1:1/desk",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "FIELD_ENCRYPTION_KEY": "",
    }
    check = [sys.executable, "-c", "import trustsafety.settings"]
    refused = subprocess.run(check, cwd=REPO, env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required when DEBUG is off" in refused.stderr

    env["FIELD_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    accepted = subprocess.run(check, cwd=REPO, env=env, capture_output=True, text=True)
    assert "FIELD_ENCRYPTION_KEY" not in accepted.stderr
