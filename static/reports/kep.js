/*
 * The head's КЭП in the browser (#22 §1): where the КриптоПро ЭЦП Browser plug-in is installed and the deployment
 * serves CryptoPro's cadesplugin_api.js (setting REPORTS_CADESPLUGIN_JS_URL), the sign page lists the head's
 * certificates and signs the final PDF here — a detached CAdES-BES signature — then sends it through the same form
 * as a .sig file uploaded by hand (field signature_text). Without the plug-in nothing here runs and the page keeps
 * its upload path. No inline script (CSP script-src 'self').
 *
 * The plug-in's asynchronous API (Chromium, Firefox, Yandex: the extension answers through promises):
 *   - loading and detection: https://docs.cryptopro.ru/cades/plugin/plugin-activation — window.cadesplugin is a
 *     thenable made by cadesplugin_api.js; it resolves when the extension and the native host answer, rejects
 *     when they do not; cadesplugin.CreateObjectAsync(name) makes the plug-in's objects;
 *   - the certificate store: https://docs.cryptopro.ru/cades/reference/cadescom/cadescom_class/store —
 *     Open(CAPICOM_CURRENT_USER_STORE = 2, CAPICOM_MY_STORE = "My", CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED = 2),
 *     Certificates.Count, Certificates.Item(i) with i from 1; a certificate's SubjectName, IssuerName,
 *     Thumbprint, ValidToDate are properties read through promises, HasPrivateKey() a method;
 *   - the signer: https://docs.cryptopro.ru/cades/reference/cadescom/cadescom_class/cpsigner —
 *     propset_Certificate, propset_Options(CAPICOM_CERTIFICATE_INCLUDE_CHAIN_EXCEPT_ROOT = 0: the portal checks the
 *     chain up to the roots it trusts, so the intermediate CA travels in the signature), AuthenticatedAttributes2
 *     with a CPAttribute CAPICOM_AUTHENTICATED_ATTRIBUTE_SIGNING_TIME = 0 (the certificate must be valid then);
 *   - the signature: https://docs.cryptopro.ru/cades/reference/cadescom/cadescom_class/cadessigneddata —
 *     propset_ContentEncoding(CADESCOM_BASE64_TO_BINARY = 1), propset_Content(base64 of the PDF),
 *     SignCades(signer, CADESCOM_CADES_BES = 1, true) → base64 of a detached CMS SignedData (bDetached = true:
 *     the PDF is not inside; the portal keeps the PDF byte for byte as the head signed it).
 * The algorithm (ГОСТ Р 34.10-2012 with Streebog) follows the certificate's key; CryptoPro CSP chooses it.
 * tests/e2e/test_kep_browser.py drives this file with a stub of exactly this API.
 */
