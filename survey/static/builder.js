/*
 * Progressive enhancement of the questionnaire builder; every page works without it.
 * - Question form: shows only the field groups that apply to the chosen type (`data-types`)
 *   and scoring method (`data-methods`).
 * - Framework choice: shows the custom framework fields only when "custom" is chosen.
 * - Draft outline: drag and drop of sections and questions, saved through #reorder-form.
 */
(function () {
  'use strict';

  function toggleGroups(form) {
    var type = form.querySelector('[name="type"]');
    var method = form.querySelector('[name="score_method"]');
    var cellType = form.querySelector('[name="cell_type"]');
    form.querySelectorAll('[data-types]').forEach(function (group) {
      var types = group.getAttribute('data-types').split(' ');
      group.hidden = type ? types.indexOf(type.value) < 0 : false;
    });
    form.querySelectorAll('[data-methods]').forEach(function (group) {
      var methods = group.getAttribute('data-methods').split(' ');
      group.hidden = method ? methods.indexOf(method.value) < 0 : false;
    });
    if (type && cellType) {
      var isMatrix = type.value === 'matrix';
      ['columns', 'cell_min', 'cell_max'].forEach(function (name) {
        var field = form.querySelector('[name="' + name + '"]');
        if (field) { field.closest('.field').hidden = isMatrix && cellType.value !== 'integer'; }
      });
    }
    var custom = form.querySelector('[name="framework"][value="custom"]');
    form.querySelectorAll('[data-shown-when="framework=custom"]').forEach(function (group) {
      group.hidden = custom ? !custom.checked : false;
    });
  }

  function enhanceForms() {
    document.querySelectorAll('form.builder-form').forEach(function (form) {
      toggleGroups(form);
      form.addEventListener('change', function () { toggleGroups(form); });
    });
  }

  function orderText() {
    var parts = [];
    document.querySelectorAll('ol[data-reorder="sections"] > li[data-key]').forEach(function (section) {
      var keys = [];
      section.querySelectorAll('ol[data-reorder="questions"] > li[data-key]').forEach(function (question) {
        keys.push(question.getAttribute('data-key'));
      });
      parts.push(section.getAttribute('data-key') + '=' + keys.join(','));
    });
    return parts.join(';');
  }

  function enhanceOutline() {
    var outline = document.querySelector('ol[data-reorder="sections"]');
    var form = document.getElementById('reorder-form');
    if (!outline || !form) { return; }
    var dragged = null;
    outline.querySelectorAll('li[data-key]').forEach(function (item) {
      item.setAttribute('draggable', 'true');
      item.classList.add('is-draggable');
      item.addEventListener('dragstart', function (event) {
        event.stopPropagation();
        dragged = item;
        item.classList.add('is-dragging');
        event.dataTransfer.effectAllowed = 'move';
        event.dataTransfer.setData('text/plain', item.getAttribute('data-key'));
      });
      item.addEventListener('dragend', function () {
        item.classList.remove('is-dragging');
        dragged = null;
      });
      item.addEventListener('dragover', function (event) {
        if (accepts(item)) { event.preventDefault(); event.stopPropagation(); }
      });
      item.addEventListener('drop', function (event) {
        var how = accepts(item);
        if (!how) { return; }
        event.preventDefault();
        event.stopPropagation();
        if (how === 'into') {
          item.querySelector('ol[data-reorder="questions"]').appendChild(dragged);
        } else {
          var box = item.getBoundingClientRect();
          var after = event.clientY > box.top + box.height / 2;
          item.parentNode.insertBefore(dragged, after ? item.nextSibling : item);
        }
        form.querySelector('[name="order"]').value = orderText();
        form.submit();
      });
    });

    // 'beside' for a sibling of the same kind, 'into' for a question dropped on a section, else null.
    function accepts(item) {
      if (!dragged || dragged === item || dragged.contains(item)) { return null; }
      var draggedIsQuestion = dragged.classList.contains('outline-question');
      var itemIsQuestion = item.classList.contains('outline-question');
      if (draggedIsQuestion === itemIsQuestion) { return 'beside'; }
      return draggedIsQuestion ? 'into' : null;
    }
  }

  function start() {
    enhanceForms();
    enhanceOutline();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
