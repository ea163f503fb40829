import pytest
from django.core.exceptions import ValidationError

from qualiopi_portal.tenancy.validators import (
    luhn_is_valid,
    validate_nda,
    validate_organisation_slug,
    validate_siret,
)


@pytest.mark.parametrize("siret", ["73282932000074", "35600000000001", "44306184100047"])
def test_valid_sirets_pass(siret):
    validate_siret(siret)


@pytest.mark.parametrize(
    ("siret", "code"),
    [
        ("73282932000075", "siret_key"),  # last digit changed
        ("7328293200007", "siret_format"),  # 13 digits
        ("732829320000744", "siret_format"),  # 15 digits
        ("7328293200007A", "siret_format"),
        ("732 829 320 00074", "siret_format"),
        ("", "siret_format"),
        ("35600000000002", "siret_key"),  # La Poste rule: digit sum not a multiple of 5
    ],
)
def test_invalid_sirets_are_refused_in_french(siret, code):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert error.value.code == code
    assert "SIRET" in error.value.messages[0]


def test_luhn():
    assert luhn_is_valid("79927398713")
    assert not luhn_is_valid("79927398710")


@pytest.mark.parametrize("nda", ["11755555575", "76340912734"])
def test_valid_nda(nda):
    validate_nda(nda)


@pytest.mark.parametrize("nda", ["1175555557", "117555555750", "11 75555557", "1175555557X", ""])
def test_invalid_nda(nda):
    with pytest.raises(ValidationError) as error:
        validate_nda(nda)
    assert error.value.messages == [
        "Le numéro de déclaration d'activité (NDA) doit comporter exactement 11 chiffres, "
        "sans espace."
    ]


@pytest.mark.parametrize("slug", ["abc", "cooperative-solstice", "cfa-2", "a" * 40])
def test_valid_slugs(slug):
    validate_organisation_slug(slug)


@pytest.mark.parametrize(
    "slug", ["ab", "a" * 41, "-abc", "abc-", "Abc", "ab_c", "éco", "a/b", "ab c"]
)
def test_malformed_slugs(slug):
    with pytest.raises(ValidationError) as error:
        validate_organisation_slug(slug)
    assert error.value.code == "slug_format"


@pytest.mark.parametrize("slug", ["admin", "public", "template", "pg-catalog"])
def test_reserved_slugs(slug):
    with pytest.raises(ValidationError) as error:
        validate_organisation_slug(slug)
    assert error.value.code == "slug_reserved"
