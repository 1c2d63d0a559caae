"""Fails when a French message is missing, fuzzy, or not compiled into the .mo file.

validate.sh first runs `makemessages -l fr --no-location` (when gettext is installed), so a
new message in the code without its French translation fails the gate here.
"""

import ast
import gettext
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def read_po(path: Path) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """msgid → msgstr of a .po file (the singular form for plurals, empty when any form is
    missing), the msgids marked fuzzy, and msgid → msgid_plural of the plural messages."""
    entries: dict[str, str] = {}
    fuzzy: list[str] = []
    plurals: dict[str, str] = {}
    current: dict[str, str] = {}
    forms: list[str] = []
    key = None
    is_fuzzy = False

    def flush():
        nonlocal is_fuzzy
        if current.get("msgid"):
            msgid = current["msgid"]
            if "msgid_plural" in current:
                plurals[msgid] = current["msgid_plural"]
                entries[msgid] = forms[0] if forms and all(forms) else ""
            else:
                entries[msgid] = current.get("msgstr", "")
            if is_fuzzy:
                fuzzy.append(msgid)
        current.clear()
        forms.clear()
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
        elif line.startswith("msgid_plural "):
            key = "msgid_plural"
            current[key] = ast.literal_eval(line[13:])
        elif line.startswith("msgstr["):
            key = None
            forms.append(ast.literal_eval(line.split("] ", 1)[1]))
        elif line.startswith("msgstr "):
            key = "msgstr"
            current[key] = ast.literal_eval(line[7:])
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif line.startswith('"') and forms:
            forms[-1] += ast.literal_eval(line)
    flush()
    return entries, fuzzy, plurals


class Command(BaseCommand):
    help = "Checks that every message has its French translation, compiled."

    def handle(self, *args, **options):
        problems = []
        for locale_dir in settings.LOCALE_PATHS:
            po_path = Path(locale_dir) / "fr" / "LC_MESSAGES" / "django.po"
            mo_path = po_path.with_suffix(".mo")
            entries, fuzzy, plurals = read_po(po_path)
            problems += [f"untranslated: {msgid!r}" for msgid, msgstr in entries.items() if not msgstr]
            problems += [f"fuzzy: {msgid!r}" for msgid in fuzzy]
            if not mo_path.exists():
                problems.append(f"{mo_path} is missing: run compilemessages")
                continue
            with mo_path.open("rb") as mo_file:
                compiled = gettext.GNUTranslations(mo_file)
            stale = [
                msgid
                for msgid, msgstr in entries.items()
                if msgstr
                and (compiled.ngettext(msgid, plurals[msgid], 1) if msgid in plurals else compiled.gettext(msgid))
                != msgstr
            ]
            if stale:
                problems.append(f"{mo_path} is older than its .po ({len(stale)} messages): run compilemessages")
        if problems:
            raise CommandError("Translations incomplete:\n  " + "\n  ".join(problems))
        self.stdout.write(self.style.SUCCESS("French translations complete and compiled."))
