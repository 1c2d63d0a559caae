"""`manage.py check_translations`, the gate's translation step: every French message is
translated, none is fuzzy, and the compiled .mo holds what the .po says."""

from pathlib import Path

import polib
import pytest
from django.core.management import CommandError, call_command

HEADER = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n > 1);"}


def _entries() -> list[polib.POEntry]:
    return [
        polib.POEntry(msgid="Not found.", msgstr="Introuvable."),
        polib.POEntry(msgid="Invalid page.", msgstr="Page non valide.", msgctxt="pagination"),
        polib.POEntry(
            msgid="%(count)s line",
            msgid_plural="%(count)s lines",
            msgstr_plural={0: "%(count)s ligne", 1: "%(count)s lignes"},
            flags=["python-format"],
        ),
    ]


@pytest.fixture
def catalog(tmp_path, settings) -> polib.POFile:
    """A French catalog in the project's only locale directory, compiled."""
    settings.LOCALE_PATHS = [tmp_path]
    path = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = HEADER
    po.extend(_entries())
    po.save(str(path))
    po.save_as_mofile(str(path.with_suffix(".mo")))
    return po


def _check() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("check_translations")
    return str(failure.value)


def test_the_projects_translations_are_complete_and_compiled(capsys):
    call_command("check_translations")

    assert "complete and compiled" in capsys.readouterr().out


def test_a_complete_compiled_catalog_passes(catalog, capsys):
    call_command("check_translations")

    assert "complete and compiled" in capsys.readouterr().out


@pytest.mark.parametrize(
    "entry",
    [
        polib.POEntry(msgid="Out of stock."),
        polib.POEntry(
            msgid="%(count)s item", msgid_plural="%(count)s items", msgstr_plural={0: "%(count)s article", 1: ""}
        ),
    ],
    ids=["message", "plural-form"],
)
def test_an_untranslated_message_fails(catalog, entry):
    catalog.append(entry)
    catalog.save()
    catalog.save_as_mofile(str(Path(catalog.fpath).with_suffix(".mo")))

    assert f"untranslated: {entry.msgid!r}" in _check()


def test_a_fuzzy_message_fails_even_translated(catalog):
    catalog.append(polib.POEntry(msgid="Out of stock.", msgstr="Rupture de stock.", flags=["fuzzy"]))
    catalog.save()
    catalog.save_as_mofile(str(Path(catalog.fpath).with_suffix(".mo")))

    assert "fuzzy: 'Out of stock.'" in _check()


def test_a_translation_changed_since_compiling_fails(catalog):
    catalog.find("Not found.").msgstr = "Pas trouvé."
    catalog.save()

    assert "does not hold the translations of its .po: run compilemessages" in _check()


def test_a_message_added_since_compiling_fails(catalog):
    catalog.append(polib.POEntry(msgid="Out of stock.", msgstr="Rupture de stock."))
    catalog.save()

    assert "run compilemessages" in _check()


def test_a_missing_compiled_catalog_fails(catalog):
    Path(catalog.fpath).with_suffix(".mo").unlink()

    assert "django.mo is missing: run compilemessages" in _check()
