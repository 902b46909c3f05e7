/*
 * «Копировать» beside a value shown once (a new API key): <button data-copy-target="ID"> copies the text of the
 * element with that id. The button is hidden in the page and shown here, so without JavaScript nobody sees a
 * button that does nothing. No inline script (Content-Security-Policy: script-src 'self').
 *
 * The Clipboard API exists only in a secure context (HTTPS, or localhost) and may be refused; then the text is
 * selected and copied with the older execCommand("copy"), and if that fails too it stays selected and the user
 * is asked to press Ctrl+C.
 */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(element) {
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function say(button, text) {
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (status) {
      status.textContent = text;
    }
  }

  function copy(button) {
    var element = document.getElementById(button.getAttribute("data-copy-target"));
    if (!element) {
      return;
    }
    var text = element.textContent.trim();
    var done = function () {
      say(button, "Скопировано.");
    };
    var fallback = function () {
      if (legacyCopy(element)) {
        done();
      } else {
        say(button, "Не удалось скопировать: ключ выделен, нажмите Ctrl+C.");
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  var buttons = document.querySelectorAll("[data-copy-target]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function (event) {
      copy(event.currentTarget);
    });
  }
})();
