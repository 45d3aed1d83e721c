// Camera capture for veriwallet's document slots: getUserMedia (the rear
// camera preferred) with a card-shaped frame, live hints computed here on
// a downscaled frame (too dark, too bright or glare, blurry, move closer),
// auto-capture once the picture has been good and steady for a second, a
// shutter button, and a preview with "retake" and "use this photo". It
// knows nothing of the API: the caller gets the photo as a Blob.
//
//   VWCamera.open({ title, t, onCapture: function (blob) {}, onUnavailable: function (message) {} })
//   VWCamera.examples(t) -> an element with labelled good and bad examples
//
// t(key) returns the text for key (the wizard's texts: cam.*).
(function () {
  'use strict';

  var CARD = 85.6 / 54;     // ID-1 card aspect ratio
  var GUIDE_W = 0.8;        // the frame's width, as a fraction of the picture's
  var STEADY_MS = 1000;     // good and steady this long: auto-capture
  var TICK_MS = 120;

  // The thresholds, on the frame's inside scaled to ANALYSIS_W pixels wide,
  // grey levels 0..255. Set on generated cards; see TestCameraHints.
  var ANALYSIS_W = 480;
  var T = { dark: 60, bright: 205, blown: 0.25, glare: 0.03, sharp: 300, fill: 0.55, still: 6 };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  // guide is the card frame inside a w×h picture.
  function guide(w, h) {
    var gw = w * GUIDE_W, gh = gw / CARD;
    if (gh > h * 0.9) { gh = h * 0.9; gw = gh * CARD; }
    return { x: (w - gw) / 2, y: (h - gh) / 2, w: gw, h: gh };
  }

  // measure computes the light check on the frame's inside: grey levels of
  // a downscaled copy; mean brightness, the share of blown-out pixels, the
  // variance of the Laplacian (sharpness), how much of the frame's width
  // holds detail (the card's edges and print), and the mean difference to
  // the previous frame (steadiness).
  function measure(ctx, w, h, prev) {
    var data = ctx.getImageData(0, 0, w, h).data;
    var n = w * h, g = new Float32Array(n), sum = 0, blown = 0;
    for (var i = 0; i < n; i++) {
      var v = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
      g[i] = v;
      sum += v;
      if (v >= 250) { blown++; }
    }
    var mean = sum / n;
    var ls = 0, ls2 = 0, m = 0;
    var colEdge = new Float32Array(w);
    for (var y = 1; y < h - 1; y++) {
      for (var x = 1; x < w - 1; x++) {
        var k = y * w + x;
        var lap = g[k - 1] + g[k + 1] + g[k - w] + g[k + w] - 4 * g[k];
        ls += lap; ls2 += lap * lap; m++;
        var grad = Math.abs(g[k + 1] - g[k - 1]) + Math.abs(g[k + w] - g[k - w]);
        if (grad > 40) { colEdge[x]++; }
      }
    }
    var lapVar = m ? ls2 / m - (ls / m) * (ls / m) : 0;
    // The span of columns holding detail, from the 3rd to the 97th percentile.
    var total = 0, c;
    for (c = 0; c < w; c++) { total += colEdge[c]; }
    var acc = 0, lo = -1, hi = -1;
    for (c = 0; c < w; c++) {
      acc += colEdge[c];
      if (lo < 0 && acc >= total * 0.03) { lo = c; }
      if (hi < 0 && acc >= total * 0.97) { hi = c; }
    }
    var fill = total > n * 0.002 && lo >= 0 && hi >= 0 ? (hi - lo) / w : 0;
    var diff = 255;
    if (prev && prev.length === n) {
      var d = 0;
      for (i = 0; i < n; i += 3) { d += Math.abs(g[i] - prev[i]); }
      diff = d / Math.ceil(n / 3);
    }
    return { mean: mean, blown: blown / n, sharp: lapVar, fill: fill, diff: diff, grey: g };
  }

  // hint is the one thing to fix first, or '' when the frame is good.
  function hint(s) {
    if (s.mean < T.dark) { return 'dark'; }
    if (s.mean > T.bright || s.blown > T.blown) { return 'bright'; }
    if (s.blown > T.glare) { return 'glare'; }
    if (s.fill < T.fill) { return 'closer'; }
    if (s.sharp < T.sharp) { return 'blurry'; }
    return '';
  }

  // analyse measures the frame's inside of a picture (a video, an image or
  // a canvas of sw×sh pixels) on the small canvas.
  function analyse(src, sw, sh, small, prev) {
    var g = guide(sw, sh);
    var w = ANALYSIS_W, h = Math.round(ANALYSIS_W / CARD);
    if (small.width !== w) { small.width = w; small.height = h; }
    var ctx = small.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(src, g.x, g.y, g.w, g.h, 0, 0, w, h);
    var s = measure(ctx, w, h, prev);
    s.hint = hint(s);
    return s;
  }

  // check is the hint for a still picture ('' when good), and what was
  // measured: for tests and for tuning the thresholds.
  function check(src) {
    var s = analyse(src, src.naturalWidth || src.width, src.naturalHeight || src.height, document.createElement('canvas'), null);
    return { hint: s.hint, mean: s.mean, blown: s.blown, sharp: s.sharp, fill: s.fill };
  }

  function unavailable(err, t) {
    var name = err && err.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') { return t('cam.denied'); }
    if (name === 'NotFoundError' || name === 'OverconstrainedError') { return t('cam.nocamera'); }
    if (name === 'NotReadableError') { return t('cam.busy'); }
    return t('cam.unsupported');
  }

  function supported() {
    return !!(window.isSecureContext !== false && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function open(opts) {
    var t = opts.t;
    if (!supported()) { opts.onUnavailable(t('cam.unsupported')); return; }
    var stream = null, timer = null, prev = null, goodSince = 0, closed = false;
    var overlay = el('div', { 'class': 'cam', id: 'camera', role: 'dialog', 'aria-modal': 'true', 'aria-label': opts.title });
    var head = el('p', { 'class': 'cam-title' }, opts.title);
    var stage = el('div', { 'class': 'cam-stage' });
    var video = el('video', { id: 'camera-video', playsinline: '', muted: '', autoplay: '' });
    video.muted = true;
    var frame = el('div', { 'class': 'cam-frame', id: 'camera-frame' });
    stage.appendChild(video);
    stage.appendChild(frame);
    var tip = el('p', { 'class': 'cam-hint', id: 'camera-hint', 'aria-live': 'polite' }, t('cam.starting'));
    var shutter = el('button', { type: 'button', 'class': 'cam-shutter', id: 'camera-shutter' }, t('cam.shutter'));
    var cancel = el('button', { type: 'button', 'class': 'link cam-cancel', id: 'camera-cancel' }, t('cam.cancel'));
    var preview = el('div', { 'class': 'cam-preview', id: 'camera-preview' });
    preview.hidden = true;
    var img = el('img', { id: 'camera-photo', alt: t('cam.taken') });
    var retake = el('button', { type: 'button', 'class': 'secondary', id: 'camera-retake' }, t('cam.retake'));
    var use = el('button', { type: 'button', id: 'camera-use' }, t('cam.use'));
    preview.appendChild(el('p', { 'class': 'cam-hint' }, t('cam.check')));
    preview.appendChild(img);
    preview.appendChild(use);
    preview.appendChild(retake);
    overlay.appendChild(head);
    overlay.appendChild(stage);
    overlay.appendChild(tip);
    overlay.appendChild(shutter);
    overlay.appendChild(preview);
    overlay.appendChild(cancel);
    document.body.appendChild(overlay);
    var small = document.createElement('canvas');
    var taken = null;

    function stop() {
      clearInterval(timer);
      timer = null;
      if (stream) { stream.getTracks().forEach(function (tr) { tr.stop(); }); stream = null; }
    }
    function close() {
      closed = true;
      stop();
      if (img.src) { URL.revokeObjectURL(img.src); }
      overlay.remove();
    }
    function placeFrame() {
      // The frame over the picture as shown (object-fit: contain).
      var vw = video.videoWidth, vh = video.videoHeight;
      if (!vw || !vh) { return; }
      var bw = stage.clientWidth, bh = stage.clientHeight;
      var scale = Math.min(bw / vw, bh / vh), ox = (bw - vw * scale) / 2, oy = (bh - vh * scale) / 2;
      var g = guide(vw, vh);
      frame.style.left = (ox + g.x * scale) + 'px';
      frame.style.top = (oy + g.y * scale) + 'px';
      frame.style.width = (g.w * scale) + 'px';
      frame.style.height = (g.h * scale) + 'px';
    }
    function tick() {
      var vw = video.videoWidth, vh = video.videoHeight;
      if (!vw || !vh || video.readyState < 2) { return; }
      placeFrame();
      var s = analyse(video, vw, vh, small, prev);
      prev = s.grey;
      var k = s.hint;
      var steady = s.diff < T.still;
      overlay.setAttribute('data-hint', k || (steady ? 'good' : 'steady'));
      overlay.setAttribute('data-measure', JSON.stringify({ mean: Math.round(s.mean), blown: +s.blown.toFixed(3),
        sharp: Math.round(s.sharp), fill: +s.fill.toFixed(2), diff: +s.diff.toFixed(1) }));
      frame.className = 'cam-frame' + (k ? ' bad' : ' good');
      if (k) {
        goodSince = 0;
        tip.textContent = t('cam.' + k);
        return;
      }
      if (!steady) {
        goodSince = 0;
        tip.textContent = t('cam.steady');
        return;
      }
      var now = Date.now();
      if (!goodSince) { goodSince = now; }
      tip.textContent = t('cam.hold');
      if (now - goodSince >= STEADY_MS) { capture('auto'); }
    }
    function capture(how) {
      var vw = video.videoWidth, vh = video.videoHeight;
      if (!vw || !vh) { return; }
      clearInterval(timer);
      timer = null;
      var c = document.createElement('canvas');
      c.width = vw;
      c.height = vh;
      c.getContext('2d').drawImage(video, 0, 0, vw, vh);
      c.toBlob(function (blob) {
        if (closed || !blob) { return; }
        taken = blob;
        if (img.src) { URL.revokeObjectURL(img.src); }
        img.src = URL.createObjectURL(blob);
        overlay.setAttribute('data-captured', how);
        stage.hidden = true; tip.hidden = true; shutter.hidden = true;
        preview.hidden = false;
        video.pause();
      }, 'image/jpeg', 0.92);
    }
    function live() {
      taken = null;
      overlay.removeAttribute('data-captured');
      preview.hidden = true;
      stage.hidden = false; tip.hidden = false; shutter.hidden = false;
      goodSince = 0;
      prev = null;
      video.play().catch(function () { /* shown paused; the shutter still works */ });
      timer = setInterval(tick, TICK_MS);
    }
    shutter.addEventListener('click', function () { capture('button'); });
    retake.addEventListener('click', live);
    cancel.addEventListener('click', close);
    use.addEventListener('click', function () {
      var b = taken;
      close();
      if (b) { opts.onCapture(b); }
    });
    window.addEventListener('resize', placeFrame);

    navigator.mediaDevices.getUserMedia({ audio: false,
      video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } } })
      .then(function (s) {
        if (closed) { s.getTracks().forEach(function (tr) { tr.stop(); }); return; }
        stream = s;
        video.srcObject = s;
        live();
      }, function (err) {
        close();
        opts.onUnavailable(unavailable(err, t));
      });
  }

  // examples returns labelled example photos, good and bad.
  function examples(t) {
    var d = el('details', { 'class': 'cam-examples', id: 'photo-examples' });
    d.appendChild(el('summary', {}, t('cam.examples')));
    var ul = el('ul', {});
    [['good', true], ['blurry', false], ['dark', false], ['glare', false], ['far', false], ['cut', false]].forEach(function (e) {
      var li = el('li', { 'class': e[1] ? 'good' : 'bad', 'data-example': e[0] });
      li.appendChild(el('img', { src: '/static/examples/' + e[0] + '.svg', alt: '', width: '120', height: '80' }));
      li.appendChild(el('span', {}, (e[1] ? '\u2713 ' : '\u2717 ') + t('cam.ex.' + e[0])));
      ul.appendChild(li);
    });
    d.appendChild(ul);
    return d;
  }

  window.VWCamera = { open: open, examples: examples, supported: supported, check: check };
})();
