// Rebound dashboard: copy buttons, confirmations, local times, the live event stream and charts.
// No inline scripts (the Content-Security-Policy forbids them); everything hangs off data- attributes.
(function () {
  'use strict';

  function status(text) {
    var s = document.querySelector('.copy-status');
    if (s) { s.textContent = text; }
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand('copy');
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error('copy failed')); }
    });
  }

  document.addEventListener('click', function (e) {
    var button = e.target.closest('[data-copy]');
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute('data-copy'));
    copy(source.textContent).then(function () {
      var label = button.textContent;
      button.textContent = 'Copied';
      status('Copied to the clipboard.');
      setTimeout(function () { button.textContent = label; }, 2000);
    }, function () {
      status('Could not copy: select the text and press Ctrl+C.');
    });
  });

  document.addEventListener('submit', function (e) {
    var question = e.target.getAttribute('data-confirm');
    if (question && !window.confirm(question)) { e.preventDefault(); }
  });

  function localTimes(root) {
    root.querySelectorAll('time.local-time').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d)) { t.textContent = d.toLocaleString(); t.title = t.getAttribute('datetime'); }
    });
  }

  function cell(row, text, cls) {
    var td = document.createElement('td');
    if (cls) { td.className = cls; }
    if (text instanceof Node) { td.appendChild(text); } else { td.textContent = text == null ? '' : text; }
    row.appendChild(td);
    return td;
  }

  function eventRow(ev, visitorBase) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-testid', 'event-row');
    tr.setAttribute('data-type', ev.type);
    if (ev.warnings && ev.warnings.length) { tr.className = 'warn'; }
    var time = document.createElement('time');
    time.className = 'local-time';
    time.setAttribute('datetime', ev.time);
    time.textContent = new Date(ev.time).toLocaleString();
    cell(tr, time);
    var type = document.createElement('span');
    type.className = 'type';
    type.textContent = ev.type;
    cell(tr, type);
    var products = cell(tr, '');
    (ev.products || []).forEach(function (p, i) {
      if (i) { products.appendChild(document.createTextNode(', ')); }
      var c = document.createElement('code');
      c.textContent = p;
      products.appendChild(c);
    });
    cell(tr, ev.value ? ev.value + ' ' + (ev.currency || '') : '', 'num');
    var a = document.createElement('a');
    a.href = visitorBase + encodeURIComponent(ev.visitor);
    a.textContent = ev.visitor;
    cell(tr, a);
    cell(tr, ev.source);
    var warnings = cell(tr, '');
    (ev.warnings || []).forEach(function (w) {
      var s = document.createElement('span');
      s.className = 'warning';
      s.textContent = '⚠ ' + w;
      warnings.appendChild(s);
    });
    return tr;
  }

  function liveStream() {
    var table = document.querySelector('table[data-stream]');
    if (!table || !window.EventSource) { return; }
    var body = table.querySelector('tbody');
    var state = document.querySelector('[data-testid="live-status"]');
    var onlyWarnings = document.getElementById('only-warnings');
    function filter() {
      body.querySelectorAll('tr').forEach(function (tr) {
        tr.hidden = onlyWarnings.checked && !tr.classList.contains('warn');
      });
    }
    if (onlyWarnings) { onlyWarnings.addEventListener('change', filter); }
    var source = new EventSource(table.getAttribute('data-stream'));
    source.onopen = function () { state.textContent = 'live'; state.classList.add('on'); };
    source.onerror = function () { state.textContent = 'reconnecting…'; state.classList.remove('on'); };
    source.addEventListener('event', function (m) {
      var ev = JSON.parse(m.data);
      var empty = document.getElementById('live-empty');
      if (empty) { empty.remove(); }
      var tr = eventRow(ev, table.getAttribute('data-visitor-base'));
      if (onlyWarnings && onlyWarnings.checked && !tr.classList.contains('warn')) { tr.hidden = true; }
      body.insertBefore(tr, body.firstChild);
      while (body.children.length > 200) { body.removeChild(body.lastChild); }
    });
  }

  function charts(root) {
    if (!window.Chart) { return; }
    root.querySelectorAll('canvas[data-chart]:not([data-rendered])').forEach(function (canvas) {
      var spec = JSON.parse(document.getElementById(canvas.getAttribute('data-chart')).textContent);
      canvas.chart = new window.Chart(canvas, {
        type: spec.type,
        data: {labels: spec.labels, datasets: [{label: spec.label, data: spec.data,
          borderColor: '#1f5fbf', backgroundColor: spec.type === 'line' ? 'rgba(31,95,191,0.12)' : '#1f5fbf',
          fill: spec.type === 'line', tension: 0.2, pointRadius: spec.data.length > 60 ? 0 : 2}]},
        options: {responsive: true, maintainAspectRatio: false, animation: false,
          plugins: {legend: {display: false}},
          scales: {x: {title: {display: !!spec.xTitle, text: spec.xTitle}, ticks: {maxTicksLimit: 12}},
                   y: {beginAtZero: true, title: {display: !!spec.yTitle, text: spec.yTitle}, ticks: {precision: 0}}}}
      });
      canvas.setAttribute('data-rendered', 'true');
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    localTimes(document);
    liveStream();
    charts(document);
  });
  // Charts refreshed by htmx: free the old Chart instances, draw the new canvases.
  document.addEventListener('htmx:beforeSwap', function (e) {
    e.detail.target.querySelectorAll('canvas[data-rendered]').forEach(function (c) {
      if (c.chart) { c.chart.destroy(); }
    });
  });
  document.addEventListener('htmx:afterSwap', function () { localTimes(document); charts(document); });
})();
