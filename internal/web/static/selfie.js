// The selfie step's camera: the front camera (getUserMedia, facingMode
// "user"), shown mirrored like a mirror, with an oval guide and live hints:
// too dark or too bright (measured here on a small canvas of the oval),
// no face, several faces, too far (a small downscaled frame about once a
// second to POST /api/v1/faces/preview, which runs the server's face
// cascade; the browser's FaceDetector is used instead where it exists).
// Once the face is found, alone, large enough and lit, the photo is taken
// by itself; the shutter works at any time. The photo is not mirrored.
// It knows nothing of the case: the caller gets the photo as a Blob.
//
//   VWSelfie.open({ title, t, onCapture: function (blob) {}, onUnavailable: function (message) {} })
//
// t(key) returns the wizard's texts (selfie.*, cam.*).
(function () {
  'use strict';

  var TICK_MS = 200;         // light check
  var FACE_MS = 1000;        // face check (one frame a second)
  var GOOD_MS = 1200;        // good this long: auto-capture
  var PREVIEW_W = 320;       // preview frame width sent to the server
  var OVAL_W = 0.46, OVAL_H = 0.78; // the oval, as fractions of the picture's width and height
  // Grey levels 0..255 inside the oval; a face's size as a fraction of the
  // picture's shorter side (a face filling the oval is about 0.45).
  var T = { dark: 60, bright: 225, far: 0.22 };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') { e.className = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function oval(w, h) {
    var ow = Math.min(w * OVAL_W, h * OVAL_H * 0.75), oh = ow / 0.75;
    return { x: (w - ow) / 2, y: (h - oh) / 2, w: ow, h: oh };
  }

  // light is the mean grey level inside the oval, on a small canvas.
  function light(src, w, h, small) {
    var o = oval(w, h), sw = 48, sh = 64;
    small.width = sw; small.height = sh;
    var ctx = small.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(src, o.x, o.y, o.w, o.h, 0, 0, sw, sh);
    var d = ctx.getImageData(0, 0, sw, sh).data, sum = 0, n = 0;
    for (var y = 0; y < sh; y++) {
      for (var x = 0; x < sw; x++) {
        // inside the ellipse only
        var dx = (x + 0.5) / sw - 0.5, dy = (y + 0.5) / sh - 0.5;
        if (dx * dx + dy * dy > 0.25) { continue; }
        var i = 4 * (y * sw + x);
        sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        n++;
      }
    }
    return n ? sum / n : 0;
  }

  // faceHint turns the faces found (centre and size as fractions) into the
  // one thing to fix, or ''.
  function faceHint(faces) {
    if (!faces.length) { return 'noface'; }
    if (faces.length > 1) { return 'many'; }
    if (faces[0].size < T.far) { return 'far'; }
    return '';
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

  // detector finds faces in the video: the browser's FaceDetector where it
  // exists, else the server's preview endpoint. It calls back with a list
  // of faces, or null when it cannot tell (then no face hint is shown and
  // only the shutter takes the photo).
  function detector(video, lang) {
    var native = null, failures = 0;
    if (typeof window.FaceDetector === 'function') {
      try { native = new window.FaceDetector({ fastMode: true, maxDetectedFaces: 3 }); } catch (e) { native = null; }
    }
    var canvas = document.createElement('canvas');
    return function (done) {
      var vw = video.videoWidth, vh = video.videoHeight, side = Math.min(vw, vh);
      if (native) {
        native.detect(video).then(function (fs) {
          done(fs.map(function (f) {
            var b = f.boundingBox;
            return { x: (b.x + b.width / 2) / vw, y: (b.y + b.height / 2) / vh, size: Math.max(b.width, b.height) / side };
          }));
        }, function () { native = null; done(null); });
        return;
      }
      if (failures >= 3) { done(null); return; }
      var w = Math.min(PREVIEW_W, vw), h = Math.round(vh * w / vw);
      if (h > 400) { h = 400; w = Math.round(vw * h / vh); }
      canvas.width = w; canvas.height = h;
      canvas.getContext('2d').drawImage(video, 0, 0, w, h);
      canvas.toBlob(function (blob) {
        if (!blob) { done(null); return; }
        fetch('/api/v1/faces/preview', { method: 'POST', credentials: 'same-origin', body: blob,
          headers: { 'Content-Type': 'image/jpeg', 'Accept-Language': lang } })
          .then(function (res) {
            if (!res.ok) { throw new Error(String(res.status)); }
            return res.json();
          })
          .then(function (b) { failures = 0; done(b.faces || []); },
            function () { failures++; done(null); });
      }, 'image/jpeg', 0.7);
    };
  }

  function open(opts) {
    var t = opts.t;
    if (!supported()) { opts.onUnavailable(t('cam.unsupported')); return; }
    var stream = null, timer = null, faceTimer = null, closed = false, taken = null;
    var faces = null, faceAt = 0, asking = false, goodSince = 0;
    var overlay = el('div', { 'class': 'cam selfie', id: 'selfie', role: 'dialog', 'aria-modal': 'true', 'aria-label': opts.title });
    var head = el('p', { 'class': 'cam-title' }, opts.title);
    var stage = el('div', { 'class': 'cam-stage' });
    var video = el('video', { id: 'selfie-video', playsinline: '', muted: '', autoplay: '', 'class': 'mirror' });
    video.muted = true;
    var ring = el('div', { 'class': 'selfie-oval', id: 'selfie-oval' });
    stage.appendChild(video);
    stage.appendChild(ring);
    var tip = el('p', { 'class': 'cam-hint', id: 'selfie-hint', 'aria-live': 'polite' }, t('cam.starting'));
    var shutter = el('button', { type: 'button', 'class': 'cam-shutter', id: 'selfie-shutter' }, t('cam.shutter'));
    var cancel = el('button', { type: 'button', 'class': 'link cam-cancel', id: 'selfie-cancel' }, t('cam.cancel'));
    var preview = el('div', { 'class': 'cam-preview', id: 'selfie-preview' });
    preview.hidden = true;
    var img = el('img', { id: 'selfie-photo', alt: t('cam.taken') });
    var retake = el('button', { type: 'button', 'class': 'secondary', id: 'selfie-retake' }, t('cam.retake'));
    var use = el('button', { type: 'button', id: 'selfie-use' }, t('cam.use'));
    preview.appendChild(el('p', { 'class': 'cam-hint' }, t('selfie.check')));
    preview.appendChild(img);
    preview.appendChild(use);
    preview.appendChild(retake);
    [head, stage, tip, shutter, preview, cancel].forEach(function (e) { overlay.appendChild(e); });
    document.body.appendChild(overlay);
    var small = document.createElement('canvas');
    var detect = detector(video, opts.lang || document.documentElement.lang || 'en');

    function stop() {
      clearInterval(timer); clearInterval(faceTimer);
      timer = faceTimer = null;
      if (stream) { stream.getTracks().forEach(function (tr) { tr.stop(); }); stream = null; }
    }
    function close() {
      closed = true;
      stop();
      if (img.src) { URL.revokeObjectURL(img.src); }
      overlay.remove();
      window.removeEventListener('resize', place);
    }
    function place() {
      // The oval over the picture as shown (object-fit: contain).
      var vw = video.videoWidth, vh = video.videoHeight;
      if (!vw || !vh) { return; }
      var bw = stage.clientWidth, bh = stage.clientHeight;
      var scale = Math.min(bw / vw, bh / vh), ox = (bw - vw * scale) / 2, oy = (bh - vh * scale) / 2;
      var o = oval(vw, vh);
      ring.style.left = (ox + o.x * scale) + 'px';
      ring.style.top = (oy + o.y * scale) + 'px';
      ring.style.width = (o.w * scale) + 'px';
      ring.style.height = (o.h * scale) + 'px';
    }
    function askFaces() {
      if (asking || closed || taken || !video.videoWidth || video.readyState < 2) { return; }
      asking = true;
      detect(function (fs) {
        asking = false;
        faces = fs;
        faceAt = Date.now();
        overlay.setAttribute('data-faces', fs === null ? 'unknown' : String(fs.length));
      });
    }
    function tick() {
      var vw = video.videoWidth, vh = video.videoHeight;
      if (!vw || !vh || video.readyState < 2) { return; }
      place();
      var mean = light(video, vw, vh, small);
      var k = '';
      if (mean < T.dark) { k = 'dark'; } else if (mean > T.bright) { k = 'bright'; }
      // A face answer older than three checks is stale: unknown.
      var known = faces !== null && Date.now() - faceAt < 3 * FACE_MS + 500;
      if (!k && known) { k = faceHint(faces); }
      overlay.setAttribute('data-hint', k || (known ? 'good' : 'looking'));
      overlay.setAttribute('data-light', String(Math.round(mean)));
      ring.className = 'selfie-oval' + (k ? ' bad' : known ? ' good' : '');
      if (k) {
        goodSince = 0;
        tip.textContent = t(k === 'dark' || k === 'bright' ? 'cam.' + k : 'selfie.' + k);
        return;
      }
      if (!known) {
        goodSince = 0;
        tip.textContent = t('selfie.look');
        return;
      }
      var now = Date.now();
      if (!goodSince) { goodSince = now; }
      tip.textContent = t('selfie.hold');
      if (now - goodSince >= GOOD_MS) { capture('auto'); }
    }
    function capture(how) {
      var vw = video.videoWidth, vh = video.videoHeight;
      if (!vw || !vh) { return; }
      clearInterval(timer); clearInterval(faceTimer);
      timer = faceTimer = null;
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
      faces = null;
      overlay.removeAttribute('data-captured');
      preview.hidden = true;
      stage.hidden = false; tip.hidden = false; shutter.hidden = false;
      goodSince = 0;
      video.play().catch(function () { /* shown paused; the shutter still works */ });
      timer = setInterval(tick, TICK_MS);
      faceTimer = setInterval(askFaces, FACE_MS);
      setTimeout(askFaces, 300);
    }
    shutter.addEventListener('click', function () { capture('button'); });
    retake.addEventListener('click', live);
    cancel.addEventListener('click', close);
    use.addEventListener('click', function () {
      var b = taken;
      close();
      if (b) { opts.onCapture(b); }
    });
    window.addEventListener('resize', place);

    navigator.mediaDevices.getUserMedia({ audio: false,
      video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } } })
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

  window.VWSelfie = { open: open, supported: supported, faceHint: faceHint };
})();
