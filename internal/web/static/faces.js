// The reviewer console: the selfie's face and the document portrait's face
// side by side, each cropped from its stored photo by the box the face
// check recorded (the whole photo, scaled, when no face was found).
(function () {
  document.querySelectorAll("canvas.face[data-src]").forEach(function (c) {
    // The photo is on the page already (the documents below): draw from
    // it, so that the staff read is fetched, and audited, once.
    var src = c.getAttribute("data-src");
    var img = Array.prototype.filter.call(document.querySelectorAll("figure.docimg img"), function (i) {
      return i.getAttribute("src") === src;
    })[0];
    function draw() {
      var b = (c.getAttribute("data-box") || "").split(",").map(Number);
      var x = 0, y = 0, w = img.naturalWidth, h = img.naturalHeight;
      if (b.length === 4 && b[2] > 0 && b[3] > 0) {
        // a margin around the face, kept inside the photo
        var m = 0.25;
        x = Math.max(0, b[0] - b[2] * m); y = Math.max(0, b[1] - b[3] * m);
        w = Math.min(img.naturalWidth - x, b[2] * (1 + 2 * m)); h = Math.min(img.naturalHeight - y, b[3] * (1 + 2 * m));
      }
      var s = Math.min(c.width / w, c.height / h);
      var ctx = c.getContext("2d");
      ctx.fillStyle = "#222";
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, x, y, w, h, (c.width - w * s) / 2, (c.height - h * s) / 2, w * s, h * s);
      c.setAttribute("data-drawn", "true");
    }
    if (!img) {
      img = new Image();
      img.src = src;
    }
    if (img.complete && img.naturalWidth) { draw(); } else { img.addEventListener("load", draw); }
  });
})();
