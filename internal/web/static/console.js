// The reviewer console: zoom and rotate document images.
(function () {
  document.querySelectorAll("figure.docimg").forEach(function (fig) {
    var img = fig.querySelector("img"), zoom = 1, turn = 0;
    function apply() { img.style.transform = "scale(" + zoom + ") rotate(" + turn + "deg)"; }
    fig.querySelectorAll("button[data-act]").forEach(function (b) {
      b.addEventListener("click", function () {
        var a = b.getAttribute("data-act");
        if (a === "zoom-in") zoom = Math.min(zoom * 1.25, 6);
        if (a === "zoom-out") zoom = Math.max(zoom / 1.25, 0.5);
        if (a === "rotate") turn = (turn + 90) % 360;
        apply();
      });
    });
  });
})();
