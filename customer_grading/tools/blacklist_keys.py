"""Normalised keys the blacklist admission check compares (no ORM here): the
normalisations Odoo already ships, on plain values. Emails through Odoo's
``email_normalize``, phones in E.164 through ``phone_validation`` (the
``phonenumbers`` library), tax ids through python-stdnum."""

import unicodedata
from contextlib import suppress

from stdnum.exceptions import ValidationError as NumberError
from stdnum.util import clean, get_cc_module

from odoo.exceptions import UserError
from odoo.tools import email_normalize, email_normalize_all

from odoo.addons.phone_validation.tools.phone_validation import phone_format

# fewer digits than this are not a phone number
PHONE_MIN_DIGITS = 7


def name_key(name):
    """Letters and digits only, case-folded: "ACME Co., Ltd." -> "acmecoltd"."""
    if not name:
        return False
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(char for char in text if char.isalnum()) or False


def _vat_module(country_code):
    """python-stdnum's tax id module of a country ("CN": the unified social
    credit code), or None."""
    return get_cc_module(country_code.lower(), "vat") if country_code else None


def vat_key(vat, country_code=None):
    """The tax id as python-stdnum compacts it in its country: the country
    the number starts with ("CN…", "DE…"), else ``country_code``. The country
    prefix is left out, so that "CN 9131…" and "9131…" are one key."""
    if not vat:
        return False
    number = clean(vat, " -./,:").upper().strip()
    if number[:2].isalpha() and _vat_module(number[:2]):
        country_code, number = number[:2], number[2:]
    module = _vat_module(country_code)
    if module:
        with suppress(NumberError, ValueError):  # else compared as cleaned
            number = module.compact(number)
    return number or False


def email_key(email):
    """The (first) address, as Odoo normalises it: "Li <Li@X.cn>" -> "li@x.cn"."""
    return email_normalize(email, strict=False) if email else False


def email_keys(emails):
    """The normalised addresses of a field that may hold several."""
    return set(email_normalize_all(emails)) if emails else set()


def phone_key(phone, country_code=None):
    """The number in E.164 as Odoo formats it (``phone_validation``), read as
    dialled in ``country_code`` when it has no international prefix:
    "021-5555-0100" in CN -> "+862155550100", and "+1 215 555 0100" is
    another number. A number the library cannot read keeps its digits, so
    that the same typing still matches."""
    if not phone:
        return False
    try:
        return phone_format(phone, country_code or None, None, force_format="E164")
    except UserError:
        digits = "".join(char for char in phone if char.isdigit())
        return digits if len(digits) >= PHONE_MIN_DIGITS else False


def keys(name, vat, emails, phones, country_code=None):
    """``{key field: {keys}}`` of a partner's values that give a key: its
    name, tax id, every address of ``emails`` and every number of ``phones``,
    tax id and phones read in ``country_code``."""
    values = {
        "name_key": {name_key(name)},
        "vat_key": {vat_key(vat, country_code)},
        "email_key": email_keys(emails),
        "phone_key": {phone_key(phone, country_code) for phone in phones},
    }
    return {field: found - {False} for field, found in values.items() if found - {False}}
