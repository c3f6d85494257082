/* The scan viewer of the review case pages: zoom in and out, turn by quarter turns, back to the
   scan's own size. Loaded as a file (the Content-Security-Policy allows no inline script); without it
   each scan stays an image linked to the file at full size. Every figure[data-case-viewer] holds a
   hidden .viewer-toolbar (buttons with data-viewer="zoom-in|zoom-out|rotate|reset") and the image. */
(function () {
  "use strict";

  var STEP = 1.25;
  var MIN_SCALE = 0.1;
  var MAX_SCALE = 8;

  function setUp(figure) {
    var img = figure.querySelector("img");
    var toolbar = figure.querySelector(".viewer-toolbar");
    var label = figure.querySelector(".viewer-scale");
    if (!img || !toolbar) {
      return;
    }
    // scale null: fitted to the column (the page's own style); a number: times the scan's pixels.
    var state = { scale: null, rotation: 0 };

    function fittedScale() {
      return img.naturalWidth ? img.offsetWidth / img.naturalWidth : 1;
    }

    function render() {
      if (state.scale === null) {
        img.style.width = "";
        img.style.maxWidth = "";
        img.style.maxHeight = "";
      } else {
        img.style.width = Math.round(img.naturalWidth * state.scale) + "px";
        img.style.maxWidth = "none";
        img.style.maxHeight = "none";
      }
      img.style.transform = state.rotation ? "rotate(" + state.rotation + "deg)" : "";
      // A quarter turn swaps width and height: margins keep the turned scan inside its frame.
      var gap = state.rotation % 180 ? (img.offsetWidth - img.offsetHeight) / 2 : 0;
      img.style.margin = gap > 0 ? gap + "px 0" : gap < 0 ? "0 " + -gap + "px" : "";
      var shown = state.scale === null ? fittedScale() : state.scale;
      if (label) {
        label.textContent = Math.round(shown * 100) + "%" + (state.rotation ? " · " + state.rotation + "°" : "");
      }
      figure.setAttribute("data-scale", shown.toFixed(3));
      figure.setAttribute("data-rotation", String(state.rotation));
    }

    function zoom(factor) {
      var current = state.scale === null ? fittedScale() : state.scale;
      state.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, current * factor));
      render();
    }

    var actions = {
      "zoom-in": function () { zoom(STEP); },
      "zoom-out": function () { zoom(1 / STEP); },
      rotate: function () {
        state.rotation = (state.rotation + 90) % 360;
        render();
      },
      reset: function () {
        state.scale = 1;
        state.rotation = 0;
        render();
      },
    };

    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-viewer]");
      if (!button || !actions[button.getAttribute("data-viewer")]) {
        return;
      }
      event.preventDefault();
      actions[button.getAttribute("data-viewer")]();
    });
    toolbar.hidden = false;
    if (img.complete) {
      render();
    } else {
      img.addEventListener("load", render, { once: true });
    }
  }

  function start() {
    var figures = document.querySelectorAll("figure[data-case-viewer]");
    for (var i = 0; i < figures.length; i += 1) {
      setUp(figures[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
