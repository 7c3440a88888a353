"""The wire protocol shared by the browser (static/messages.js), the Python client and the server's checks.

Each device holds a P-256 key pair and, where it can, an X25519 one. Two devices use X25519 when both published
one, else P-256. The pair's AES-256-GCM key is HKDF-SHA256 over the ECDH secret with the salt and info below;
each envelope is nonce (12 random bytes) || ciphertext || tag, with the associated data binding it to its
conversation, sender device, recipient device and the sender's message id. Described in README.md."""
from __future__ import annotations

import base64
import hashlib
import re

P256 = "P-256"
X25519 = "X25519"
CURVES = (X25519, P256)  # preference order
RAW_KEY_BYTES = {P256: 65, X25519: 32}

VERSION = "masthead-dm-v1"
HKDF_SALT = VERSION.encode()
NONCE_BYTES = 12
PLAINTEXT_MAX_BYTES = 64 * 1024
# An envelope: nonce + the plaintext (JSON around it) + the GCM tag.
ENVELOPE_MAX_BYTES = NONCE_BYTES + PLAINTEXT_MAX_BYTES + 1024 + 16
# Unpadded base64url, as b64encode writes it: what b64decode reads without skipping or guessing anything.
BASE64URL_PATTERN = "(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?"
# The longest base64url text of at most ENVELOPE_MAX_BYTES bytes.
ENVELOPE_MAX_CHARS = (ENVELOPE_MAX_BYTES * 4 + 2) // 3
# Raw public points in base64url: P-256 is 65 bytes starting 0x04 (uncompressed), X25519 32 bytes.
KEY_PATTERNS = {P256: "B[A-P][A-Za-z0-9_-]{85}", X25519: "[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]"}


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_base64url(text: str) -> bool:
    return re.fullmatch(BASE64URL_PATTERN, text) is not None


def choose_curve(mine: dict[str, str], theirs: dict[str, str]) -> str:
    """X25519 when both devices published an X25519 key, else P-256 (every device has one)."""
    for curve in CURVES:
        if curve in mine and curve in theirs:
            return curve
    raise ValueError("the two devices share no curve")


def hkdf_info(curve: str, device_a: int, device_b: int) -> bytes:
    low, high = sorted((device_a, device_b))
    return f"{VERSION} aes-256-gcm {curve} {low}:{high}".encode()


def associated_data(conversation_id: int, sender_device: int, recipient_device: int, client_id: str) -> bytes:
    return f"{VERSION}|{conversation_id}|{sender_device}|{recipient_device}|{client_id}".encode()


def member_line(handle: str, devices: dict[int, dict[str, str]]) -> str:
    keys = sorted(f"{device_id}:{curve}:{key}" for device_id, public_keys in devices.items()
                  for curve, key in public_keys.items())
    return f"{handle}={','.join(keys)}"


def key_fingerprint(handle: str, devices: dict[int, dict[str, str]]) -> str:
    """What a client remembers of someone's keys, to tell its person when they change."""
    return hashlib.sha256(member_line(handle, devices).encode()).hexdigest()[:32]


def safety_number(members: dict[str, dict[int, dict[str, str]]]) -> str:
    """Twelve groups of five digits over every member's device keys; equal on both sides iff the keys are."""
    text = f"{VERSION} safety-number\n" + "\n".join(sorted(member_line(h, d) for h, d in members.items()))
    digest = hashlib.sha512(text.encode()).digest()
    return " ".join(f"{int.from_bytes(digest[i * 5:i * 5 + 5], 'big') % 100000:05d}" for i in range(12))


def check_public_keys(public_keys: object) -> dict[str, str]:
    """Raise ValueError unless `public_keys` maps known curves to base64url raw points, P-256 among them."""
    if not isinstance(public_keys, dict) or P256 not in public_keys:
        raise ValueError("public_keys must include a P-256 key")
    checked: dict[str, str] = {}
    for curve, key in public_keys.items():
        if curve not in RAW_KEY_BYTES:
            raise ValueError(f"unknown curve {curve!r}; use {' or '.join(CURVES)}")
        try:
            raw = b64decode(key) if isinstance(key, str) and re.fullmatch(KEY_PATTERNS[curve], key) else b""
        except ValueError:
            raw = b""
        if len(raw) != RAW_KEY_BYTES[curve] or (curve == P256 and raw[0] != 4):
            raise ValueError(f"the {curve} key must be the base64url raw public key ({RAW_KEY_BYTES[curve]} bytes)")
        checked[curve] = key
    return checked
