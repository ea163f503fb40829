"""python manage.py referential load | applicable | export

- load [--file PATH]: load fixtures/rnq/*.yaml (or one file); safe to re-run.
- applicable --version v10 --categories AF,APP [--certifying] [--alternance] [--afest]
  [--subcontracting] [--new-entrant | --new-entrant-in BC,APP] [--cnefop]: the applicable
  numbers, ascending, on one line.
- export --version v9: a JSON list, one object per indicator.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.referential import loader
from indicators.referential.applicability import CATEGORIES, Scope, evaluate
from indicators.referential.models import ReferentialVersion
from indicators.referential.selectors import rules_for_version


class Command(BaseCommand):
    help = "Charge le référentiel, calcule les indicateurs applicables, exporte une version."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="charge fixtures/rnq/*.yaml")
        load.add_argument("--file", type=Path, action="append", dest="files")
        applicable = actions.add_parser("applicable", help="indicateurs applicables")
        applicable.add_argument("--version", required=True)
        applicable.add_argument("--categories", required=True, help="ex. AF,APP")
        for flag in (
            "certifying",
            "alternance",
            "afest",
            "subcontracting",
            "new-entrant",
            "cnefop",
        ):
            applicable.add_argument(f"--{flag}", action="store_true")
        applicable.add_argument("--new-entrant-in", default="", help="ex. APP")
        export = actions.add_parser("export", help="export JSON d'une version")
        export.add_argument("--version", required=True)

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _version(self, code: str) -> ReferentialVersion:
        version = ReferentialVersion.objects.filter(code=code).first()
        if version is None:
            known = (
                ", ".join(
                    ReferentialVersion.objects.order_by("in_force_from").values_list(
                        "code", flat=True
                    )
                )
                or "-"
            )
            raise CommandError(f"unknown referential version {code!r} (loaded: {known})")
        return version

    def _load(self, options) -> None:
        paths = options["files"] or loader.fixture_paths()
        if not paths:
            raise CommandError(f"no fixture in {loader.FIXTURES_DIR}")
        for path in paths:
            try:
                report = loader.load(path)
            except (loader.ReferentialFileError, OSError) as error:
                raise CommandError(str(error)) from error
            state = "loaded" if report.changed else "already up to date"
            self.stdout.write(
                f"{report.code}: {report.criteria} criteria, {report.indicators} indicators "
                f"({state})"
            )

    @staticmethod
    def _categories(value: str, *, required: bool) -> list[str]:
        categories = [code.strip().upper() for code in value.split(",") if code.strip()]
        unknown = [code for code in categories if code not in CATEGORIES]
        if unknown or (required and not categories):
            given = ", ".join(unknown) or "(none)"
            raise CommandError(f"unknown category {given}; expected {','.join(CATEGORIES)}")
        return categories

    def _applicable(self, options) -> None:
        version = self._version(options["version"])
        categories = self._categories(options["categories"], required=True)
        new_entrant_in = self._categories(options["new_entrant_in"], required=False)
        if set(new_entrant_in) - set(categories):
            raise CommandError("--new-entrant-in: every category must be in --categories")
        scope = Scope(
            categories=frozenset(categories),
            certifying=options["certifying"],
            alternance=options["alternance"],
            afest=options["afest"],
            subcontracting=options["subcontracting"],
            new_entrant=options["new_entrant"],
            new_entrant_categories=frozenset(new_entrant_in),
            cnefop=options["cnefop"],
        )
        result = evaluate(rules_for_version(version), scope)
        self.stdout.write(" ".join(str(number) for number in result.numbers))

    def _export(self, options) -> None:
        version = self._version(options["version"])
        rows = [
            {
                "number": indicator.number,
                "criterion": indicator.criterion.number,
                "title": indicator.title,
                "fundamental": indicator.is_fundamental,
                "new_entrant_deferred": indicator.is_new_entrant_deferred,
                "reduced_audit": indicator.is_in_reduced_audit,
            }
            for indicator in version.indicators.select_related("criterion").order_by("number")
        ]
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