(function () {
  "use strict";

  var form = document.getElementById("kep-form");
  if (!form) {
    return;
  }
  var plugin = window.cadesplugin;
  var waiting = document.getElementById("kep-plugin-waiting");
  var absent = document.getElementById("kep-plugin-absent");
  var box = document.getElementById("kep-plugin");
  var select = document.getElementById("kep-certificate");
  var button = document.getElementById("kep-plugin-sign");
  var status = document.getElementById("kep-status");
  var text = form.querySelector('input[name="signature_text"]');
  var file = form.querySelector('input[name="signature"]');
  var confirm = form.querySelector('input[name="confirm"]');
  var pdfUrl = form.getAttribute("data-pdf-url");

  // Constants of the plug-in (cadesplugin_api.js defines them on window.cadesplugin; the values are CAPICOM's).
  var C = {
    CAPICOM_CURRENT_USER_STORE: 2,
    CAPICOM_MY_STORE: "My",
    CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED: 2,
    CAPICOM_CERTIFICATE_INCLUDE_CHAIN_EXCEPT_ROOT: 0,
    CAPICOM_AUTHENTICATED_ATTRIBUTE_SIGNING_TIME: 0,
    CADESCOM_BASE64_TO_BINARY: 1,
    CADESCOM_CADES_BES: 1,
  };
  var certificates = []; // the plug-in's certificate objects, in the order of the list's options

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function say(message, isError) {
    status.textContent = message;
    status.className = isError ? "message message--error" : "muted";
  }

  function reason(error) {
    // The plug-in's errors carry a message (and often a code in brackets); a refusal at the PIN prompt is one.
    var message = (error && (error.message || error)) || "неизвестная ошибка";
    return String(message);
  }

  function plainDate(value) {
    var date = new Date(value);
    if (isNaN(date.getTime())) {
      return String(value);
    }
    return date.toLocaleDateString("ru-RU");
  }

  function commonName(distinguished) {
    // «CN=Кузнецова Наталья Андреевна, SN=Кузнецова, …» → the CN; the whole string when it has none.
    var match = /(?:^|,\s*)CN=("[^"]*"|[^,]*)/.exec(distinguished || "");
    return match ? match[1].replace(/^"|"$/g, "") : distinguished || "";
  }

  function noPlugin() {
    show(waiting, false);
    show(box, false);
    show(button, false);
    show(absent, true);
  }

  // One call to the plug-in at a time, as CryptoPro's own samples do (each answer travels through the extension).
  async function listCertificates() {
    var store = await plugin.CreateObjectAsync("CAdESCOM.Store");
    await store.Open(C.CAPICOM_CURRENT_USER_STORE, C.CAPICOM_MY_STORE, C.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
    var all = await store.Certificates;
    var count = await all.Count;
    var found = [];
    var now = new Date();
    for (var i = 1; i <= count; i += 1) {
      var certificate = await all.Item(i);
      var validTo = await certificate.ValidToDate;
      // Only certificates one can sign with: a private key on this computer or token, not yet expired.
      if (!(await certificate.HasPrivateKey()) || !(new Date(validTo) > now)) {
        continue;
      }
      found.push({
        object: certificate,
        subject: await certificate.SubjectName,
        issuer: await certificate.IssuerName,
        thumbprint: await certificate.Thumbprint,
        validTo: validTo,
      });
    }
    await store.Close();
    return found;
  }

  function fill(found) {
    certificates = [];
    select.textContent = "";
    found.forEach(function (c) {
      var option = document.createElement("option");
      option.value = c.thumbprint;
      option.textContent =
        commonName(c.subject) + " — действителен до " + plainDate(c.validTo) + ", выдан: " + commonName(c.issuer);
      select.appendChild(option);
      certificates.push(c.object);
    });
    show(waiting, false);
    show(absent, false);
    show(box, true);
    show(button, true);
    if (!found.length) {
      button.disabled = true;
      say(
        "КриптоПро ЭЦП Browser plug-in работает, но действующих сертификатов с закрытым ключом не найдено. " +
          "Вставьте токен с ключом и обновите страницу или загрузите файл подписи.",
        true
      );
    }
  }

  function toBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var chunks = [];
    var step = 0x8000; // String.fromCharCode takes a bounded number of arguments
    for (var i = 0; i < bytes.length; i += step) {
      chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + step)));
    }
    return window.btoa(chunks.join(""));
  }

  // The detached CAdES-BES signature of `content` (base64 of the PDF) with `certificate`, as base64.
  async function signCades(certificate, content) {
    var signer = await plugin.CreateObjectAsync("CAdESCOM.CPSigner");
    await signer.propset_Certificate(certificate);
    await signer.propset_Options(C.CAPICOM_CERTIFICATE_INCLUDE_CHAIN_EXCEPT_ROOT);
    var signingTime = await plugin.CreateObjectAsync("CADESCOM.CPAttribute");
    await signingTime.propset_Name(C.CAPICOM_AUTHENTICATED_ATTRIBUTE_SIGNING_TIME);
    await signingTime.propset_Value(new Date());
    var attributes = await signer.AuthenticatedAttributes2;
    await attributes.Add(signingTime);
    var signed = await plugin.CreateObjectAsync("CAdESCOM.CadesSignedData");
    await signed.propset_ContentEncoding(C.CADESCOM_BASE64_TO_BINARY);
    await signed.propset_Content(content);
    return signed.SignCades(signer, C.CADESCOM_CADES_BES, true);
  }

  async function sign() {
    if (!confirm.checked) {
      say("Отметьте, что вы проверили документ: подписанный отчёт нельзя изменить.", true);
      confirm.focus();
      return;
    }
    var certificate = certificates[select.selectedIndex];
    if (!certificate) {
      say("Выберите сертификат.", true);
      return;
    }
    button.disabled = true;
    try {
      say("Получаем PDF отчёта…", false);
      var response = await fetch(pdfUrl, { credentials: "same-origin" });
      if (!response.ok) {
        throw new Error("не удалось получить PDF отчёта (ответ " + response.status + ")");
      }
      var content = toBase64(await response.arrayBuffer());
      say("Подписываем: подтвердите действие и введите PIN-код токена, если программа его попросит…", false);
      var signature = await signCades(certificate, content);
      say("Подпись создана. Отправляем её на проверку…", false);
      text.value = signature;
      if (file) {
        file.value = ""; // the plug-in's signature, not a file chosen earlier
      }
      form.submit();
    } catch (error) {
      button.disabled = false;
      say(
        "Не удалось подписать в браузере: " +
          reason(error) +
          ". Можно подписать файл в своей программе и загрузить подпись.",
        true
      );
    }
  }

  if (!plugin || typeof plugin.then !== "function") {
    noPlugin();
    return;
  }
  show(absent, false);
  show(waiting, true);
  button.addEventListener("click", sign);
  // (a thenable: .then, never `await plugin`, which would adopt it and lose its methods in old copies of the API)
  plugin.then(function () {
    listCertificates().then(fill, function (error) {
      noPlugin();
      say("КриптоПро ЭЦП Browser plug-in не выдал список сертификатов: " + reason(error) + ".", true);
    });
  }, noPlugin);
})();
