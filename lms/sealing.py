"""Envelope encryption for text that must become unreadable the moment it is erased (crypto-shredding).

Each record gets a data key of its own (AES-256-GCM). The data key is stored wrapped (encrypted) with
the installation's master key, in a table of its own; erasing the record deletes its data key, and
with it every copy of the text: in the table, in SQLite's WAL and free pages, in PostgreSQL's dead
tuples and WAL. A backup taken earlier still holds the wrapped data key: it opens only with the
master key of that time, so rotating the master key (`lms case-key rotate`) and destroying the old
one makes every earlier backup unreadable too (docs/privacy.md: how often).

Master keys come from `LMS_CASE_KEY` (comma-separated, urlsafe base64 of 32 bytes; the first wraps new
data keys, the others are still read) or, unset, from `instance/case_key` (one key a line, generated
on first use, mode 0600). Every wrapped key carries the id of the master key that wrapped it, and
every ciphertext is bound to its record (`context`), so a blob copied to another row does not open.
"""
import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from lms.config import instance_file, private_temporary

KEY_FILE = "case_key"
NONCE_BYTES = 12
EXTENSION = "lms.keyring"  # (what it was read from, the Keyring)


class KeyUnavailable(RuntimeError):
    """The master key that wrapped a data key is not configured (retired, or another installation's)."""


def key_id(key: bytes) -> str:
    """A short public name of a master key: stored beside each data key it wrapped."""
    return hashlib.sha256(b"lms-master-key:" + key).hexdigest()[:16]


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def decode_keys(text: str) -> tuple[bytes, ...]:
    """Master keys from a comma- or newline-separated list; each must be 32 bytes."""
    keys = tuple(base64.urlsafe_b64decode(part.strip()) for part in text.replace("\n", ",").split(",")
                 if part.strip())
    if not keys or any(len(key) != 32 for key in keys):
        raise ValueError("a case key is 32 bytes in urlsafe base64 (lms case-key new prints one)")
    return keys


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt *plaintext* under *key*, bound to *context*: nonce followed by ciphertext and tag."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def unseal(key: bytes, blob: bytes, *, context: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context)


@dataclass(frozen=True)
class Keyring:
    keys: tuple[bytes, ...]  # the first wraps new data keys

    @property
    def current_id(self) -> str:
        return key_id(self.keys[0])

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        return self.current_id, seal(self.keys[0], data_key, context=context)

    def unwrap(self, wrapped_by: str, blob: bytes, *, context: bytes) -> bytes:
        for key in self.keys:
            if key_id(key) == wrapped_by:
                return unseal(key, blob, context=context)
        raise KeyUnavailable(f"master key {wrapped_by} is not configured")


def key_file(instance_path: str | Path) -> Path:
    return Path(instance_path) / KEY_FILE


def write_key_file(path: Path, keys: tuple[bytes, ...]) -> None:
    """Replace the key file atomically (a private temporary file, renamed into place)."""
    os.replace(private_temporary(path, "".join(encode_key(key) + "\n" for key in keys)), path)


def _instance_keys(path: Path) -> tuple[bytes, ...]:
    """The instance's keys, generating the file on first use (one file, also for a parallel first start)."""
    return decode_keys(instance_file(path, lambda: encode_key(new_key()) + "\n"))


def keyring() -> Keyring:
    """The app's master keys: `CASE_KEY` from the configuration, else the instance's key file, read
    again whenever the file changed (a rotation rewrites it while the app runs)."""
    app = current_app
    configured = app.config.get("CASE_KEY")
    if configured:
        stamp, load = configured, lambda: decode_keys(configured)
    else:
        path = key_file(app.instance_path)
        stamp = path.stat().st_mtime_ns if path.exists() else None
        load = lambda: _instance_keys(path)  # noqa: E731
    cached = app.extensions.get(EXTENSION)
    if cached is None or cached[0] != stamp or stamp is None:
        keys = load()
        if not configured:
            stamp = key_file(app.instance_path).stat().st_mtime_ns
        cached = app.extensions[EXTENSION] = (stamp, Keyring(keys))
    return cached[1]
