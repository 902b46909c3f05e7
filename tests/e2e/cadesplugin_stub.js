/*
 * A stand-in for КриптоПро ЭЦП Browser plug-in in tests/e2e/test_kep_browser.py: window.cadesplugin with the shape
 * of the plug-in's asynchronous API as CryptoPro documents it (https://docs.cryptopro.ru/cades/plugin/ and the
 * CAdESCOM classes Store, CPSigner, CPAttribute, CadesSignedData) and as static/reports/kep.js uses it: a thenable
 * that resolves once the "extension" answers, CreateObjectAsync(name) → objects whose properties are read through
 * promises and set through propset_*. SignCades hands the content to window.kepTestSign, a function the test
 * exposes, which signs it with OpenSSL's GOST engine: the signature the page uploads is a real one.
 *
 * Configured by window.__KEP_STUB__ = {certificates: [{subject, issuer, thumbprint, validTo, hasKey}], fail, absent}
 * (an init script run before this one). Every call is recorded; SignCades hands the record to kepTestSign.
 */
(function () {
  "use strict";
  var config = window.__KEP_STUB__ || { certificates: [] };
  var calls = [];
  window.__kepCalls = calls;

  function certificate(c) {
    return {
      get SubjectName() { return Promise.resolve(c.subject); },
      get IssuerName() { return Promise.resolve(c.issuer); },
      get Thumbprint() { return Promise.resolve(c.thumbprint); },
      get ValidToDate() { return Promise.resolve(c.validTo); },
      HasPrivateKey: function () { return Promise.resolve(c.hasKey); },
      __thumbprint: c.thumbprint,
    };
  }

  function store() {
    var opened = false;
    return {
      Open: function (location, name, mode) {
        calls.push(["Store.Open", location, name, mode]);
        opened = true;
        return Promise.resolve();
      },
      get Certificates() {
        if (!opened) {
          return Promise.reject(new Error("Хранилище не открыто"));
        }
        var list = config.certificates;
        return Promise.resolve({
          get Count() { return Promise.resolve(list.length); },
          Item: function (index) {  // 1-based, as CAPICOM's collections
            if (index < 1 || index > list.length) {
              return Promise.reject(new Error("Неверный индекс " + index));
            }
            return Promise.resolve(certificate(list[index - 1]));
          },
        });
      },
      Close: function () {
        calls.push(["Store.Close"]);
        return Promise.resolve();
      },
    };
  }

  function attribute() {
    var self = { name: null, value: null };
    self.propset_Name = function (name) { self.name = name; return Promise.resolve(); };
    self.propset_Value = function (value) { self.value = value; return Promise.resolve(); };
    return self;
  }

  function signer() {
    var self = { certificate: null, options: null, attributes: [] };
    self.propset_Certificate = function (c) { self.certificate = c; return Promise.resolve(); };
    self.propset_Options = function (o) { self.options = o; return Promise.resolve(); };
    Object.defineProperty(self, "AuthenticatedAttributes2", {
      get: function () {
        return Promise.resolve({
          Add: function (a) { self.attributes.push(a); return Promise.resolve(); },
        });
      },
    });
    return self;
  }

  function signedData() {
    var self = { encoding: null, content: null };
    self.propset_ContentEncoding = function (e) { self.encoding = e; return Promise.resolve(); };
    self.propset_Content = function (c) { self.content = c; return Promise.resolve(); };
    self.SignCades = function (who, cadesType, detached) {
      calls.push([
        "SignCades",
        who.certificate && who.certificate.__thumbprint,
        who.options,
        who.attributes.map(function (a) { return a.name; }),
        self.encoding,
        cadesType,
        detached,
        self.content ? self.content.length : 0,
      ]);
      if (config.fail) {
        return Promise.reject(new Error(config.fail));
      }
      // The calls travel with the content: the page navigates away once it has the signature.
      return window.kepTestSign(self.content, JSON.stringify(calls));
    };
    return self;
  }

  var makers = {
    "CAdESCOM.Store": store,
    "CAdESCOM.CPSigner": signer,
    "CADESCOM.CPAttribute": attribute,
    "CAdESCOM.CadesSignedData": signedData,
  };
  var resolve;
  var reject;
  var plugin = new Promise(function (yes, no) { resolve = yes; reject = no; });
  plugin.CreateObjectAsync = function (name) {
    calls.push(["CreateObjectAsync", name]);
    var make = makers[name];
    return make ? Promise.resolve(make()) : Promise.reject(new Error("Нет объекта " + name));
  };
  window.cadesplugin = plugin;
  // The real loader resolves once the extension and the native host answer, not synchronously; it rejects when
  // the extension is not installed (config.absent) after waiting for it — seconds, so the page's scripts have
  // subscribed by then: here once the page has loaded.
  function settle() {
    setTimeout(function () {
      if (config.absent) {
        reject(new Error("Истекло время ожидания загрузки плагина"));
      } else {
        resolve();
      }
    }, 20);
  }
  if (document.readyState === "complete") {
    settle();
  } else {
    window.addEventListener("load", settle);
  }
})();
