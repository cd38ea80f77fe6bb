"""End to end in headless Chromium: log in, build a questionnaire with a show-if, preview, publish, v2, diff."""
from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from survey.services import questionnaires as qs
from tests.browser.support import log_in
from tests.factories import builder_document, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"


def _axe_violations(page) -> list[str]:
    # add_script_tag would insert an inline script, which the CSP blocks; evaluating keeps the CSP on.
    page.evaluate(AXE_JS.read_text("utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]


def _log_in(page, live_server: str, email: str) -> None:
    log_in(page, live_server, email)
    expect(page).to_have_url(re.compile(r"/builder/$"))


def test_an_editor_builds_previews_publishes_and_revises(page, live_server, live_db):
    live_db(lambda: make_user("editor", email="editora@example.org"))
    _log_in(page, live_server, "editora@example.org")

    # Create the questionnaire; it starts with one section and one example question.
    page.get_by_role("link", name="Nuevo cuestionario").click()
    assert _axe_violations(page) == []
    page.get_by_label("Clave", exact=True).fill("e2e-demo")
    page.locator("#f-title_es").fill("Cuestionario de prueba")
    page.locator("#f-title_en").fill("Test questionnaire")
    page.get_by_role("button", name="Crear cuestionario").click()
    expect(page.get_by_role("heading", name="Borrador de la versión 1")).to_be_visible()

    # Turn the example question into a yes/no question.
    page.get_by_role("link", name="Editar la pregunta pregunta_1").click()
    assert _axe_violations(page) == []
    page.get_by_label("Tipo de pregunta").select_option("yes_no")
    page.get_by_label("Clave", exact=True).fill("tiene_oficina")
    page.locator("#f-text_es").fill("¿Tiene una oficina especializada?")
    page.locator("#f-text_en").fill("Do you have a specialised office?")
    page.get_by_role("button", name="Guardar pregunta").click()
    expect(page.locator(".flash-success")).to_contain_text("Pregunta guardada")

    # Add a text question shown only when the first answer is yes.
    page.get_by_label("Tipo de la nueva pregunta").select_option("text")
    page.get_by_role("button", name=re.compile("Añadir pregunta a")).click()
    page.get_by_label("Clave", exact=True).fill("oficina_nombre")
    page.locator("#f-text_es").fill("Nombre de la oficina")
    page.locator("#f-show_if_question").select_option("tiene_oficina")
    page.locator("#f-show_if_op").select_option("equals")
    page.locator("#f-show_if_value").fill("sí")
    page.get_by_role("button", name="Guardar pregunta").click()
    expect(page.locator("#question-oficina_nombre")).to_contain_text("se muestra si tiene_oficina = sí")

    # Preview: the conditional question follows the controlling answer live.
    page.get_by_role("link", name="Vista previa").first.click()
    conditional = page.locator("#q-oficina_nombre-block")
    expect(conditional).to_be_hidden()
    page.get_by_label("Sí").check()
    expect(conditional).to_be_visible()
    page.get_by_label("No", exact=True).check()
    expect(conditional).to_be_hidden()
    assert _axe_violations(page) == []
    page.get_by_role("link", name="View in English").click()
    expect(page.get_by_text("Do you have a specialised office?")).to_be_visible()
    page.get_by_role("link", name="Ver en español").click()

    # Publish version 1, then start version 2 and change a question.
    page.goto(f"{live_server}/builder/e2e-demo/publish")
    expect(page.get_by_text("Es la primera versión")).to_be_visible()
    page.get_by_role("button", name="Publicar versión 1").click()
    expect(page.locator(".flash-success")).to_contain_text("Versión 1 publicada")
    page.get_by_role("button", name="Crear nueva versión").click()
    expect(page.get_by_role("heading", name="Borrador de la versión 2")).to_be_visible()
    page.get_by_role("link", name="Editar la pregunta oficina_nombre").click()
    page.locator("#f-text_es").fill("Nombre completo de la oficina")
    page.get_by_role("button", name="Guardar pregunta").click()

    page.get_by_role("link", name="Revisar y publicar").click()
    expect(page.get_by_role("heading", name="Cambios respecto de la versión publicada 1")).to_be_visible()
    changed = page.locator('li.diff-changed[data-key="oficina_nombre"]')
    expect(changed).to_contain_text("Nombre de la oficina")
    expect(changed).to_contain_text("Nombre completo de la oficina")
    assert _axe_violations(page) == []
    page.goto(f"{live_server}/builder/e2e-demo/history")
    assert _axe_violations(page) == []


def test_drag_and_drop_reorders_and_refuses_an_impossible_order(page, live_server, live_db):
    live_db(lambda: (make_user("editor", email="arrastre@example.org"), qs.import_document(builder_document("dnd"))))
    _log_in(page, live_server, "arrastre@example.org")
    page.goto(f"{live_server}/builder/dnd/draft")
    assert _axe_violations(page) == []

    page.drag_and_drop("#section-prevencion", "#section-perfil", source_position={"x": 20, "y": 8},
                       target_position={"x": 20, "y": 8})
    expect(page.locator(".flash-success")).to_contain_text("Orden guardado")
    keys = page.locator("ol.outline > li").evaluate_all("items => items.map(item => item.dataset.key)")
    assert keys == ["prevencion", "perfil"]

    # Dropping a question on the section before its show-if target is refused; nothing changes.
    page.drag_and_drop("#question-oficina_nombre", "#section-prevencion", target_position={"x": 20, "y": 8})
    expect(page.locator("#error-summary")).to_contain_text("anteriores")
    page.goto(f"{live_server}/builder/dnd/draft")
    expect(page.locator("#section-perfil #question-oficina_nombre")).to_be_visible()


def test_a_new_section_asks_for_its_first_question_and_publishing_waits_for_it(page, live_server, live_db):
    live_db(lambda: (make_user("editor", email="secciones@example.org"), qs.import_document(builder_document("sec"))))
    _log_in(page, live_server, "secciones@example.org")
    page.goto(f"{live_server}/builder/sec/draft")

    page.get_by_role("link", name="Añadir sección").click()
    page.get_by_label("Clave de la sección").fill("proteccion")
    page.locator("#f-title_es").fill("Protección")
    page.get_by_role("button", name="Guardar sección").click()

    # Straight to the form of its first question, with nothing to delete first.
    expect(page.locator(".flash-success")).to_contain_text("Escriba ahora su primera pregunta")
    expect(page.get_by_role("heading", name="Editar la pregunta pregunta_1")).to_be_visible()
    expect(page.locator("#f-text_es")).to_have_value("")
    assert _axe_violations(page) == []

    # Left as it is, the example question blocks publishing, with a link to it.
    page.goto(f"{live_server}/builder/sec/publish")
    expect(page.locator("#error-summary")).to_contain_text("preguntas de ejemplo")
    expect(page.get_by_role("button", name="Publicar versión 1")).to_have_count(0)
    assert _axe_violations(page) == []
    page.get_by_role("link", name="Editar la pregunta pregunta_1").click()
    page.get_by_label("Tipo de pregunta").select_option("integer")
    page.get_by_label("Clave", exact=True).fill("refugios")
    page.locator("#f-text_es").fill("Número de refugios")
    page.get_by_role("button", name="Guardar pregunta").click()
    expect(page.locator("#section-proteccion #question-refugios")).to_be_visible()

    page.get_by_role("link", name="Revisar y publicar").click()
    page.get_by_role("button", name="Publicar versión 1").click()
    expect(page.locator(".flash-success")).to_contain_text("Versión 1 publicada")


PAYLOAD = '"><script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def _hostile_document(key: str, suffix: str = "") -> dict:
    text = {"es": PAYLOAD + suffix, "en": PAYLOAD + suffix}
    return {
        "key": key, "title": text, "description": text,
        "framework": {"key": "hostil", "name": text, "axes": [{"key": "eje", "name": text}]},
        "sections": [{"key": "s", "title": text, "description": text, "axis": "eje", "questions": [
            {"key": "q1", "type": "single_choice", "text": text, "help": text,
             "options": [{"value": "a", "label": text}, {"value": "b", "label": text}],
             "score": {"weight": 1, "method": "option_points", "points": {"a": 1, "b": 0}}},
            {"key": "q2", "type": "text", "text": text, "help": text, "pattern": PAYLOAD,
             "show_if": {"question": "q1", "equals": "a"}},
        ]}],
    }


def test_markup_typed_by_staff_never_runs_in_the_browser(page, live_server, live_db):
    def setup():
        make_user("editor", email="hostil@example.org")
        qs.import_document(_hostile_document("hostil"))
        qs.publish(qs.get("hostil"))
        qs.import_document(_hostile_document("hostil", " v2"))

    live_db(setup)
    problems: list[str] = []
    page.on("dialog", lambda dialog: (problems.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    _log_in(page, live_server, "hostil@example.org")
    for path in ("/builder/", "/builder/hostil", "/builder/hostil/draft", "/builder/hostil/draft/questions/q2",
                 "/builder/hostil/draft/sections/s", "/builder/hostil/v2/preview",
                 "/builder/hostil/v2/preview?preview_lang=en", "/builder/hostil/publish", "/builder/hostil/history",
                 "/builder/hostil/diff?a=1&b=2", "/builder/hostil/draft/questions/q1/delete"):
        page.goto(live_server + path)
        assert page.evaluate("window.pwned") is None, path
        assert page.locator("script:not([src])").count() == 0, path
    page.goto(f"{live_server}/builder/hostil/v2/preview")
    page.locator('input[name="q1"][value="a"]').check()
    expect(page.locator("#q-q2-block")).to_be_visible()
    assert page.evaluate("window.pwned") is None
    assert problems == []


def _conditions_document() -> dict:
    def t(text):
        return {"es": text}

    def shown_if(key, condition, kind="text"):
        return {"key": key, "type": kind, "text": t(key), "show_if": condition}

    return {"key": "condiciones", "title": t("Condiciones"), "framework": "pnat-2017-2021", "sections": [
        {"key": "s", "title": t("S"), "axis": None, "questions": [
            {"key": "a", "type": "single_choice", "text": t("a"),
             "options": [{"value": v, "label": t(v)} for v in ("x", "y", "z")]},
            {"key": "n", "type": "decimal", "text": t("n")},
            {"key": "d", "type": "date", "text": t("d")},
            {"key": "m", "type": "multiple_choice", "text": t("m"),
             "options": [{"value": v, "label": t(v)} for v in ("p", "q", "r")]},
            {"key": "yn", "type": "yes_no", "text": t("yn")},
            {"key": "li", "type": "likert", "text": t("li"), "min": 1, "max": 5,
             "options": [{"value": v, "label": t(str(v))} for v in range(1, 6)]},
            shown_if("c1", {"question": "a", "equals": "x"}),
            shown_if("c2", {"question": "a", "not_equals": "x"}),
            shown_if("c3", {"question": "n", "gt": 2.5}),
            shown_if("c4", {"question": "n", "lte": 2.5}),
            shown_if("c5", {"question": "d", "gte": "2020-01-01"}),
            shown_if("c6", {"question": "a", "in": ["y", "z"]}),
            shown_if("c7", {"question": "m", "selected": "q"}),
            shown_if("c8", {"all": [{"question": "yn", "equals": True}, {"not": {"question": "m", "selected": "p"}}]}),
            shown_if("c9", {"any": [{"question": "c1", "equals": "hola"}, {"question": "n", "lt": 0}]}),
            shown_if("c10", {"not": {"question": "c9", "equals": "x"}}),
            shown_if("c11", {"question": "li", "gte": 4}),
        ]}]}


SCENARIOS = [
    {},
    {"a": ["x"], "n": ["3,5"], "d": ["2021-05-01"], "m": ["q"], "yn": ["true"], "c1": ["hola"], "li": ["4"]},
    {"a": ["y"], "n": ["2.5"], "d": ["2019-12-31"], "m": ["p", "q"], "yn": ["true"], "c1": ["hola"]},
    {"a": ["z"], "n": ["-1"], "m": ["r"], "yn": ["false"], "li": ["2"], "c9": ["x"]},
    {"a": ["x"], "n": ["abc"], "c1": ["chau"], "yn": ["true"], "c9": ["y"]},
]


def test_showif_js_agrees_with_the_server_rules(page, live_server, live_db):
    """The browser's live show/hide gives the same visible questions as questionnaires.visible_keys."""
    import questionnaires

    document = _conditions_document()
    live_db(lambda: (make_user("analyst", email="condiciones@example.org"), qs.import_document(document)))
    q = questionnaires.load(document)
    log_in(page, live_server, "condiciones@example.org")
    for form in SCENARIOS:
        page.goto(f"{live_server}/builder/condiciones/v1/preview")
        for name, values in form.items():
            for value in values:
                field = page.locator(f'[name="{name}"]').first
                if not field.is_visible():
                    continue  # a hidden question cannot be answered; the server ignores its value too
                if field.get_attribute("type") in ("radio", "checkbox"):
                    page.check(f'[name="{name}"][value="{value}"]')
                else:
                    field.fill(value)
        in_browser = set(page.locator(".question[data-key]").evaluate_all(
            "blocks => blocks.filter(b => !b.closest('[hidden]')).map(b => b.dataset.key)"))
        answers, _errors = questionnaires.parse_form(q, "s", form)
        assert in_browser == questionnaires.visible_keys(q, answers), form
