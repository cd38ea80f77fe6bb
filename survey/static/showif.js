/*
 * Show-if rules in the browser: hides and shows question blocks of a form as the answers change.
 *
 * Generic, used by the builder preview and by the officials' answering pages:
 * - a form opts in with the attribute `data-show-if-form`;
 * - question blocks are `.question[data-key]` (templates/_question.html); a block with
 *   `data-show-if` carries its condition as JSON (docs/definition-format.md, "show_if");
 * - answers to questions that are not on this page (earlier sections) may be given as JSON in the
 *   form's `data-show-if-answers` attribute ({key: value}); those questions count as visible;
 * - when a block sits inside an element marked `data-showif-slot`, that element is hidden or shown
 *   instead, so a page rendered by the server with hidden slots is taken over by this script.
 * The rules match questionnaires/conditions.py: a condition on a hidden or unanswered question is
 * false (and `not` of it is true); blocks are evaluated in page order, so chains settle in one pass.
 */
(function () {
  'use strict';

  function parseNumber(text) {
    var t = String(text).replace(/[\s\u00a0\u202f']/g, '').replace(/^(S\/\.?|PEN|\$)/i, '');
    if (t.indexOf(',') >= 0 && t.indexOf('.') >= 0) {
      var decimal = t.lastIndexOf(',') > t.lastIndexOf('.') ? ',' : '.';
      t = t.split(decimal === ',' ? '.' : ',').join('').replace(decimal, '.');
    } else if ((t.match(/,/g) || []).length === 1) {
      t = t.replace(',', '.');
    }
    return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t) ? Number(t) : null;
  }

  function answerOf(form, key) {
    var fields = form.querySelectorAll('[name="' + key.replace(/"/g, '') + '"]');
    var values = [];
    var isList = false;
    fields.forEach(function (field) {
      if (field.type === 'checkbox') {
        isList = true;
        if (field.checked) { values.push(field.value); }
      } else if (field.type === 'radio') {
        if (field.checked) { values.push(field.value); }
      } else if (field.value && field.value.trim()) {
        values.push(field.value.trim());
      }
    });
    if (!values.length) { return null; }
    return isList ? values : values[0];
  }

  function same(answer, expected) {
    if (Array.isArray(answer)) { return false; }
    if (typeof answer === typeof expected && typeof answer !== 'string') { return answer === expected; }
    if (typeof expected === 'boolean') { return String(answer) === String(expected); }
    if (typeof expected === 'number') { return parseNumber(answer) === expected; }
    return String(answer) === String(expected);
  }

  function ordered(answer, op, expected) {
    var left;
    if (typeof expected === 'number') {
      left = typeof answer === 'number' ? answer : parseNumber(answer);
      if (left === null) { return false; }
    } else if (typeof expected === 'string' && typeof answer === 'string') {
      left = answer;
    } else {
      return false;
    }
    if (op === 'gt') { return left > expected; }
    if (op === 'gte') { return left >= expected; }
    if (op === 'lt') { return left < expected; }
    return left <= expected;
  }

  function evaluate(condition, answers, visible) {
    if (condition.all) { return condition.all.every(function (part) { return evaluate(part, answers, visible); }); }
    if (condition.any) { return condition.any.some(function (part) { return evaluate(part, answers, visible); }); }
    if (Object.prototype.hasOwnProperty.call(condition, 'not')) { return !evaluate(condition.not, answers, visible); }
    var key = condition.question;
    var answer = answers[key];
    if (!visible.has(key) || answer === null || answer === undefined) { return false; }
    if ('equals' in condition) { return same(answer, condition.equals); }
    if ('not_equals' in condition) { return !same(answer, condition.not_equals); }
    if ('in' in condition) { return condition.in.some(function (value) { return same(answer, value); }); }
    if ('selected' in condition) {
      return Array.isArray(answer) && answer.some(function (item) { return same(item, condition.selected); });
    }
    var ops = ['gt', 'gte', 'lt', 'lte'];
    for (var i = 0; i < ops.length; i++) {
      if (ops[i] in condition) { return ordered(answer, ops[i], condition[ops[i]]); }
    }
    return false;
  }

  function update(form) {
    var known = {};
    try { known = JSON.parse(form.getAttribute('data-show-if-answers') || '{}'); } catch (e) { known = {}; }
    var answers = Object.assign({}, known);
    var visible = new Set(Object.keys(known));
    form.querySelectorAll('.question[data-key]').forEach(function (block) {
      var key = block.getAttribute('data-key');
      var rule = block.getAttribute('data-show-if');
      var shown = true;
      if (rule) {
        try { shown = evaluate(JSON.parse(rule), answers, visible); } catch (e) { shown = true; }
      }
      var target = block.closest('[data-showif-slot]') || block;
      target.hidden = !shown;
      if (shown) {
        visible.add(key);
        answers[key] = answerOf(form, key);
      } else {
        visible.delete(key);
      }
    });
    renumber(form);
  }

  /* Numbers the questions shown, without gaps, from the page's first number (the server numbers only
   * the questions shown when the page was saved; see question_numbers in survey/respond/pages.py). */
  function renumber(form) {
    var next = parseInt(form.getAttribute('data-first-number'), 10);
    if (isNaN(next)) { return; }
    form.querySelectorAll('.question[data-key]').forEach(function (block) {
      var target = block.closest('[data-showif-slot]') || block;
      var label = block.querySelector('.q-num');
      if (!target.hidden && label) { label.textContent = next + '.'; next += 1; }
    });
  }

  function start() {
    document.querySelectorAll('form[data-show-if-form]').forEach(function (form) {
      // Tells the server that this script shows the conditional questions as they open.
      form.querySelectorAll('input[data-js-flag]').forEach(function (flag) { flag.value = '1'; });
      update(form);
      form.addEventListener('input', function () { update(form); });
      form.addEventListener('change', function () { update(form); });
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
  window.surveyShowIf = { evaluate: evaluate, update: update, parseNumber: parseNumber };
}());
