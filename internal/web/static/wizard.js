// The verification wizard of veriwallet: drives the JSON API
// (/api/v1/verifications, /api/v1/uploads/, /api/v1/documents,
// /api/v1/handoff) from the browser; the session cookie authenticates.
// Texts come from the page (data-config), in the page's language.
(function () {
  'use strict';

  var root = document.getElementById('wizard') || document.getElementById('verify-list');
  if (!root) { return; }
  // Script errors are kept on the page (never sent anywhere), for support and tests.
  function keepError(m) { (window.__wizardErrors = window.__wizardErrors || []).push(String(m)); }
  window.addEventListener('error', function (e) { keepError(e.message); });
  window.addEventListener('unhandledrejection', function (e) { keepError(e.reason && e.reason.stack || e.reason); });
  var cfg = JSON.parse(root.getAttribute('data-config') || '{}');

  function t(key, args) {
    var s = cfg.texts[key] || key;
    Object.keys(args || {}).forEach(function (k) { s = s.split('{' + k + '}').join(String(args[k])); });
    return s;
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function show(e, on) { if (e) { e.hidden = !on; } }
  function randomKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }
  function when(iso) {
    if (!iso) { return ''; }
    // One time, in the device's zone, with the zone named.
    return new Date(iso).toLocaleString(cfg.lang === 'zh-CN' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: 'short', day: 'numeric',
      hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  }
  function showError(msg) {
    var e = $('wizard-error');
    e.textContent = msg || '';
    if (!msg) { e.removeAttribute('data-code'); }
    show(e, !!msg);
  }

  // api calls the JSON API and resolves to {status, body}; a network
  // failure resolves to status 0 with a message.
  function api(method, path, body, headers) {
    var h = { 'Accept-Language': cfg.lang, 'Accept': 'application/json' };
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    var init = { method: method, credentials: 'same-origin', headers: h };
    if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var write = method !== 'GET';
    if (write) { writes++; }
    // Counted down once the caller has taken the answer (a macrotask after its then).
    var done = function (r) { if (write) { setTimeout(function () { writes--; }, 0); } return r; };
    return fetch(path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (b) {
        if (res.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); }
        return done({ status: res.status, body: b || {} });
      });
    }, function () {
      return done({ status: 0, body: { error: { code: 'NETWORK', message: t('error.network') } } });
    });
  }
  var writes = 0; // this page's changes in flight (the stream then waits for their answers)
  function errMessage(r) { return (r.body.error && r.body.error.message) || t('error.network'); }

  // ---------------------------------------------------------------- list page
  if (root.id === 'verify-list') {
    var startKey = randomKey();
    // The main action follows the customer's cases: verified, a case in
    // progress to continue (drafts do not pile up), no attempts left (and
    // when the next opens), or a new start.
    var OPEN = ['draft', 'retry_required', 'submitted', 'processing', 'manual_review', 'on_hold'];
    function mainAction(all) {
      var approved = all.filter(function (v) { return v.status === 'approved'; });
      var open = all.filter(function (v) { return OPEN.indexOf(v.status) >= 0; });
      var start = $('verify-start'), cont = $('verify-continue'), note = $('verify-note');
      show(start, false); show(cont, false); show(note, false);
      if (approved.length) {
        $('verify-verified').textContent = t('list.verified');
        show($('verify-verified'), true);
        return;
      }
      var spent = all.filter(function (v) { return v.attempts_left <= 0 && v.next_attempt_at; })[0];
      if (open.length) {
        cont.href = '/verify/' + encodeURIComponent(open[0].id);
        show(cont, true);
      }
      if (spent) { // said at the start, not only when submitting
        // Nothing to continue until then: the case can only be looked at.
        cont.textContent = t('list.view');
        note.textContent = t('list.no_attempts', { time: when(spent.next_attempt_at) });
        show(note, true);
        return;
      }
      if (open.length) {
        note.textContent = t('list.continue');
        show(note, true);
        return;
      }
      show(start, true);
    }
    $('verify-start').addEventListener('click', function () {
      $('verify-start').disabled = true;
      api('POST', '/api/v1/verifications', { level: 'standard' }, { 'Idempotency-Key': startKey }).then(function (r) {
        $('verify-start').disabled = false;
        if (r.status === 201 || r.status === 200) {
          location.href = '/verify/' + encodeURIComponent(r.body.verification.id);
          return;
        }
        showError(errMessage(r));
      });
    });
    api('GET', '/api/v1/verifications').then(function (r) {
      var ul = $('cases');
      ul.textContent = '';
      var list = (r.body.verifications || []).slice().reverse();
      if (r.status !== 200) { showError(errMessage(r)); show($('verify-start'), true); return; }
      mainAction(r.body.verifications || []);
      if (!list.length) { ul.appendChild(el('li', { 'class': 'muted' }, t('list.none'))); return; }
      list.forEach(function (v) {
        var li = el('li', { 'class': 'case', 'data-status': v.status });
        var a = el('a', { href: '/verify/' + encodeURIComponent(v.id), 'class': 'case-link' }, v.status_title);
        li.appendChild(a);
        if (v.case_number) { li.appendChild(el('span', { 'class': 'muted case-no' }, ' · ' + v.case_number)); }
        li.appendChild(el('span', { 'class': 'muted' }, ' · ' + when(v.created_at)));
        ul.appendChild(li);
      });
    });
    return;
  }

  // ---------------------------------------------------------------- wizard
  var caseID = cfg.case_id;
  var base = '/api/v1/verifications/' + encodeURIComponent(caseID);
  var view = null;          // the case as the API shows it
  var screen = '';          // the screen on display
  var touched = {};         // applicant fields the customer has left at least once
  var serverErrors = {};    // field -> {message, hint} from the last PUT
  var submitKey = randomKey();
  var pollTimer = null;

  var SCREENS = ['applicant', 'phone', 'documents', 'submit', 'status'];
  var BASE_FIELDS = ['full_name', 'id_type', 'id_number', 'phone'];
  var EXTRA_FIELDS = ['nationality', 'birth_date', 'sex', 'address', 'occupation', 'source_of_funds',
    'guardian_name', 'guardian_id_type', 'guardian_id_number'];

  function editable() { return view && (view.status === 'draft' || view.status === 'retry_required'); }
  function screenOf(step) {
    if (step.indexOf('documents') === 0) { return 'documents'; }
    if (step === 'applicant' || step === 'phone') { return step; }
    return '';
  }
  // screens lists the screens of this case, in order, with whether they are done.
  function screens() {
    var out = [], seen = {};
    (view.steps || []).forEach(function (s) {
      var sc = screenOf(s.step);
      if (!sc) { return; }
      if (!seen[sc]) { seen[sc] = { name: sc, done: true, redo: false }; out.push(seen[sc]); }
      if (!s.done) { seen[sc].done = false; }
      if (s.redo) { seen[sc].redo = true; }
    });
    out.push({ name: 'submit', done: !editable(), redo: false });
    out.push({ name: 'status', done: false, redo: false });
    return out;
  }
  function firstScreen() {
    if (!editable() || view.status === 'retry_required') { return 'status'; }
    var list = screens();
    for (var i = 0; i < list.length; i++) { if (!list[i].done) { return list[i].name; } }
    return 'submit';
  }
  // nextScreen is the first unfinished screen after the current one.
  function nextScreen() {
    var list = screens(), i = 0;
    while (i < list.length && list[i].name !== screen) { i++; }
    for (i++; i < list.length; i++) {
      if (!list[i].done || list[i].name === 'submit') { return list[i].name; }
    }
    return 'submit';
  }

  function renderStepbar() {
    var ol = $('stepbar');
    ol.textContent = '';
    screens().forEach(function (s) {
      var li = el('li', { 'data-screen': s.name });
      var label = cfg.steps[s.name] || s.name;
      // Steps can be revisited while the case is open to changes.
      if (editable() && s.name !== screen && s.name !== 'status') {
        var b = el('button', { type: 'button', 'class': 'link' }, label);
        b.addEventListener('click', function () { go(s.name); });
        li.appendChild(b);
      } else {
        li.textContent = label;
      }
      if (s.name === screen) { li.className = 'current'; li.setAttribute('aria-current', 'step'); }
      else if (s.redo) { li.className = 'redo'; }
      else if (s.done) { li.className = 'done'; }
      ol.appendChild(li);
    });
  }

  function go(name) {
    if (!editable() && name !== 'status') { name = 'status'; }
    screen = name;
    showError('');
    // Continuing on another device only makes sense while there is something to do.
    show($('handoff-card'), editable());
    SCREENS.forEach(function (s) { show($('screen-' + s), s === name); });
    renderStepbar();
    if (name === 'applicant') { renderApplicant(true); }
    if (name === 'phone') { renderPhone(); }
    if (name === 'documents') { renderDocuments(); }
    if (name === 'submit') { renderSubmit(); }
    if (name === 'status') { renderStatus(); }
    window.scrollTo(0, 0);
  }

  function setView(v) { if (v) { view = v; } }

  // ------------------------------------------------------------ applicant
  // fieldNeeded says whether to show field f: the four base fields and the
  // fields the case asks for now. Nothing stays on screen once it is no
  // longer asked for (a minor's guardian after an adult's ID number), and a
  // resident ID card's number carries the birth date, sex and nationality:
  // those are never asked.
  var DERIVED = ['nationality', 'birth_date', 'sex']; // read from a resident ID number
  var GUARDIAN = ['guardian_name', 'guardian_id_type', 'guardian_id_number'];
  function fieldNeeded(f) {
    if (BASE_FIELDS.indexOf(f) >= 0) { return true; }
    var type = $('f-id_type') ? $('f-id_type').value : (view.applicant || {}).id_type;
    if ((type || 'cn_resident') === 'cn_resident' && DERIVED.indexOf(f) >= 0) { return false; }
    var asked = !!serverErrors[f] || [view.missing || [], view.reasons || []].some(function (l) {
      return l.some(function (r) { return r.field === f || (f === 'guardian_id_type' && r.field === 'guardian_id_number'); });
    });
    if (GUARDIAN.indexOf(f) >= 0) {
      // A minor's case has the guardian's documents among its steps.
      return asked || (view.steps || []).some(function (s) { return s.step.indexOf('documents:guardian_') === 0; });
    }
    if (!asked && $('f-' + f) && $('f-' + f).value.trim() !== '') { asked = true; }
    return asked;
  }

  function buildApplicantForm() {
    var box = $('applicant-fields');
    if (box.childNodes.length) { return; }
    BASE_FIELDS.concat(EXTRA_FIELDS).forEach(function (f) {
      var div = el('div', { 'class': 'field', 'data-field': f, id: 'field-' + f });
      div.appendChild(el('label', { 'for': 'f-' + f }, cfg.fields[f] || f));
      var input;
      if (f === 'id_type' || f === 'guardian_id_type') {
        input = el('select', { id: 'f-' + f, name: f });
        if (f === 'guardian_id_type') { input.appendChild(el('option', { value: '' }, t('choose'))); }
        cfg.id_types.forEach(function (o) { input.appendChild(el('option', { value: o.value }, o.title)); });
      } else if (f === 'sex') {
        input = el('select', { id: 'f-' + f, name: f });
        input.appendChild(el('option', { value: '' }, t('choose')));
        input.appendChild(el('option', { value: 'male' }, t('male')));
        input.appendChild(el('option', { value: 'female' }, t('female')));
      } else {
        input = el('input', { id: 'f-' + f, name: f, type: 'text' });
        if (f === 'nationality') {
          // A searchable list (names in both languages, codes); what is
          // typed is accepted too ("British", "英国", "GBR", "GB").
          var dl = el('datalist', { id: 'countries' });
          (cfg.countries || []).forEach(function (c) { dl.appendChild(el('option', { value: c.name, label: c.other })); });
          div.appendChild(dl);
          input.setAttribute('list', 'countries');
          input.setAttribute('placeholder', t('nationality.ph'));
          input.setAttribute('autocomplete', 'off');
        }
        if (f === 'full_name') { input.setAttribute('autocomplete', 'name'); }
        if (f === 'id_number' || f === 'guardian_id_number') {
          input.setAttribute('autocapitalize', 'characters');
          input.setAttribute('autocomplete', 'off');
          input.setAttribute('spellcheck', 'false');
        }
        if (f === 'phone') { input.type = 'tel'; input.setAttribute('autocomplete', 'tel'); input.setAttribute('inputmode', 'tel'); }
        if (f === 'birth_date') { input.type = 'date'; }
      }
      input.setAttribute('aria-describedby', 'err-' + f);
      div.appendChild(input);
      var err = el('div', { 'class': 'field-error', id: 'err-' + f, role: 'alert' });
      err.hidden = true;
      div.appendChild(err);
      box.appendChild(div);
      input.addEventListener('input', function () { delete serverErrors[f]; checkField(f, false); });
      input.addEventListener('change', function () { if (input.tagName === 'SELECT') { touched[f] = true; save(false); } });
      input.addEventListener('blur', function (ev) {
        if (input.tagName === 'SELECT') { return; }
        touched[f] = true;
        checkField(f, true);
        // Leaving the field for "Continue": that saves; saving here too
        // could move the button under the finger.
        if (ev.relatedTarget && ev.relatedTarget.id === 'applicant-next') { return; }
        save(false);
      });
    });
    $('applicant-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      BASE_FIELDS.concat(EXTRA_FIELDS).forEach(function (f) { touched[f] = true; });
      save(true);
    });
  }

  // renderApplicant shows the form; with load, fills it from the case
  // (after a save the inputs are left alone: the customer may be typing).
  function renderApplicant(load) {
    buildApplicantForm();
    var a = view.applicant || {}, cleared = false;
    BASE_FIELDS.concat(EXTRA_FIELDS).forEach(function (f) {
      var input = $('f-' + f);
      if (load) {
        input.value = a[f] || (f === 'id_type' ? 'cn_resident' : '');
        if (f === 'nationality') { input.value = countryName(a[f]); }
      }
      var need = fieldNeeded(f);
      if (!need && GUARDIAN.indexOf(f) >= 0 && input.value) {
        input.value = ''; // no longer asked: not kept either
        delete serverErrors[f];
        cleared = true;
      }
      show($('field-' + f), need);
      checkField(f, !!touched[f]);
    });
    if (cleared && !load) { save(false); }
    $('applicant-next').textContent = t('next');
  }

  function values() {
    var out = {};
    var resident = $('f-id_type').value === 'cn_resident';
    BASE_FIELDS.concat(EXTRA_FIELDS).forEach(function (f) {
      var v = $('f-' + f).value.trim();
      if (resident && DERIVED.indexOf(f) >= 0) { return; } // the number carries them
      if (v !== '' || BASE_FIELDS.indexOf(f) >= 0) { out[f] = v; }
    });
    return out;
  }
  // countryName shows a stored code as the country's name in the page's
  // language (the server takes names and codes alike).
  function countryName(code) {
    var hit = (cfg.countries || []).filter(function (c) { return c.code === code; })[0];
    return hit ? hit.name : (code || '');
  }

  // Checks made while typing, with the server's messages (idrules).
  function rule(code, args) {
    var r = cfg.rules[code] || { message: code, hint: '' };
    var m = r.message;
    Object.keys(args || {}).forEach(function (k) { m = m.split('{' + k + '}').join(String(args[k])); });
    return { message: m, hint: r.hint, code: code };
  }
  var W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  // checkResidentID applies GB 11643: 17 digits and a MOD 11-2 check character.
  function checkResidentID(v, final) {
    v = v.replace(/[\s-]/g, '').toUpperCase();
    if (!v) { return null; }
    for (var i = 0; i < v.length && i < 18; i++) {
      var c = v.charAt(i);
      if (!(c >= '0' && c <= '9') && !(i === 17 && c === 'X')) { return rule('ID_CHARACTER', { pos: i + 1, 'char': c }); }
    }
    if (v.length > 18 || (final && v.length !== 18)) { return rule('ID_LENGTH', { n: v.length, want: 18 }); }
    if (v.length < 18) { return null; }
    var sum = 0;
    for (var j = 0; j < 17; j++) { sum += (v.charCodeAt(j) - 48) * W[j]; }
    if ('10X98765432'.charAt(sum % 11) !== v.charAt(17)) { return rule('ID_CHECK_CHARACTER'); }
    return null;
  }
  var HAN = /\p{Script=Han}/u, LATIN = /\p{Script=Latin}/u, LETTER = /\p{L}/u, MARK = /\p{Mn}/u;
  var DOTS = /[\u00B7\u0387\u2022\u2024\u2027\u2219\u22C5\u25CF\u25E6\u2981\u2E31\u2E33\u30FB\uFF65\u318D\uA78F\u1427\u16EB]/;
  function checkName(v) {
    var cs = Array.from(v.normalize('NFKC').trim());
    if (!cs.length) { return null; }
    if (cs.length > cfg.max_name) { return rule('NAME_TOO_LONG', { n: cs.length, want: cfg.max_name }); }
    var han = 0, latin = 0;
    for (var i = 0; i < cs.length; i++) {
      var c = cs[i];
      if (HAN.test(c)) { han++; continue; }
      if (LETTER.test(c)) { if (LATIN.test(c)) { latin++; } continue; }
      if (MARK.test(c) && i > 0 && LETTER.test(cs[i - 1])) { continue; }
      if (DOTS.test(c) || /[\s\-'.\u2018\u2019\u2010-\u2015\u3002]/.test(c)) { continue; }
      return rule('NAME_CHARACTER', { pos: i + 1, 'char': c });
    }
    if (han && latin) { return rule('NAME_MIXED_SCRIPT'); }
    return null;
  }
  function checkPhone(v, final) {
    var s = v.replace(/[\s\-()]/g, '');
    if (!s) { return null; }
    if (!/^\+?[0-9]+$/.test(s)) { return rule('PHONE_NOT_A_NUMBER'); }
    var national = null;
    if (s.charAt(0) !== '+') { national = s; } else if (s.indexOf('+86') === 0) { national = s.slice(3); }
    if (national === null || national.charAt(0) !== '1') { return null; } // left to the server
    if (national.length > 11) { return rule('PHONE_TOO_LONG'); }
    if (final && national.length < 11) { return rule('PHONE_TOO_SHORT'); }
    return null;
  }
  function localCheck(f, final) {
    var v = $('f-' + f).value;
    if (f === 'id_number' && $('f-id_type').value === 'cn_resident') { return checkResidentID(v, final); }
    if (f === 'guardian_id_number' && ($('f-guardian_id_type').value || 'cn_resident') === 'cn_resident') { return checkResidentID(v, final); }
    if (f === 'full_name' || f === 'guardian_name') { return checkName(v); }
    if (f === 'phone') { return checkPhone(v, final); }
    return null;
  }
  // checkField shows the browser's finding or else the server's error for f.
  function checkField(f, final) {
    var e = localCheck(f, final) || (touched[f] ? serverErrors[f] : null);
    var box = $('err-' + f), input = $('f-' + f);
    box.textContent = '';
    if (e) {
      box.appendChild(el('span', { 'class': 'msg' }, e.message));
      if (e.hint) { box.appendChild(el('span', { 'class': 'hint' }, ' ' + e.hint)); }
      if (e.code) { box.setAttribute('data-code', e.code); }
      input.setAttribute('aria-invalid', 'true');
    } else {
      box.removeAttribute('data-code');
      input.removeAttribute('aria-invalid');
    }
    show(box, !!e);
    return !e;
  }

  var saving = null;
  var lastSaved = '';
  // save PUTs the applicant; with advance, moves on when everything is right.
  function save(advance) {
    if (!editable()) { return Promise.resolve(); }
    var body = values();
    var key = JSON.stringify(body);
    if (!advance && key === lastSaved) { return Promise.resolve(); }
    var run = function () {
      $('applicant-saved').textContent = t('saving');
      // Draft mode: 200 with the field errors in a list, so that a
      // half-typed form is no HTTP error.
      return api('PUT', base + '/applicant?draft=1', body).then(function (r) {
        $('applicant-saved').textContent = '';
        if (r.status === 0 || (r.status >= 500)) { showError(errMessage(r)); return; }
        setView(r.body.verification);
        serverErrors = {};
        var fes = (r.status === 200 ? r.body.fields : (r.body.error && r.body.error.fields)) || [];
        if (r.status === 200 && fes.length) { r.status = 400; } // not right yet: same handling as before
        if (r.status === 400 && fes.length) {
          fes.forEach(function (fe) {
            // An answer about a value that has since been changed is stale.
            var input = $('f-' + fe.field);
            if (input && fe.field !== 'nationality' && input.value.trim() !== (body[fe.field] || '')) { return; }
            if (!serverErrors[fe.field]) { serverErrors[fe.field] = { message: fe.message, hint: fe.hint, code: fe.code }; }
          });
        } else if (r.status !== 200) {
          showError(errMessage(r));
          return;
        }
        lastSaved = key;
        if (r.status === 200) { $('applicant-saved').textContent = t('saved'); }
        if (screen !== 'applicant') { return; }
        renderApplicant(false);
        renderStepbar();
        if (advance) {
          if (r.status === 200) { go(nextScreen()); return; }
          var first = document.querySelector('#applicant-fields [aria-invalid=true]');
          if (first) { first.focus(); }
        }
      });
    };
    saving = (saving || Promise.resolve()).then(run, run);
    return saving;
  }

  // ---------------------------------------------------------------- phone
  function renderPhone() {
    var a = view.applicant || {};
    if (!$('phone-send').hasAttribute('data-wait')) { $('phone-send').textContent = t('phone.send'); }
    $('phone-confirm').textContent = t('phone.confirm');
    $('phone-code-label').textContent = t('phone.code');
    $('phone-next').textContent = t('next');
    $('phone-change').textContent = t('phone.change');
    show($('phone-change'), editable());
    if (a.phone_confirmed) {
      $('phone-text').textContent = t('phone.confirmed', { phone: a.phone });
      show($('phone-send'), false);
      show($('phone-code-box'), false);
      show($('phone-next'), true);
      return;
    }
    if (!$('phone-code-box').hidden) { return; } // a code is on its way: keep the countdown
    $('phone-text').textContent = a.phone || '';
    show($('phone-send'), true);
    show($('phone-next'), false);
  }
  // A new code can be asked for 60 seconds after the last (the server's
  // limit): the button counts down until then.
  var resendTimer = null;
  function countdown(left) {
    var b = $('phone-send');
    clearTimeout(resendTimer);
    if (left <= 0) {
      b.disabled = false;
      b.textContent = t('phone.resend');
      b.removeAttribute('data-wait');
      return;
    }
    b.disabled = true;
    b.setAttribute('data-wait', String(left));
    b.textContent = t('phone.wait', { s: left });
    resendTimer = setTimeout(function () { countdown(left - 1); }, 1000);
  }
  $('phone-send') && $('phone-send').addEventListener('click', function () {
    $('phone-send').disabled = true;
    api('POST', base + '/phone/send').then(function (r) {
      $('phone-send').disabled = false;
      if (r.status !== 202) {
        showError(errMessage(r));
        var wait = r.body.error && r.body.error.code === 'PHONE_CODE_TOO_SOON' && r.body.error.retry_after_seconds;
        if (wait && wait <= 60) { countdown(wait); } // e.g. after a reload: the same 60 seconds
        return;
      }
      showError('');
      $('phone-text').textContent = t('phone.sent', { phone: view.applicant.phone });
      countdown(60);
      show($('phone-code-box'), true);
      $('phone-code').focus();
    });
  });
  function confirmCode() {
    var code = $('phone-code').value.trim();
    $('phone-confirm').disabled = true;
    api('POST', base + '/phone/confirm', { code: code }).then(function (r) {
      $('phone-confirm').disabled = false;
      var box = $('phone-error');
      if (r.status !== 200) {
        box.textContent = errMessage(r);
        show(box, true);
        return;
      }
      show(box, false);
      setView(r.body.verification);
      go(nextScreen());
    });
  }
  $('phone-confirm') && $('phone-confirm').addEventListener('click', confirmCode);
  $('phone-code') && $('phone-code').addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); confirmCode(); } });
  $('phone-next') && $('phone-next').addEventListener('click', function () { go(nextScreen()); });
  $('phone-change') && $('phone-change').addEventListener('click', function () { go('applicant'); });

  // ------------------------------------------------------------ documents
  var uploading = {}; // kind -> true while a photo is on its way
  function docSteps() {
    return (view.steps || []).filter(function (s) { return s.step.indexOf('documents:') === 0; });
  }
  function renderDocuments() {
    $('documents-lead').textContent = t('doc.lead');
    $('documents-next').textContent = t('next');
    var list = $('doc-list');
    docSteps().forEach(function (s) {
      var kind = s.step.slice('documents:'.length);
      var box = $('doc-' + kind);
      if (!box) {
        box = el('div', { 'class': 'doc', id: 'doc-' + kind, 'data-kind': kind });
        box.appendChild(el('h3', {}, (cfg.documents[kind] || { title: kind }).title));
        var label = el('label', { 'class': 'file', 'for': 'file-' + kind }, t('doc.choose'));
        var input = el('input', { type: 'file', id: 'file-' + kind, accept: 'image/jpeg,image/png', capture: kind === 'selfie' ? 'user' : 'environment' });
        input.addEventListener('change', function () {
          if (input.files && input.files[0]) { showThumb(kind, input.files[0]); uploadDocument(kind, input.files[0]); }
          input.value = '';
        });
        box.appendChild(label);
        box.appendChild(input);
        cameraSlot(kind, box, label);
        var prog = el('progress', { id: 'progress-' + kind, max: '100', value: '0' });
        prog.hidden = true;
        box.appendChild(prog);
        box.appendChild(el('p', { 'class': 'doc-state', id: 'state-' + kind, 'aria-live': 'polite' }));
        box.appendChild(el('ul', { 'class': 'reasons', id: 'reasons-' + kind }));
        list.appendChild(box);
      }
      var docID = view.documents && view.documents[kind];
      if (uploading[kind]) { return; }
      if (docID && docID !== verdicts[kind + ':id']) { checkReading(kind, docID); } // a photo from another device, or a reload
      var verdict = verdicts[kind];
      if (verdict === 'pending') { return; } // "checking…" stays until the reading answers
      if (verdict === 'refused') {
        box.removeAttribute('data-done');
        return;
      }
      if (s.done && docID) {
        docState(kind, '\u2713 ' + t('doc.ok'), 'ok');
        $('file-' + kind).previousSibling.textContent = t('doc.again');
        box.setAttribute('data-done', 'true');
        box.removeAttribute('data-redo');
      } else {
        box.removeAttribute('data-done');
        if (s.redo) { box.setAttribute('data-redo', 'true'); } else { box.removeAttribute('data-redo'); }
        var st = $('state-' + kind);
        if (st.className.indexOf('bad') < 0) { docState(kind, ''); }
      }
    });
  }

  // The reading of a photo (contract.md): "checking…" while it runs, then
  // its verdict (a wrong side or kind, an expired document) in the slot;
  // for the ID front, the name and number read are offered for the form.
  // A server without readings gives the quality verdict alone.
  var verdicts = {}; // kind -> 'pending' | 'refused' | 'ok'; kind+':id' -> the document it is about
  var readPolls = {};
  function checkReading(kind, docID, doc) {
    verdicts[kind + ':id'] = docID;
    clearTimeout(readPolls[kind]);
    var tries = 0;
    function step(d) {
      if (verdicts[kind + ':id'] !== docID) { return; } // replaced meanwhile
      var rd = d && d.reading;
      var box = $('doc-' + kind);
      if (!rd || !rd.status) { delete verdicts[kind]; box.removeAttribute('data-reading'); renderDocuments(); return; }
      box.setAttribute('data-reading', rd.status);
      if (rd.status === 'pending' && tries < 120) {
        verdicts[kind] = 'pending';
        box.removeAttribute('data-done');
        docState(kind, t('doc.checking'));
        readPolls[kind] = setTimeout(function () { tries++; fetchDoc(); }, 500);
        return;
      }
      var reasons = rd.reasons || [];
      if (reasons.length) {
        verdicts[kind] = 'refused';
        box.setAttribute('data-refused', 'true');
        box.removeAttribute('data-done');
        docState(kind, t('doc.refused'), 'bad');
        showReasons($('reasons-' + kind), reasons);
        $('file-' + kind).previousSibling.textContent = t('doc.again');
        return;
      }
      verdicts[kind] = 'ok';
      box.removeAttribute('data-refused');
      showReasons($('reasons-' + kind), []);
      if (rd.status === 'done' && rd.fields) { offerReading(kind, rd.fields); }
      renderDocuments();
    }
    function fetchDoc() {
      api('GET', '/api/v1/documents/' + encodeURIComponent(docID)).then(function (r) {
        if (r.status !== 200) { delete verdicts[kind]; return; }
        step(r.body.document);
      });
    }
    if (doc) { step(doc); } else { fetchDoc(); }
  }

  // offerReading shows what was read from the ID front beside what was
  // typed: each line can be corrected and used, so that a difference is
  // caught before submitting, not after.
  var OFFER = { name: 'full_name', id_number: 'id_number' };
  function offerReading(kind, fields) {
    if (kind !== 'id_front' && kind !== 'passport' && kind !== 'residence_permit') { return; }
    var old = $('offer-' + kind);
    if (old) { old.parentNode.removeChild(old); }
    var rows = Object.keys(OFFER).filter(function (k) { return fields[k] && fields[k].value; });
    if (!rows.length || !editable()) { return; }
    var box = el('div', { 'class': 'read-offer', id: 'offer-' + kind });
    box.appendChild(el('p', {}, t('doc.read.title')));
    rows.forEach(function (k) {
      var f = OFFER[k], read = fields[k].value;
      var row = el('div', { 'class': 'row', 'data-field': f });
      row.appendChild(el('label', { 'for': 'offer-' + f }, cfg.fields[f]));
      var line = el('div', { 'class': 'row-line' });
      var input = el('input', { type: 'text', id: 'offer-' + f, value: read, autocomplete: 'off', spellcheck: 'false' });
      input.value = read;
      var use = el('button', { type: 'button', id: 'offer-use-' + f }, t('doc.read.use'));
      line.appendChild(input);
      line.appendChild(use);
      row.appendChild(line);
      var note = el('p', { 'class': 'note', id: 'offer-note-' + f });
      row.appendChild(note);
      function compare() {
        var typed = (view.applicant || {})[f] || '';
        var same = typed.replace(/\s/g, '').toUpperCase() === input.value.trim().replace(/\s/g, '').toUpperCase();
        note.textContent = same ? t('doc.read.same') : t('doc.read.differs', { v: typed || t('doc.read.none') });
        note.className = 'note ' + (same ? 'ok' : 'bad');
        show(use, !same);
        row.setAttribute('data-same', same ? 'true' : 'false');
      }
      input.addEventListener('input', compare);
      use.addEventListener('click', function () {
        var a = view.applicant || {}, body = {};
        BASE_FIELDS.concat(EXTRA_FIELDS).forEach(function (g) { if (a[g]) { body[g] = a[g]; } });
        body[f] = input.value.trim();
        use.disabled = true;
        api('PUT', base + '/applicant?draft=1', body).then(function (r) {
          use.disabled = false;
          if (r.status !== 200) { showError(errMessage(r)); return; }
          setView(r.body.verification);
          if ($('f-' + f)) { $('f-' + f).value = view.applicant[f] || body[f]; }
          lastSaved = '';
          compare();
          var fe = (r.body.fields || []).filter(function (x) { return x.field === f; })[0];
          if (fe) { note.textContent = fe.message; note.className = 'note bad'; } else { note.textContent = t('doc.read.used'); }
          renderStepbar();
        });
      });
      box.appendChild(row);
      compare();
    });
    $('reasons-' + kind).parentNode.insertBefore(box, $('reasons-' + kind).nextSibling);
  }

  // Camera capture (static/camera.js): a button per slot opens the camera;
  // the photo taken goes to uploadDocument like a chosen file. The file
  // picker stays, and is what is left when there is no camera.
  function cameraSlot(kind, box, label) {
    if (!$('photo-examples') && window.VWCamera) {
      $('doc-list').parentNode.insertBefore(window.VWCamera.examples(t), $('doc-list'));
    }
    var thumb = el('img', { 'class': 'doc-thumb', id: 'thumb-' + kind, alt: t('cam.taken') });
    thumb.hidden = true;
    box.insertBefore(thumb, label);
    if (kind === 'selfie' && window.VWSelfie) { return selfieSlot(kind, box, label); } // static/selfie.js
    if (!window.VWCamera) { return; }
    var b = el('button', { type: 'button', 'class': 'camera', id: 'camera-' + kind }, t('cam.open'));
    var note = el('p', { 'class': 'muted cam-note', id: 'camera-note-' + kind });
    note.hidden = true;
    b.addEventListener('click', function () {
      window.VWCamera.open({ title: (cfg.documents[kind] || { title: kind }).title, t: t,
        onCapture: function (blob) { showThumb(kind, blob); uploadDocument(kind, blob); },
        onUnavailable: function (msg) { note.textContent = msg; show(note, true); label.focus(); } });
    });
    box.insertBefore(b, label);
    box.insertBefore(note, label);
    label.className = 'file secondary';
  }
  // The selfie slot: the front camera with an oval guide (static/selfie.js).
  function selfieSlot(kind, box, label) {
    var b = el('button', { type: 'button', 'class': 'camera', id: 'camera-' + kind }, t('selfie.open'));
    var note = el('p', { 'class': 'muted cam-note', id: 'camera-note-' + kind });
    note.hidden = true;
    b.addEventListener('click', function () {
      window.VWSelfie.open({ title: t('selfie.title'), t: t, lang: cfg.lang,
        onCapture: function (blob) { showThumb(kind, blob); uploadDocument(kind, blob); },
        onUnavailable: function (msg) { note.textContent = msg; show(note, true); label.focus(); } });
    });
    box.insertBefore(el('p', { 'class': 'muted', id: 'selfie-lead' }, t('selfie.lead')), label);
    box.insertBefore(b, label);
    box.insertBefore(note, label);
    label.className = 'file secondary';
  }
  function showThumb(kind, blob) {
    var img = $('thumb-' + kind);
    if (!img) { return; }
    if (img.src) { URL.revokeObjectURL(img.src); }
    img.src = URL.createObjectURL(blob);
    show(img, true);
  }

  function docState(kind, text, cls) {
    var st = $('state-' + kind);
    st.textContent = text;
    st.className = 'doc-state' + (cls ? ' ' + cls : '');
  }
  function showReasons(ul, reasons) {
    ul.textContent = '';
    (reasons || []).forEach(function (r) {
      var li = el('li', { 'class': 'reason', 'data-code': r.code });
      li.appendChild(el('span', { 'class': 'reason-message' }, r.message));
      if (r.hint) { li.appendChild(el('span', { 'class': 'reason-hint' }, ' ' + r.hint)); }
      li.appendChild(helpLink(r.code));
      ul.appendChild(li);
    });
  }
  function uploadDocument(kind, file) {
    var gate = (cfg.documents[kind] || {}).gate || kind;
    var prog = $('progress-' + kind), box = $('doc-' + kind);
    uploading[kind] = true;
    delete verdicts[kind];
    verdicts[kind + ':id'] = '';
    if ($('offer-' + kind)) { $('offer-' + kind).parentNode.removeChild($('offer-' + kind)); }
    box.removeAttribute('data-done');
    box.removeAttribute('data-refused');
    box.setAttribute('data-uploading', 'true');
    showReasons($('reasons-' + kind), []);
    prog.value = 0;
    show(prog, true);
    docState(kind, t('doc.uploading', { pct: 0 }));
    var up = new tus.Upload(file, {
      endpoint: '/api/v1/uploads/',
      chunkSize: 1 << 20,
      retryDelays: [0, 300, 1000, 3000, 5000, 10000],
      metadata: { kind: gate, filename: file.name || 'photo.jpg' },
      removeFingerprintOnSuccess: true,
      headers: { 'Accept-Language': cfg.lang },
      onProgress: function (sent, total) {
        var pct = total ? Math.floor(sent * 100 / total) : 0;
        prog.value = pct;
        docState(kind, t('doc.uploading', { pct: pct }));
      },
      onShouldRetry: function (err, attempt, options) {
        docState(kind, t('doc.retrying'));
        var st = err && err.originalResponse ? err.originalResponse.getStatus() : 0;
        return !(st >= 400 && st < 500 && st !== 409 && st !== 423);
      },
      onError: function (err) {
        uploading[kind] = false;
        box.removeAttribute('data-uploading');
        var msg = t('error.network');
        try {
          var body = err.originalResponse && JSON.parse(err.originalResponse.getBody());
          if (body && body.error && body.error.message) { msg = body.error.message; }
        } catch (e) { /* not JSON */ }
        docState(kind, msg, 'bad');
      },
      onSuccess: function () {
        var uploadID = up.url.split('/').pop();
        prog.value = 100;
        docState(kind, t('doc.checking'));
        var created = null;
        api('POST', '/api/v1/documents', { kind: gate, upload_id: uploadID }).then(function (r) {
          if (r.status !== 201) { return r; }
          var d = r.body.document;
          if (!d.quality.accepted) {
            r.refused = d.quality.reasons;
            return r;
          }
          created = d;
          return api('POST', base + '/documents', { kind: kind, document_id: d.id });
        }).then(function (r) {
          uploading[kind] = false;
          box.removeAttribute('data-uploading');
          show(prog, false);
          if (r.refused) {
            docState(kind, t('doc.refused'), 'bad');
            showReasons($('reasons-' + kind), r.refused);
            box.setAttribute('data-refused', 'true');
            return;
          }
          if (r.status !== 200) {
            docState(kind, errMessage(r), 'bad');
            return;
          }
          box.removeAttribute('data-refused');
          setView(r.body.verification);
          renderStepbar();
          if (created) { checkReading(kind, created.id, created); }
          renderDocuments();
        });
      }
    });
    up.findPreviousUploads().then(function (prev) {
      if (prev.length) { up.resumeFromPreviousUpload(prev[0]); }
      up.start();
    });
  }
  $('documents-next') && $('documents-next').addEventListener('click', function () { go(nextScreen()); });

  // --------------------------------------------------------------- submit
  function renderSubmit() {
    $('submit-lead').textContent = t('submit.lead');
    $('submit-case').textContent = t('submit');
    var a = view.applicant || {}, dl = $('summary');
    dl.textContent = '';
    ['full_name', 'id_type', 'id_number', 'phone'].forEach(function (f) {
      var v = a[f] || '';
      if (f === 'id_type') { cfg.id_types.forEach(function (o) { if (o.value === v) { v = o.title; } }); }
      dl.appendChild(el('dt', {}, cfg.fields[f]));
      dl.appendChild(el('dd', { id: 'summary-' + f }, v));
    });
    renderMissing($('submit-missing'), view.missing || []);
    if (view.attempts_left <= 0 && view.next_attempt_at) {
      $('submit-attempts').textContent = t('attempts.exceeded', { time: when(view.next_attempt_at) });
    } else {
      $('submit-attempts').textContent = t('attempts', { n: view.attempts_left });
    }
    show($('submit-case'), view.attempts_left > 0);
  }
  function renderMissing(box, list, heading) {
    box.textContent = '';
    if (!list.length) { return; }
    box.appendChild(el('p', { 'class': 'error' }, heading || t('submit.missing')));
    var ul = el('ul', { 'class': 'reasons' });
    list.forEach(function (r) { ul.appendChild(reasonItem(r, r.step || stepOfField(r.field))); });
    box.appendChild(ul);
  }
  function stepOfField(f) {
    if (!f) { return ''; }
    if (f === 'phone_confirmed') { return 'phone'; }
    if (cfg.documents[f]) { return 'documents'; }
    return 'applicant';
  }
  $('submit-case') && $('submit-case').addEventListener('click', function () {
    $('submit-case').disabled = true;
    api('POST', base + '/submit', undefined, { 'Idempotency-Key': submitKey }).then(function (r) {
      $('submit-case').disabled = false;
      if (r.status === 202) {
        submitKey = randomKey();
        setView(r.body.verification);
        go('status');
        return;
      }
      if (r.body.error && r.body.error.fields) {
        renderMissing($('submit-missing'), r.body.error.fields.map(function (f) {
          return { code: f.code, field: f.field, message: f.message, hint: f.hint };
        }), r.body.error.code === 'RESUBMIT_UNCHANGED' ? t('submit.unchanged') : '');
      }
      if (r.body.error && r.body.error.code) { $('wizard-error').setAttribute('data-code', r.body.error.code); }
      showError(errMessage(r));
    });
  });

  // Every reason links to its help-centre article (support.ReasonSlug).
  function helpLink(code) {
    var a = el('a', { 'class': 'reason-help', href: '/help/reason-' + String(code || '').toLowerCase().replace(/_/g, '-') }, ' ' + t('status.help'));
    return a;
  }

  // --------------------------------------------------------------- status
  function reasonItem(r, step) {
    var li = el('li', { 'class': 'reason', 'data-code': r.code });
    li.appendChild(el('p', { 'class': 'reason-message' }, r.message));
    if (r.hint) {
      var p = el('p', { 'class': 'reason-hint' });
      p.appendChild(el('strong', {}, t('status.fix') + ' '));
      p.appendChild(document.createTextNode(r.hint));
      li.appendChild(p);
    }
    li.appendChild(helpLink(r.code));
    var sc = step ? screenOf(step) : '';
    if (sc && editable() && view.attempts_left > 0) {
      var b = el('button', { type: 'button', 'class': 'redo', 'data-step': step }, t('status.redo'));
      b.addEventListener('click', function () { go(sc); });
      li.appendChild(b);
    }
    return li;
  }
  function renderStatus() {
    var s = view.status;
    $('status-title').textContent = view.status_title || (cfg.status[s] || {}).title || s;
    $('status-title').setAttribute('data-status', s);
    var spent = view.attempts_left <= 0 && !!view.next_attempt_at;
    // At the limit, "correct and submit again" cannot be done now: say when.
    $('status-text').textContent = s === 'retry_required' && spent ? t('status.retry_spent') : (cfg.status[s] || {}).text || '';
    var busy = s === 'submitted' || s === 'processing';
    $('status-wait').textContent = t('status.wait');
    show($('status-wait'), busy);
    var ul = $('status-reasons');
    ul.textContent = '';
    var said = false;
    (view.reasons || []).forEach(function (r) {
      // The title and text above already say "checking, a few seconds".
      if (r.code === 'CHECKING' && busy) { return; }
      if (r.code === 'ATTEMPTS_EXCEEDED' && spent) {
        // One time on the screen, in this device's zone, with the zone named.
        r = { code: r.code, message: t('attempts.exceeded', { time: when(view.next_attempt_at) }), hint: '' };
        said = true;
      }
      ul.appendChild(reasonItem(r, r.step || stepOfField(r.field || r.document)));
    });
    // The reviewer's message to the customer (issue 14), as text.
    var cm = $('status-comment');
    cm.textContent = view.reviewer_comment ? t('status.comment') + ' ' + view.reviewer_comment : '';
    show(cm, !!view.reviewer_comment);
    $('status-attempts').textContent = editable() && !spent ? t('attempts', { n: view.attempts_left }) : '';
    var next = $('status-next-attempt');
    next.textContent = view.next_attempt_at ? t('next_attempt', { time: when(view.next_attempt_at) }) : '';
    show(next, spent && !said && editable());
    $('status-resubmit').textContent = t('status.resubmit');
    show($('status-resubmit'), s === 'retry_required' && view.attempts_left > 0);
    var cn = $('status-case-number');
    cn.textContent = '';
    if (view.case_number) {
      var parts = t('case_number', { n: '\u0000' }).split('\u0000');
      cn.appendChild(document.createTextNode(parts[0]));
      cn.appendChild(el('strong', { id: 'case-number' }, view.case_number));
      cn.appendChild(document.createTextNode(parts[1] || ''));
    }
    show(cn, !!view.case_number && s !== 'draft');
    $('support-link').textContent = t('status.support');
    show($('support-link'), s !== 'approved');
    $('status-home').textContent = t('status.home');
    show($('status-home'), s === 'approved');
    if (!busy && s !== 'draft' && feed.shown !== s) { feed.shown = s; feed.via = via; feed.shownAt = performance.timeOrigin + performance.now(); }
    schedulePoll();
  }
  // The stream's fallback while the case is being checked; a slow poll even
  // while the stream is up, in case it died silently.
  function schedulePoll() {
    clearTimeout(pollTimer);
    var s = view && view.status;
    if (screen === 'status' && (s === 'submitted' || s === 'processing')) { pollTimer = setTimeout(poll, feed.live ? 10000 : 1000); }
  }
  $('status-resubmit') && $('status-resubmit').addEventListener('click', function () { go('submit'); });
  function poll() {
    feed.polls++;
    api('GET', base).then(function (r) {
      if (r.status === 200) {
        via = 'poll';
        setView(r.body.verification);
        if (screen === 'status') { renderStepbar(); renderStatus(); }
      } else if (screen === 'status') {
        pollTimer = setTimeout(poll, 1000);
      }
    });
  }

  // ----------------------------------------------------------------- live
  // The case's changes come on an event stream (a decision the moment it
  // is committed, a photo from the phone); each one fetches the case. When
  // the stream breaks, the polls take over and it is tried again later.
  var feed = window.__vwFeed = { live: false, events: 0, polls: 0, skips: 0 }, via = 'load', stream = null, retryIn = 1000;
  function live() {
    if (!window.EventSource || stream) { return; }
    stream = new EventSource(base + '/events');
    stream.addEventListener('case', function (e) {
      var d = {};
      try { d = JSON.parse(e.data); } catch (x) { return; }
      if (!feed.live) { feed.live = true; schedulePoll(); } // the quick poll gives way
      retryIn = 1000;
      if (d.kind === 'hello' && view && d.status === view.status && Date.parse(d.updated_at) === Date.parse(view.updated_at)) { return; }
      feed.events++;
      pull(d);
    });
    stream.onerror = function () {
      stream.close();
      stream = null;
      feed.live = false;
      feed.errors = (feed.errors || 0) + 1;
      schedulePoll(); // quick polls again while it is checking
      setTimeout(live, retryIn);
      retryIn = Math.min(retryIn * 2, 30000);
    };
  }
  // pull fetches the case after an event, once this page's own changes
  // have their answers (the event may be about them; nothing is redrawn
  // under a request in flight).
  function pull(d) {
    var again = function () { pull(d); };
    if (writes > 0) { setTimeout(again, 100); return; }
    // Already showing that state (this page's own change): nothing to fetch.
    if (d && d.kind !== 'sync' && view && d.status === view.status && Date.parse(d.updated_at) === Date.parse(view.updated_at)) { return; }
    api('GET', base).then(function (r) {
      if (writes > 0) { setTimeout(again, 100); return; }
      if (r.status === 200 && r.body.verification) { via = 'push'; changed(r.body.verification); }
    });
  }
  // A tab out of sight gives its connection back (browsers allow six per
  // site over HTTP/1.1) and polls; back in sight, it listens again.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') { live(); return; }
    if (!stream) { return; }
    stream.close();
    stream = null;
    feed.live = false;
    schedulePoll();
  });
  // changed shows a newer state of the case: the status screen redrawn,
  // other screens only where the form is not under the customer's fingers.
  function changed(v) {
    var was = view, same = was && v.updated_at === was.updated_at && v.status === was.status;
    setView(v);
    if (screen === 'status') { if (!same) { renderStepbar(); renderStatus(); } return; }
    if (!editable()) { go('status'); return; }
    if (same) { return; }
    if (Object.keys(uploading).some(function (k) { return uploading[k]; })) { return; }
    renderStepbar();
    if (screen === 'documents') { renderDocuments(); }
    if (screen === 'phone') { renderPhone(); }
    if (screen === 'submit') { renderSubmit(); }
  }

  // -------------------------------------------------------------- hand-off
  $('handoff-show') && $('handoff-show').addEventListener('click', function () {
    $('handoff-show').disabled = true;
    api('POST', '/api/v1/handoff', { verification_id: caseID }).then(function (r) {
      $('handoff-show').disabled = false;
      if (r.status !== 201 && r.status !== 200) { showError(errMessage(r)); return; }
      var abs = location.origin + r.body.url;
      var a = $('handoff-link');
      a.href = abs;
      a.textContent = abs;
      $('handoff-expires').textContent = t('handoff.valid', { time: when(r.body.expires_at) });
      show($('handoff-box'), true);
      return fetch('/verify/qr.svg', { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ url: abs }) })
        .then(function (res) { return res.ok ? res.blob() : null; })
        .then(function (b) { if (b) { $('handoff-qr').src = URL.createObjectURL(b); } });
    });
  });

  // ---------------------------------------------------------------- watch
  // A light poll while the case is open: what the phone did (a photo, the
  // code) shows on the desktop without a reload. The form is never
  // redrawn under the customer's fingers.
  function watch() {
    setTimeout(watch, 3000);
    if ((feed.live && ++feed.skips % 10) || !view || !editable() || document.visibilityState !== 'visible' || screen === 'status') { return; }
    if (Object.keys(uploading).some(function (k) { return uploading[k]; })) { return; }
    api('GET', base).then(function (r) {
      if (r.status !== 200 || !r.body.verification) { return; }
      var v = r.body.verification;
      if (v.updated_at === view.updated_at && v.status === view.status) { return; }
      via = 'poll';
      changed(v);
    });
  }

  // --------------------------------------------------------- consent gate
  // The separate consent to sensitive personal information (PIPL art. 29)
  // comes before the first step that collects any (the ID number).
  function consentGate(then) {
    var box = $('screen-consent');
    var version = box.getAttribute('data-version');
    if (!editable()) { then(); return; }
    api('GET', '/api/v1/me').then(function (r) {
      var given = (r.body.consents || []).some(function (c) {
        return c.document === 'sensitive_personal_info' && c.version === version;
      });
      if (given) { then(); return; }
      // Given to an older policy: asked again, saying why.
      var old = (r.body.consents || []).filter(function (c) { return c.document === 'sensitive_personal_info'; }).pop();
      $('consent-title').textContent = t('consent.title');
      $('consent-lead').textContent = (old ? t('consent.updated', { old: old.version }) + ' ' : '') + t('consent.lead');
      $('consent-text').textContent = t('consent.accept', { version: version });
      $('consent-privacy').textContent = t('consent.privacy');
      $('consent-terms').textContent = t('consent.terms');
      $('consent-continue').textContent = t('consent.continue');
      show($('stepbar'), false);
      show(box, true);
      $('consent-continue').onclick = function () {
        if (!$('consent-accept').checked) {
          $('consent-error').textContent = t('consent.required');
          show($('consent-error'), true);
          return;
        }
        $('consent-continue').disabled = true;
        api('POST', '/api/v1/consents', { kind: 'sensitive_personal_info', version: version }).then(function (r2) {
          $('consent-continue').disabled = false;
          if (r2.status !== 201) { showError(errMessage(r2)); return; }
          show(box, false);
          show($('stepbar'), true);
          then();
        });
      };
    });
  }

  // ----------------------------------------------------------------- start
  api('GET', base).then(function (r) {
    show($('loading'), false);
    if (r.status !== 200) { showError(errMessage(r)); return; }
    setView(r.body.verification);
    consentGate(function () { go(firstScreen()); });
    setTimeout(watch, 3000);
    live();
  });
})();
