"""The follow code 查询码 and the upload token of a citizen's report.

Both are derived from the complaint's id with the service secret (HMAC), so the server keeps
only their digests and can still answer a retried POST with the same code. The follow code is
what a person copies or reads out: 12 characters of Crockford's base32 (no I, L, O or U to
mistake), 60 bits, shown as XXXX-XXXX-XXXX; typed back, case, dashes and spaces do not matter,
and I/L read as 1, O as 0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
UPLOAD_PREFIX = "cup_"
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def _mac(secret: str, purpose: str, complaint_id: uuid.UUID) -> bytes:
    message = f"citizen-report:{purpose}:{complaint_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def follow_code(secret: str, complaint_id: uuid.UUID) -> str:
    number = int.from_bytes(_mac(secret, "follow", complaint_id)[:8], "big") >> 4  # 60 bits
    chars = []
    for _ in range(LENGTH):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    code = "".join(reversed(chars))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def normalised(typed: str) -> str | None:
    """The code as typed, in its canonical form; None when it cannot be one."""
    code = typed.strip().upper().translate(_TYPED)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def upload_token(secret: str, complaint_id: uuid.UUID) -> str:
    raw = _mac(secret, "upload", complaint_id)[:24]
    return UPLOAD_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
