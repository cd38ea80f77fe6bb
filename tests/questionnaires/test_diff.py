"""Version diffs: what was added, removed, moved or changed, by stable keys, and the readable summary."""
from __future__ import annotations

import copy

from questionnaire_factories import definition, options, question, section, text

from questionnaires import diff, load


def base() -> dict:
    return definition(
        section('profile', question('institution', 'single_choice', options=options('pnp', 'other')),
                question('months', 'integer', min=0)),
        section('gov', question('focal', score={'weight': 2, 'method': 'boolean'}),
                question('budget', 'currency'), question('notes', 'text'), axis='governance'))


def changed(change) -> dict:
    """Apply ``change`` to a copy of the base document and load both versions."""
    new = copy.deepcopy(base())
    change(new)
    return diff(load(base()), load(new))


def questions_of(document: dict, index: int) -> list:
    return document['sections'][index]['questions']


def test_identical_versions_have_an_empty_diff():
    result = diff(load(base()), load(base()))
    assert result.is_empty
    assert result.as_text('en') == 'No changes.'
    assert result.as_text('es') == 'Sin cambios.'


def test_added_and_removed_questions_are_listed_with_their_place():
    def change(doc):
        questions_of(doc, 1).insert(1, question('plan', 'yes_no'))
        del questions_of(doc, 0)[1]
    result = changed(change)
    assert [(c.key, c.section_after, c.position_after) for c in result.added] == [('plan', 'gov', 1)]
    assert [(c.key, c.section_before, c.position_before) for c in result.removed] == [('months', 'profile', 1)]
    # Inserting one question shifts the ones after it, but they did not move relative to each other.
    assert result.moved == ()
    assert not result.is_empty


def test_reordered_and_relocated_questions_are_moved():
    def change(doc):
        gov = questions_of(doc, 1)
        gov.insert(0, gov.pop(2))
        questions_of(doc, 0).append(gov.pop(2))
    result = changed(change)
    moved = {c.key: (c.section_before, c.position_before, c.section_after, c.position_after) for c in result.moved}
    assert moved == {'notes': ('gov', 2, 'gov', 0), 'budget': ('gov', 1, 'profile', 2)}


def test_changed_fields_are_named_with_before_and_after():
    def change(doc):
        focal = questions_of(doc, 1)[0]
        focal['text'] = text('¿Unidad focal?', 'Focal unit?')
        focal['required'] = True
        focal['score']['weight'] = 3
        focal['show_if'] = {'question': 'institution', 'equals': 'pnp'}
        months = questions_of(doc, 0)[1]
        months['max'] = 600
        months['help'] = text('En meses')
        questions_of(doc, 0)[0]['options'].append({'value': 'mpfn', 'label': text('Fiscalía')})
        questions_of(doc, 1)[1]['pnat_link'] = 'PNAT: presupuesto'
    result = changed(change)
    fields = {c.key: c.field_names for c in result.changed}
    assert fields == {'institution': ('options',), 'months': ('help', 'validation'),
                      'focal': ('text', 'required', 'show_if', 'score'), 'budget': ('info',)}
    focal = next(c for c in result.changed if c.key == 'focal')
    by_name = {f.field: f for f in focal.fields}
    assert (by_name['required'].before, by_name['required'].after) == (False, True)
    assert by_name['show_if'].readable('en') == ('—', 'institution = pnp')
    assert by_name['score'].readable('en') == ('weight=2', 'weight=3')
    months = next(c for c in result.changed if c.key == 'months')
    assert {f.field: f.readable('en') for f in months.fields}['validation'] == ('—', 'max=600')
    institution = next(c for c in result.changed if c.key == 'institution')
    assert institution.fields[0].readable('es') == ('—', 'mpfn (Fiscalía)')


def test_a_type_change_is_reported():
    def change(doc):
        questions_of(doc, 1)[1]['type'] = 'decimal'
    [change_] = changed(change).changed
    assert change_.field_names == ('type',)
    assert (change_.fields[0].before, change_.fields[0].after) == ('currency', 'decimal')


def test_section_changes_title_axis_and_order():
    def change(doc):
        doc['sections'][1]['title'] = text('Gobernanza', 'Governance')
        doc['sections'][1]['axis'] = 'prevention'
        doc['sections'].reverse()
        doc['sections'].append(section('extra', question('extra_q')))
    result = changed(change)
    kinds = {(c.key, c.kind) for c in result.sections}
    assert kinds == {('extra', 'added'), ('gov', 'moved'), ('gov', 'retitled'), ('gov', 'axis_changed')}
    assert result.moved == ()  # the questions moved with their section, not on their own


def test_title_and_framework_changes():
    def change(doc):
        doc['title'] = text('Nuevo', 'New')
        doc['framework'] = {'key': 'pn-2030', 'name': text('PN 2030'),
                            'axes': [{'key': 'governance', 'name': text('Gobernanza')}]}
    result = changed(change)
    assert result.title.after == {'es': 'Nuevo', 'en': 'New'}
    assert result.framework.before == 'pnat-2017-2021'
    assert result.framework.after['key'] == 'pn-2030'


def test_the_text_summary_reads_well_in_both_languages():
    def change(doc):
        doc['title'] = text('Demostración', 'Demo 2')
        questions_of(doc, 1).append(question('plan'))
        del questions_of(doc, 0)[1]
        questions_of(doc, 1)[0]['required'] = True
    result = changed(change)
    english = result.as_text('en')
    assert english.splitlines() == [
        'Title: Demo → Demo 2',
        'Questions:',
        '  + plan (section gov #4): plan?',
        '  - months (section profile #2): months?',
        '  ~ focal: focal?',
        '      required: no → yes',
    ]
    spanish = result.as_text('es')
    # Only the English title changed, so the Spanish summary shows both languages rather than "X → X".
    assert spanish.splitlines()[0] == 'Título: es: Demostración | en: Demo → es: Demostración | en: Demo 2'
    assert '  + plan (sección gov #4): ¿plan?' in spanish.splitlines()
    assert '      required: no → sí' in spanish.splitlines()


def test_the_reference_against_itself_is_empty(reference):
    assert diff(reference, load(reference.to_document())).is_empty
