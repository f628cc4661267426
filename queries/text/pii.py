"""Personal details out of every comment shown: e-mail addresses and phone numbers become
"[e-mail]" and "[phone]" before a comment leaves the query layer (page, pack, CLI, CSV)."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+%-]+\s*(?:@|\(at\)|\[at\]| at )\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*"
                   r"[\w-]+)*\s*(?:\.|\(dot\)|\[dot\])\s*[a-z]{2,}\b", re.IGNORECASE)
EMAIL_PLAIN = re.compile(r"[^\s@<>()\[\]]+@[^\s@<>()\[\]]+")
# 7 or more digits with the usual separators: (555) 123-4567, +1 555.123.4567, 5551234567.
PHONE = re.compile(r"(?<![\w])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\s?\d{2,4}\s?\)[\s.-]?)?"
                   r"\d(?:[\s.\-\u00a0\u2011-\u2015]?\d){6,14}(?![\w])")
MASK_EMAIL, MASK_PHONE = "[e-mail]", "[phone]"


def mask(text: object) -> str:
    """The text with every e-mail address and phone number replaced by a placeholder."""
    s = "" if text is None else str(text)
    s = EMAIL.sub(MASK_EMAIL, s)
    s = EMAIL_PLAIN.sub(MASK_EMAIL, s)
    return PHONE.sub(MASK_PHONE, s)
