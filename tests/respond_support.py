"""Support for the respond tests: form data answering the reference PNAT questionnaire, and a broker."""
from __future__ import annotations

COORDINATION_ROWS = ("pnp", "mpfn", "pj", "mimp", "gore", "muni", "dp", "labour", "migraciones",
                     "education_health", "civil_society")
VICTIM_ROWS = ("sexual", "labour", "begging", "child_sale", "organs", "undetermined")
VICTIM_COLUMNS = ("women", "men", "girls", "boys")


def pnat_pages() -> dict[str, dict[str, list[str]]]:
    """Section key -> form fields (as ``request.form.to_dict(flat=False)``) for a complete response."""
    return {
        "profile": {"institution": ["mininter"], "government_level": ["national"], "region": ["cusco"],
                    "role": ["specialist"], "months_in_role": ["24"]},
        "governance": {
            "focal_unit_designated": ["true"], "member_antitrafficking_body": ["true"], "sessions_attended": ["4"],
            "plan_status": ["approved_in_force"], "plan_approval_date": ["15/06/2017"],
            "budget_pim_pen": ["150 000,50"], "budget_executed_pen": ["120000"],
            "budget_sources": ["pp_0030", "apnop"], "case_registry": ["own_system"],
            **{f"coordination_matrix__{row}": ["frequent"] for row in COORDINATION_ROWS},
        },
        "prevention": {
            "prevention_actions": ["media_campaign", "school_sessions"], "prevention_activities_count": ["12"],
            "people_reached": ["3400"], "officials_trained": ["40"], "training_topics": ["victim_identification"],
            "high_risk_focus": ["true"], "results_measured": ["false"], "population_knowledge": ["3"],
            "prevention_difficulties": ["Falta de presupuesto <b>y</b> personal"],
        },
        "prosecution": {
            "enforcement_competence": ["true"], "cases_registered": ["20"],
            **{f"victims_matrix__{row}__{col}": ["1"] for row in VICTIM_ROWS for col in VICTIM_COLUMNS},
            "cases_judicialized": ["5"], "specialized_unit": ["prosecutor_and_police"], "joint_operations": ["3"],
            "inspection_actions": ["10"], "prosecution_obstacles": ["staff_shortage"],
            "police_prosecutor_coordination": ["4"],
        },
        "protection": {
            "direct_services": ["true"], "victims_attended": ["15"], "services_offered": ["shelter", "legal_aid"],
            "shelter_availability": ["adults_only"], "protocol_exists": ["true"],
            "protocol_approval_date": ["2016-05-01"], "protocol_applied_cases": ["7"], "reintegration_plans": ["2"],
            "referral_quality": ["3"], "protection_gaps": ["Pocos albergues"],
        },
    }


def use_memory_broker(app) -> None:
    """Send the app's tasks to Celery's in-memory transport (no broker file or service in tests)."""
    celery = app.extensions["celery"]
    if celery.conf.broker_url != "memory://":
        celery.conf.broker_url = "memory://"
        celery.conf.broker_transport_options = {}
