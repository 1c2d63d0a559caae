"""Fails when a French message is missing, fuzzy, or not compiled into the .mo file.

validate.sh first runs `makemessages -l fr --no-location` (when gettext is installed), so a
new message in the code without its French translation fails the gate here.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _translations(catalog) -> dict:
    """What a catalog (.po or .mo) translates: each message to its translation(s)."""
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): (entry.msgstr, sorted(entry.msgstr_plural.items()))
        for entry in catalog.translated_entries()
    }


def catalog_problems(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    problems = [f"untranslated: {entry.msgid!r}" for entry in po.untranslated_entries()]
    problems += [f"fuzzy: {entry.msgid!r}" for entry in po.fuzzy_entries()]
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [*problems, f"{mo_path} is missing: run compilemessages"]
    if _translations(polib.mofile(str(mo_path))) != _translations(po):
        problems.append(f"{mo_path} does not hold the translations of its .po: run compilemessages")
    return problems


class Command(BaseCommand):
    help = "Checks that every message has its French translation, compiled."

    def handle(self, *args, **options):
        problems = []
        for locale_dir in settings.LOCALE_PATHS:
            problems += catalog_problems(Path(locale_dir) / "fr" / "LC_MESSAGES" / "django.po")
        if problems:
            raise CommandError("Translations incomplete:\n  " + "\n  ".join(problems))
        self.stdout.write(self.style.SUCCESS("French translations complete and compiled."))
