"""Second-factor secrets of the demo accounts: fixed and documented, so a visitor can sign in.

The key derives from the e-mail alone (not the seed): it is public by design and must only ever
protect demo accounts.
"""

import hashlib
from base64 import b32encode
from binascii import unhexlify

from django_otp.oath import TOTP

DEVICE_NAME = "Application d'authentification (démo)"


def demo_totp_key(email: str) -> str:
    """40 hex characters (20 bytes, the size authenticator apps expect), the TOTPDevice.key format."""
    seed = f"lda-demo-totp:{email.strip().lower()}".encode()
    return hashlib.sha1(seed, usedforsecurity=False).hexdigest()[:40]


def demo_totp_secret_base32(email: str) -> str:
    """The secret to type into an authenticator app (32 base32 characters)."""
    return b32encode(unhexlify(demo_totp_key(email))).decode()


def totp_token(
    key: bytes, *, step: int = 30, t0: int = 0, digits: int = 6, drift: int = 0, at: float | None = None
) -> str:
    totp = TOTP(key, step=step, t0=t0, digits=digits, drift=drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{digits}d}"


def current_totp(email: str, at: float | None = None) -> str:
    """The 6-digit code a demo account's authenticator shows now (or at Unix time `at`)."""
    return totp_token(unhexlify(demo_totp_key(email)), at=at)


def device_token(device, at: float | None = None) -> str:
    """The current code of a stored TOTPDevice, with its own step, origin, length and drift."""
    return totp_token(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift, at=at)
