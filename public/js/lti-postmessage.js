// LTI Client Side postMessages (1EdTech lti-cs-pm, used by Platform Storage lti-pm-s): sends one
// request to a platform frame and waits for its answer. A reply counts only if it comes from the
// expected origin, names our message_id and has the subject "<request subject>.response"; anything
// else is ignored, so a foreign window cannot answer for the platform. Requests are never sent to
// the wildcard origin "*".
(function (root) {
  'use strict';

  var FRAME_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
  var RESERVED = [
    'opener',
    'top',
    'parent',
    'self',
    'window',
    'frames',
    'location',
    'length',
    'name',
    'constructor',
    'prototype',
    '__proto__',
  ];

  function randomId(win) {
    var crypto = win.crypto;
    if (crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    var hex = '';
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    return hex;
  }

  // The platform's window: the parent when framed, else the window that opened us.
  function platformWindow(win) {
    if (win.parent && win.parent !== win) return win.parent;
    if (win.opener && win.opener !== win) return win.opener;
    return null;
  }

  // The frame named by lti_storage_target ("_parent": the platform window itself), or null.
  function targetFrame(win, name) {
    var host = platformWindow(win);
    if (!host || typeof name !== 'string') return null;
    if (name === '_parent') return host;
    if (!FRAME_NAME.test(name) || name.charAt(0) === '_' || RESERVED.indexOf(name) !== -1) {
      return null;
    }
    try {
      return host.frames[name] || null;
    } catch (error) {
      return null;
    }
  }

  function asObject(data) {
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch (error) {
        return null;
      }
    }
    return data && typeof data === 'object' ? data : null;
  }

  // Resolves { ok: true, data } with the reply, or { ok: false, reason, error } on an error reply
  // ("error"), no reply in time ("timeout") or a frame that cannot be reached ("unreachable").
  function request(win, frame, origin, message, timeoutMs) {
    return new Promise(function (resolve) {
      var id = randomId(win);
      var expected = message.subject + '.response';
      var done = false;
      var timer;
      function finish(result) {
        if (done) return;
        done = true;
        win.clearTimeout(timer);
        win.removeEventListener('message', onMessage);
        resolve(result);
      }
      function onMessage(event) {
        if (event.origin !== origin) return;
        var data = asObject(event.data);
        if (!data || data.message_id !== id || data.subject !== expected) return;
        if (data.error) finish({ ok: false, reason: 'error', error: data.error });
        else finish({ ok: true, data: data });
      }
      win.addEventListener('message', onMessage);
      timer = win.setTimeout(function () {
        finish({ ok: false, reason: 'timeout' });
      }, timeoutMs);
      var outgoing = { message_id: id };
      for (var key in message) {
        if (Object.prototype.hasOwnProperty.call(message, key)) outgoing[key] = message[key];
      }
      try {
        frame.postMessage(outgoing, origin);
      } catch (error) {
        finish({ ok: false, reason: 'unreachable' });
      }
    });
  }

  // The frame to use for a subject according to an lti.capabilities reply: the reply's own frame
  // name if it gives one, the fallback frame otherwise; null when the subject is not supported.
  function frameFor(win, capabilities, subject, fallback) {
    var supported = capabilities && capabilities.supported_messages;
    if (!supported || typeof supported.length !== 'number') return null;
    for (var i = 0; i < supported.length; i++) {
      var entry = supported[i];
      if (entry && entry.subject === subject) {
        return typeof entry.frame === 'string' ? targetFrame(win, entry.frame) : fallback;
      }
    }
    return null;
  }

  root.PathwiseLtiMessages = {
    platformWindow: platformWindow,
    targetFrame: targetFrame,
    request: request,
    frameFor: frameFor,
  };
})(window);
