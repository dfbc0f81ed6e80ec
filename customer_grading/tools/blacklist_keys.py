"""Normalised keys the blacklist admission check compares (no ORM here)."""

import re
import unicodedata

PHONE_DIGITS = 9


def name_key(name):
    """Letters and digits only, case-folded: "ACME Co., Ltd." -> "acmecoltd"."""
    if not name:
        return False
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(char for char in text if char.isalnum()) or False


def vat_key(vat):
    """Tax id without spaces, dots and dashes, upper case."""
    if not vat:
        return False
    return re.sub(r"[^0-9A-Za-z]", "", vat).upper() or False


def email_key(email):
    if not email:
        return False
    return email.strip().lower() or False


def phone_key(phone):
    """The last nine digits: the same number with or without country or trunk
    prefix ("+86 21 5555 0100", "021-5555-0100") gives the same key."""
    if not phone:
        return False
    digits = re.sub(r"\D", "", phone)
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS - 2 else False


def keys(name, vat, email, phone):
    """``{key field: key}`` of the values that give a key."""
    values = {
        "name_key": name_key(name),
        "vat_key": vat_key(vat),
        "email_key": email_key(email),
        "phone_key": phone_key(phone),
    }
    return {field: key for field, key in values.items() if key}
