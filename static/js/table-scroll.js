/*
 * A table wider than its box scrolls inside its own .table-wrap, not the page (a phone, a zoom of 200 %). Such a
 * box must be reachable from the keyboard to be scrolled with the arrows (WCAG 2.1 SC 2.1.1; axe-core's
 * «scrollable-region-focusable»): it gets tabindex="0", role="region" and a name — the table's caption or the
 * heading before it. A box that fits gets none of them, so the Tab key does not stop at every table. Loaded from
 * base.html with defer; no inline script (Content-Security-Policy: script-src 'self').
 */
(function () {
  "use strict";

  function nameOf(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var element = wrap.previousElementSibling;
    while (element) {
      if (/^H[1-6]$/.test(element.tagName)) return element.textContent.trim();
      element = element.previousElementSibling;
    }
    return "Таблица";
  }

  function mark(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    if (scrolls && !wrap.hasAttribute("tabindex")) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", nameOf(wrap) + " (прокручивается)");
      wrap.dataset.scrollMarked = "1";
    } else if (!scrolls && wrap.dataset.scrollMarked) {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
      delete wrap.dataset.scrollMarked;
    }
  }

  function markAll() {
    document.querySelectorAll(".table-wrap").forEach(mark);
  }

  markAll();
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(markAll, 150);
  });
})();
