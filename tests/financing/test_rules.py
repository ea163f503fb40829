"""The funding rules, the catalogue and the budget, pinned on plain data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from financing import budget, rules
from financing.catalogue import CatalogueError, catalogue, parse

D = Decimal
CAT = catalogue()
REQUIRED_FROM = date(2022, 1, 1)


def _route(code: str):
    return CAT.route(code)


def test_the_catalogue_lists_every_route_with_its_sources():
    assert [(r.code, r.qualiopi_required, r.historical) for r in CAT.routes] == [
        ("opco", True, False),
        ("cpf_edof", True, False),
        ("transitions_pro", True, False),
        ("france_travail", True, False),
        ("region", True, False),
        ("agefiph", True, False),
        ("etat", True, False),
        ("apprenticeship_opco", True, False),
        ("employer_plan", False, False),
        ("personal", False, False),
        ("opca_group_account", False, True),
        ("professionalisation_period", False, True),
    ]
    assert all(route.sources for route in CAT.routes)
    assert CAT.qualiopi_required_from == REQUIRED_FROM
    ptp = [d.code for d in _route("transitions_pro").documents]
    assert "completion_certificate_monthly" in ptp
    # The CPF's « 80 % of attendance is paid in full » (seed 001) was pinned here as a threshold;
    # no text was found for it (Caisse des dépôts' conditions, Code du travail): it is no longer a
    # threshold, only a rule shown as unsourced.
    cpf = _route("cpf_edof")
    assert cpf.rules.attendance_threshold is None
    assert cpf.rules.verified is False
    assert cpf.rules.unsourced.startswith("À partir de 80 % de présence, la formation serait payée")
    assert [r.code for r in CAT.routes if r.cpf] == ["cpf_edof"]
    assert any("L6323-6" in source for source in cpf.sources)
    assert any("L6323-9-2" in source for source in cpf.sources)
    pp = _route("professionalisation_period")
    assert (pp.rules.min_hours_per_trainee, pp.rules.max_months, pp.valid_until) == (
        D("70"),
        24,
        date(2018, 12, 31),
    )
    assert _route("opca_group_account").rules.yearly_ceiling == D("4200")
    apprenticeship = _route("apprenticeship_opco")
    assert [d.code for d in apprenticeship.documents] == [
        "apprenticeship_contract",
        "training_agreement",
        "invoice",
    ]
    assert any("D6332-78" in source for source in apprenticeship.sources)


def _raw() -> dict:
    return {
        "version": "t",
        "qualiopi_required_from": date(2022, 1, 1),
        "qualiopi_source": "s",
        "documents": {
            "invoice": {
                "label": "F",
                "per": "financer",
                "frequency": "once",
                "note": "",
                "source": "s",
            }
        },
        "routes": [
            {
                "code": "x",
                "name": "X",
                "kind": "public",
                "qualiopi_required": True,
                "decides": "d",
                "documents": ["invoice"],
                "sources": ["s"],
            }
        ],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["routes"][0].update(colour="bleu"), "routes[0]: clé inconnue colour"),
        (lambda d: d["routes"][0].update(documents=["fax"]), "routes[0].documents: fax inconnu"),
        (lambda d: d["routes"][0].update(sources=[]), "routes[0].sources: au moins une source"),
        (lambda d: d["routes"][0].pop("decides"), "routes[0]: clé manquante decides"),
        (lambda d: d["routes"].append(dict(d["routes"][0])), "routes: deux voies ont le même code"),
        (
            lambda d: d["routes"][0].update(
                rules={"attendance_threshold": 80, "verified": False, "note": "", "source": "s"}
            ),
            "routes[0].rules.attendance_threshold: un seuil non vérifié n'est pas appliqué "
            "(décrivez-le dans unsourced)",
        ),
    ],
)
def test_a_malformed_catalogue_is_refused_with_the_field_named(change, message):
    assert parse(_raw()).route("x").name == "X"
    data = _raw()
    change(data)
    with pytest.raises(CatalogueError) as error:
        parse(data)
    assert str(error.value) == f"routes.yaml: {message}"


def _span(issued: date, *categories: str) -> rules.CertificateSpan:
    return rules.CertificateSpan(issued, categories or ("AF",))


@pytest.mark.parametrize(
    ("code", "starts_on", "category", "certificates", "expected"),
    [
        ("personal", date(2026, 6, 1), "AF", [], rules.Coverage.NOT_REQUIRED),
        ("opco", date(2021, 12, 31), "AF", [], rules.Coverage.NOT_REQUIRED),
        ("opco", date(2022, 1, 1), "AF", [], rules.Coverage.NO_CERTIFICATE),
        # Before the first certificate.
        (
            "cpf_edof",
            date(2024, 3, 1),
            "AF",
            [_span(date(2024, 3, 2))],
            rules.Coverage.NO_CERTIFICATE,
        ),
        ("opco", date(2024, 3, 2), "AF", [_span(date(2024, 3, 2))], rules.Coverage.OK),
        # Valid three years (until the day before the third anniversary): the last day is
        # covered, the day after is not.
        ("opco", date(2027, 3, 1), "AF", [_span(date(2024, 3, 2))], rules.Coverage.OK),
        ("opco", date(2027, 3, 2), "AF", [_span(date(2024, 3, 2))], rules.Coverage.EXPIRED),
        # The renewal certificate covers what follows.
        (
            "region",
            date(2027, 5, 1),
            "AF",
            [_span(date(2024, 3, 2)), _span(date(2027, 2, 15))],
            rules.Coverage.OK,
        ),
        (
            "opco",
            date(2025, 1, 1),
            "VAE",
            [_span(date(2024, 3, 2), "AF", "BC")],
            rules.Coverage.CATEGORY,
        ),
    ],
)
def test_coverage_of_a_session_by_the_certificates(
    code, starts_on, category, certificates, expected
):
    result = rules.coverage(
        _route(code),
        starts_on=starts_on,
        category=category,
        certificates=certificates,
        required_from=REQUIRED_FROM,
    )
    assert result == expected
    assert result.is_blocking is (expected in ("no_certificate", "expired", "category"))


@pytest.mark.parametrize(
    ("code", "planned", "present", "paid"),
    [
        ("cpf_edof", "42", None, "2940.00"),  # attendance not recorded: the agreed amount
        # These two were paid in full under the unsourced 80 % threshold; now pro rata.
        ("cpf_edof", "42", "35", "2450.00"),  # 83.3 %: 2940 × 35 / 42
        ("cpf_edof", "40", "32", "2352.00"),  # exactly 80 %: 2940 × 32 / 40
        ("cpf_edof", "42", "30", "2100.00"),  # 71.4 %: pro rata, 2940 × 30 / 42
        ("cpf_edof", "42", "42", "2940.00"),  # all attended
        ("professionalisation_period", "140", "119", "2499.00"),  # per hour present, no threshold
        ("opco", "42", "10", "2940.00"),  # the catalogue gives OPCO no attendance rule
    ],
)
def test_amount_a_financer_pays_by_attendance(code, planned, present, paid):
    """CPF: the service-fait declaration on EDOF gives « le taux d'achèvement de la formation »
    for a partial completion (my-of.com, 26 January 2024); the 80 % threshold of seed 001 is
    unsourced and not applied. Période de professionnalisation: paid per employee present
    (COORACE 2014 guide)."""
    result = rules.amount_paid(
        D("2940"),
        route=_route(code),
        hours_planned=D(planned),
        hours_present=None if present is None else D(present),
    )
    assert result == D(paid)


def test_a_threshold_is_applied_only_when_verified():
    """A verified threshold (none in the catalogue today) pays in full at or above it."""
    data = _raw()
    data["routes"][0]["rules"] = {
        "pays_by_attendance": True,
        "attendance_threshold": 75,
        "note": "n",
        "source": "s",
    }
    route = parse(data).route("x")
    pay = rules.amount_paid
    assert pay(D("1000"), route=route, hours_planned=D("40"), hours_present=D("30")) == D("1000")
    assert pay(D("1000"), route=route, hours_planned=D("40"), hours_present=D("29")) == D("725.00")


@pytest.mark.parametrize(
    ("code", "starts_on", "subcontractor", "status", "expected"),
    [
        # Not subcontracted, or not the CPF: nothing to check.
        ("cpf_edof", date(2026, 5, 4), "", "", []),
        ("opco", date(2026, 5, 4), "Formateur Dupont", "not_certified", []),
        # Contracts concluded before 1 April 2024 are outside the décret.
        ("cpf_edof", date(2024, 3, 31), "Formateur Dupont", "not_certified", []),
        ("cpf_edof", date(2024, 4, 1), "Formateur Dupont", "not_certified",
         ["subcontractor_not_certified"]),
        ("cpf_edof", date(2026, 5, 4), "Formateur Dupont", "certified", []),
        ("cpf_edof", date(2026, 5, 4), "Formateur Dupont", "micro_exempt", []),
        ("cpf_edof", date(2026, 5, 4), "Formateur Dupont", "", ["subcontractor_unknown"]),
    ],
)  # fmt: skip
def test_a_subcontracted_cpf_session_needs_a_certified_subcontractor(
    code, starts_on, subcontractor, status, expected
):
    """Code du travail L6323-9-2 (loi n° 2022-1587): « à compter du 1er avril 2024, un
    sous-traitant doit être certifié Qualiopi si l'organisme de formation qui fait appel à lui vend
    sa formation [...] via la plateforme Mon compte formation »; micro-entrepreneurs under the
    micro-social ceiling are exempt (R6333-6-3, décret n° 2023-1350) — Centre Inffo, 14 February
    2024."""
    assert (
        rules.cpf_subcontracting_errors(
            _route(code),
            starts_on=starts_on,
            subcontractor=subcontractor,
            subcontractor_status=status,
        )
        == expected
    )


def test_attendance_rate_is_rounded_to_a_tenth():
    assert rules.attendance_rate(D("42"), D("35")) == D("83.3")
    assert rules.attendance_rate(D("42"), None) is None


def test_route_limits_a_session_breaks():
    pp = _route("professionalisation_period")
    assert (
        rules.rule_errors(
            pp,
            starts_on=date(2017, 1, 9),
            ends_on=date(2017, 6, 30),
            trainees=2,
            hours_planned=D("140"),
        )
        == []
    )
    assert rules.rule_errors(
        pp,
        starts_on=date(2017, 1, 9),
        ends_on=date(2017, 6, 30),
        trainees=2,
        hours_planned=D("139"),
    ) == ["min_hours"]
    assert rules.rule_errors(
        pp, starts_on=date(2017, 1, 9), ends_on=date(2019, 1, 10), trainees=1, hours_planned=D("70")
    ) == ["validity", "max_months"]
    assert rules.rule_errors(
        _route("cpf_edof"), starts_on=date(2019, 11, 20), ends_on=date(2019, 11, 22), trainees=1,
        hours_planned=D("7"),
    ) == ["validity"]  # fmt: skip


def test_expected_documents_per_session_per_financer_and_per_month():
    documents = rules.expected_documents(
        starts_on=date(2026, 1, 12),
        ends_on=date(2026, 3, 6),
        lines=[(7, _route("transitions_pro")), (9, _route("opco"))],
    )
    assert [d.key for d in documents] == [
        "training_agreement",
        "attendance_sheets",
        "funding_agreement:7",
        "invoice:7",
        "completion_certificate_monthly:7:2026-01",
        "completion_certificate_monthly:7:2026-02",
        "completion_certificate_monthly:7:2026-03",
        "funding_agreement:9",
        "invoice:9",
        "completion_certificate:9",
    ]


def _assumptions(**changes) -> budget.Assumptions:
    values = {
        "internal_days": D("0"),
        "internal_days_per_following_year": D("0"),
        "internal_day_cost": D("0"),
        "accompaniment_package": budget.DEFAULTS["accompaniment_package"],
        "accompaniment_extra_days": D("0"),
        "accompaniment_extra_day_rate": budget.DEFAULTS["accompaniment_extra_day_rate"],
        "file_fee": budget.DEFAULTS["file_fee"],
        "audit_cost": budget.DEFAULTS["audit_cost"],
        "initial_audit_days": D("1.5"),
        "surveillance_audit_days": D("1.5"),
        "renewal_audit_days": D("1.5"),
        "annual_fee": budget.DEFAULTS["annual_fee"],
        "quality_training_funding": D("0"),
    }
    return budget.Assumptions(**{**values, **changes})


def test_the_budget_with_the_seeds_figures():
    result = budget.compute(_assumptions())
    # The seed prices an audit, not a day (« Le coût d'un audit est en moyenne de 500€HT »): each
    # of the three audits costs 500 whatever its 1.5 days (it used to be 1.5 d × 500 = 750).
    # Year 1: 4,400 accompaniment + 900 file + 500 initial audit + 250 fee (+ 0 internal);
    # year 2: 500 surveillance audit + 250 fee; year 3: 900 file + 500 renewal audit + 250 fee.
    assert [result.year_total(year) for year in (1, 2, 3)] == [D("6050"), D("750"), D("1650")]
    assert result.total == D("8450")
    assert result.yearly_average == D("2816.67")
    assert [(line.year, line.code) for line in result.lines] == [
        (1, "internal"),
        (1, "accompaniment"),
        (1, "file"),
        (1, "initial_audit"),
        (1, "annual_fee"),
        (2, "internal_upkeep"),
        (2, "surveillance_audit"),
        (2, "annual_fee"),
        (3, "internal_upkeep"),
        (3, "renewal_file"),
        (3, "renewal_audit"),
        (3, "annual_fee"),
    ]
    assert result.lines[3].detail == "1,5 j d’audit, 500 € par audit"
    assert result.lines[3].amount == D("500")


def test_the_budget_with_internal_time_extra_days_and_funding():
    result = budget.compute(
        _assumptions(
            internal_days=D("12"),
            internal_days_per_following_year=D("3"),
            internal_day_cost=D("280"),
            accompaniment_extra_days=D("2"),
            quality_training_funding=D("1500"),
            initial_audit_days=D("5"),
        )
    )
    # An audit costs 500 whatever its length: the 5-day initial audit costs what a 1.5-day one
    # does (it used to be 5 d × 500 = 2,500, and 750 for the 1.5-day surveillance and renewal).
    # 3,360 internal + 4,400 + 1,900 extra days + 900 + 500 audit + 250 − 1,500 funding.
    assert result.year_total(1) == D("9810")
    assert result.year_total(2) == D("1590")  # 840 upkeep + 500 + 250
    assert result.year_total(3) == D("2490")  # 840 + 900 + 500 + 250
    assert result.total == D("13890")
    assert [line.detail for line in result.lines if line.code == "initial_audit"] == [
        "5 j d’audit, 500 € par audit"
    ]
    funding = [line for line in result.lines if line.code == "funding"]
    assert [(line.year, line.amount) for line in funding] == [(1, D("-1500"))]
