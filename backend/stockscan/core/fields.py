"""Input fields and validators every app's serializers share, so that one rule holds for
every field of its kind: names, usernames, email addresses, decimals."""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Control characters (Cc: NUL, tab, newline, escape…) and invisible format characters (Cf:
# the bidirectional overrides U+202A to U+202E and isolates U+2066 to U+2069, zero-width spaces and
# joiners, the soft hyphen…). In a name they hide or reorder what a reader sees: a tenant or
# user named with U+202E shows text other than what it is.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})


def refuse_invisible_characters(value: str) -> None:
    """The validator of every name field (tenants, services, products, categories, users)."""
    for character in value:
        if unicodedata.category(character) in INVISIBLE_CATEGORIES:
            raise serializers.ValidationError(
                _("Control and invisible characters are not allowed here (found U+%(code)04X).")
                % {"code": ord(character)},
                code="invisible_character",
            )


# A username after NFKC: ASCII letters and digits and `_ . + -`, no "@" (an identifier with
# one is an email address at login, so a username cannot pose as someone's email).
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.+-]+\Z")


class UsernameField(serializers.CharField):
    """A new username, NFKC-normalised (fullwidth letters become ASCII ones), then ASCII only.

    Why ASCII rather than a mixed-script check: a username is how members recognise each
    other, and look-alikes are not only mixed-script (`ownerA` with a Cyrillic U+043E for
    its o) but also whole-script (U+0430 U+0440 U+0435 is all Cyrillic and reads as the Latin
    `ape`), which only Unicode's full confusables table would catch. Accents and other
    scripts belong in the first and last names, shown beside the username: free text,
    without invisible characters."""

    default_error_messages = {
        "invalid_username": _("Use only letters a-z, digits and the signs _ . + - (no accents, no spaces)."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = unicodedata.normalize("NFKC", super().to_internal_value(data))
        if not USERNAME_PATTERN.match(value):
            self.fail("invalid_username")
        return value


# The longest address RFC 5321 allows in a path, and the length of every email column.
EMAIL_MAX_LENGTH = 254


class EmailField(serializers.EmailField):
    """An email address that fits the database's varchar(254): a longer one is a field error
    (400), not an overflow in the database."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)


class ExponentNumber(float):
    """A JSON number written with an exponent (`1e3`), as the API's JSON parser reads it
    (core.parsers): a float that remembers how it was written."""


def written_with_exponent(data) -> bool:
    return isinstance(data, ExponentNumber) or (isinstance(data, str) and ("e" in data or "E" in data))


class DecimalField(serializers.DecimalField):
    """DRF's DecimalField, without negative zero (`-0.0` is stored and shown as `0`, as every
    other way of writing zero is) and without exponents: `1e3` or `"2E-1"` is refused, not
    read as 1000 or 0.2 — a quantity typed or scanned as 1e3 is a mistake, and no one
    writes a price or a quantity that way on purpose."""

    default_error_messages = {
        "exponent": _("Write the number in full, without an exponent (1000, not 1e3)."),
    }

    def to_internal_value(self, data):
        if written_with_exponent(data):
            self.fail("exponent")
        value = super().to_internal_value(data)
        if value is not None and value.is_zero() and value.is_signed():
            return value.copy_abs()
        return value


def require_whole_number(value, *, field: str) -> None:
    """Pieces are counted whole: 1.5 pieces is a typing mistake (a half-used container is an
    opened line with what remains of it, not a fraction of a piece)."""
    if value is not None and value != value.to_integral_value():
        raise serializers.ValidationError({field: [_("Pieces are counted in whole numbers.")]}, code="whole_pieces")
