"""Fails when a French message is missing, fuzzy, or not compiled into the .mo file.

validate.sh first runs `makemessages -l fr --no-location` (when gettext is installed), so a
new message in the code without its French translation fails the gate here.
"""

import ast
import gettext
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def read_po(path: Path) -> tuple[dict[str, str], list[str]]:
    """msgid → msgstr of a .po file, and the msgids marked fuzzy."""
    entries: dict[str, str] = {}
    fuzzy: list[str] = []
    current: dict[str, str] = {}
    key = None
    is_fuzzy = False

    def flush():
        nonlocal is_fuzzy
        if current.get("msgid"):
            entries[current["msgid"]] = current.get("msgstr", "")
            if is_fuzzy:
                fuzzy.append(current["msgid"])
        current.clear()
        is_fuzzy = False

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            is_fuzzy = True
        elif line.startswith("msgid "):
            if "msgid" in current:
                flush()
            key = "msgid"
            current[key] = ast.literal_eval(line[6:])
        elif line.startswith("msgstr "):
            key = "msgstr"
            current[key] = ast.literal_eval(line[7:])
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    flush()
    return entries, fuzzy


class Command(BaseCommand):
    help = "Checks that every message has its French translation, compiled."

    def handle(self, *args, **options):
        problems = []
        for locale_dir in settings.LOCALE_PATHS:
            po_path = Path(locale_dir) / "fr" / "LC_MESSAGES" / "django.po"
            mo_path = po_path.with_suffix(".mo")
            entries, fuzzy = read_po(po_path)
            problems += [f"untranslated: {msgid!r}" for msgid, msgstr in entries.items() if not msgstr]
            problems += [f"fuzzy: {msgid!r}" for msgid in fuzzy]
            if not mo_path.exists():
                problems.append(f"{mo_path} is missing: run compilemessages")
                continue
            with mo_path.open("rb") as mo_file:
                compiled = gettext.GNUTranslations(mo_file)
            stale = [msgid for msgid, msgstr in entries.items() if msgstr and compiled.gettext(msgid) != msgstr]
            if stale:
                problems.append(f"{mo_path} is older than its .po ({len(stale)} messages): run compilemessages")
        if problems:
            raise CommandError("Translations incomplete:\n  " + "\n  ".join(problems))
        self.stdout.write(self.style.SUCCESS("French translations complete and compiled."))
