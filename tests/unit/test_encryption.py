"""Encryption at rest for a young person's optional name (joinedup/platform/encryption.py)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from joinedup.platform.encryption import DecryptionFailed, decrypt_text, derive_key, encrypt_text, rotate_text

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


@given(st.text(min_size=1, max_size=200))
def test_round_trip_and_never_plain(text):
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_A]):
        token = encrypt_text(text)
        if len(text) >= 8:  # shorter strings could occur in the base64 by chance
            assert text not in token
        assert decrypt_text(token) == text


def test_empty_stays_empty():
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_A]):
        assert encrypt_text("") == ""
        assert decrypt_text("") == ""


def test_each_encryption_is_different():
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_A]):
        assert encrypt_text("Jordan Smith") != encrypt_text("Jordan Smith")


def test_rotation_new_key_first_reads_old_tokens_and_rotates_them():
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_A]):
        old = encrypt_text("Jordan Smith")
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_B, KEY_A]):
        assert decrypt_text(old) == "Jordan Smith"
        rotated = rotate_text(old)
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_B]):
        assert decrypt_text(rotated) == "Jordan Smith"
        with pytest.raises(DecryptionFailed):
            decrypt_text(old)


def test_wrong_key_fails_loudly():
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_A]):
        token = encrypt_text("Jordan Smith")
    with override_settings(JOINEDUP_FIELD_KEYS=[KEY_B]), pytest.raises(DecryptionFailed):
        decrypt_text(token)


@pytest.mark.parametrize("keys", [[], ["not-a-key"]])
def test_missing_or_malformed_keys_are_a_configuration_error(keys):
    with override_settings(JOINEDUP_FIELD_KEYS=keys), pytest.raises(ImproperlyConfigured):
        encrypt_text("Jordan Smith")


def test_derived_key_is_a_valid_stable_fernet_key():
    key = derive_key("some secret")
    assert key == derive_key("some secret") != derive_key("another")
    Fernet(key.encode())
