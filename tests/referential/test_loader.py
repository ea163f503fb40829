"""Loading the referential: both versions, idempotence, and malformed files that change nothing."""

from pathlib import Path

import pytest

from indicators.referential import loader
from indicators.referential.models import Criterion, Indicator, ReferentialVersion

pytestmark = pytest.mark.django_db

V9 = loader.FIXTURES_DIR / "v9.yaml"
FUNDAMENTAL = {4, 5, 6, 7, 10, 11, 14, 15, 16, 20, 21, 22, 26, 27, 29, 31, 32}


def _state() -> tuple:
    return (
        list(ReferentialVersion.objects.values_list("code", "source_sha256").order_by("code")),
        Criterion.objects.count(),
        list(Indicator.objects.values_list("version__code", "number", "title").order_by("pk")),
    )


def test_both_versions_are_loaded(world):
    v9 = ReferentialVersion.objects.get(code="v9")
    v10 = ReferentialVersion.objects.get(code="v10")
    assert (v9.indicators.count(), v10.indicators.count()) == (32, 33)
    assert (v9.criteria.count(), v10.criteria.count()) == (7, 7)
    assert str(v9.in_force_until) == "2026-10-31"
    assert (str(v10.in_force_from), v10.in_force_until) == ("2026-11-01", None)
    for version in (v9, v10):
        fundamental = set(
            version.indicators.filter(is_fundamental=True).values_list("number", flat=True)
        )
        assert fundamental == FUNDAMENTAL
    new = v10.indicators.get(number=33)
    assert (new.criterion.number, new.change_kind, new.applies_app, new.applies_af) == (
        7,
        "new",
        "always",
        "never",
    )
    assert v9.indicators.get(number=1).requirement.startswith(
        "Le prestataire diffuse une information accessible au public, détaillée et vérifiable"
    )
    reworded = set(v10.indicators.filter(change_kind="reworded").values_list("number", flat=True))
    assert reworded == {1, 2, 3, 7, 12, 14, 15, 19, 20, 27, 30, 32}
    assert v10.indicators.get(number=31).change_kind == "form_only"
    assert all(i.typical_evidence for i in Indicator.objects.all())
    ranks = dict(
        Indicator.objects.filter(version=v9, top_nc_rank__isnull=False).values_list(
            "number", "top_nc_rank"
        )
    )
    assert ranks == {1: 1, 2: 2, 26: 3, 12: 4, 9: 5, 5: 6, 11: 7, 6: 8, 10: 9, 30: 10}


def test_loading_again_changes_nothing(world):
    before = _state()
    report = loader.load(V9)
    assert (report.code, report.indicators, report.changed) == ("v9", 32, False)
    assert _state() == before


def test_an_edited_file_updates_in_place(world, tmp_path):
    edited = tmp_path / "v9.yaml"
    text = V9.read_text(encoding="utf-8")
    edited.write_text(text.replace("Information du public", "Information du public (modifié)", 1))
    pks = list(Indicator.objects.filter(version__code="v9").values_list("pk", flat=True))
    report = loader.load(edited)
    assert report.changed is True
    assert list(Indicator.objects.filter(version__code="v9").values_list("pk", flat=True)) == pks


def _line_of(text: str, needle: str, start: int = 0) -> int:
    return text[: text.index(needle, start)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ("fundamental: false", "fundamental: peut-être", "fundamental", "expected bool, got str"),
        ("reason: common", "reason: habituel", "reason", "'habituel' is not one of"),
        ("AF: always", "AF: parfois", "AF", "'parfois' is not one of"),
        ("top_nc_rank: 1", "top_nc_rank: 11", "top_nc_rank", "must be between 1 and 10"),
        ("criterion: 1", "criterion: 9", "criterion", "unknown criterion 9"),
        ("reduced_audit: true", "reduced_audit: true\n    colour: bleu", "colour", "unknown key"),
    ],
)
def test_malformed_file_names_file_line_and_field_and_changes_nothing(
    world, tmp_path, old, new, field, problem
):
    text = V9.read_text(encoding="utf-8")
    broken = tmp_path / "v9.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    expected_line = _line_of(text, old) + (1 if field == "colour" else 0)
    before = _state()
    with pytest.raises(loader.ReferentialFileError) as error:
        loader.load(broken)
    assert str(error.value).startswith(f"{broken}:{expected_line}: {field}: "), str(error.value)
    assert problem in str(error.value)
    assert _state() == before


def test_missing_key_is_reported(world, tmp_path):
    text = V9.read_text(encoding="utf-8")
    start = text.index("expected_level:")
    end = text.index("\n    applicability:", start)
    broken = tmp_path / "v9.yaml"
    broken.write_text(text[:start] + text[end + 1 :].lstrip(" "), encoding="utf-8")
    with pytest.raises(loader.ReferentialFileError) as error:
        loader.load(broken)
    # The line is where the indicator that lacks the key starts (indicator 1).
    assert str(error.value) == f"{broken}:35: expected_level: missing"


def test_yaml_syntax_error_is_reported_with_its_line(world, tmp_path):
    broken = tmp_path / "v9.yaml"
    broken.write_text("version:\n  code: v9\n  name: [unclosed\n", encoding="utf-8")
    before = _state()
    with pytest.raises(loader.ReferentialFileError) as error:
        loader.load(broken)
    assert str(error.value).startswith(f"{broken}:4: YAML: while parsing a flow sequence")
    assert _state() == before


def test_indicator_numbers_must_follow_each_other(world, tmp_path):
    text = V9.read_text(encoding="utf-8")
    broken = tmp_path / "v9.yaml"
    broken.write_text(text.replace("- number: 2\n", "- number: 42\n", 1), encoding="utf-8")
    with pytest.raises(loader.ReferentialFileError) as error:
        loader.load(broken)
    assert "indicators: numbers must run 1..n in order" in str(error.value)


def test_fixture_paths_lists_both_versions():
    assert [path.name for path in loader.fixture_paths()] == ["v10.yaml", "v9.yaml"]
    assert isinstance(loader.fixture_paths()[0], Path)
