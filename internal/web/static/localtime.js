// Shows every <time data-local datetime="…"> in the browser's own time
// zone and the page's language, with the zone named (the server renders
// China time, labelled, for browsers without script).
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'zh-CN' ? 'zh-CN' : 'en-GB';
  var opts = { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  if (lang === 'zh-CN') { opts.month = 'long'; }
  var els = document.querySelectorAll('time[data-local]');
  for (var i = 0; i < els.length; i++) {
    var d = new Date(els[i].getAttribute('datetime'));
    if (isNaN(d.getTime())) { continue; }
    try {
      els[i].textContent = d.toLocaleString(lang, opts);
      els[i].setAttribute('data-zone', Intl.DateTimeFormat().resolvedOptions().timeZone || '');
    } catch (e) { /* keep the server's text */ }
  }
})();
