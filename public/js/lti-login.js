// OIDC login inside an LMS frame, where the browser may withhold the state cookie (third-party
// cookies blocked). Before continuing to the platform's authorization endpoint:
// 1. Platform Storage (1EdTech lti-cs-oidc), when the platform offered it (lti_storage_target):
//    store state and nonce in the platform's frame (lti.put_data) and tell Pathwise, so the
//    launch can be checked without the cookie. Mobile apps may announce it without answering:
//    after a short wait the page moves on.
// 2. Otherwise ask Pathwise whether this browser sent the state cookie back; if it did, the
//    cookie does the job at launch.
// 3. If neither works, show the offer to open this same login in a new window (cookies are
//    first-party there). It must happen now: the platform accepts each launch only once.
(function () {
  'use strict';
  var form = document.getElementById('pw-auth-form');
  var config = document.getElementById('pw-login');
  if (!form) return;
  var finished = false;

  function continueToPlatform() {
    if (finished) return;
    finished = true;
    form.submit();
  }

  function offerNewWindow() {
    if (finished) return;
    finished = true;
    var progress = document.getElementById('pw-login-progress');
    var blocked = document.getElementById('pw-cookies-blocked');
    if (!blocked) {
      form.submit();
      return;
    }
    if (progress) progress.hidden = true;
    // Shown, its role="alert" message is announced; focus stays where the person left it.
    blocked.hidden = false;
  }

  if (!config || typeof fetch !== 'function') {
    continueToPlatform();
    return;
  }
  var data = config.dataset;
  var lib = window.PathwiseLtiMessages;

  function post(url, fields) {
    var body = new URLSearchParams();
    for (var name in fields) {
      if (Object.prototype.hasOwnProperty.call(fields, name)) body.set(name, fields[name]);
    }
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
    });
  }

  // Resolves true once state and nonce are stored in the platform and Pathwise knows it.
  function storeInPlatform() {
    if (!lib || !data.target || !data.origin) return Promise.resolve(false);
    var target = lib.targetFrame(window, data.target);
    if (!target) return Promise.resolve(false);
    var origin = data.origin;
    var replyTimeout = Number(data.replyTimeoutMs) || 2000;
    var put = function (frame, key, value) {
      return lib
        .request(
          window,
          frame,
          origin,
          { subject: 'lti.put_data', key: key, value: value },
          replyTimeout,
        )
        .then(function (reply) {
          return reply.ok && (reply.data.key === undefined || reply.data.key === key);
        });
    };
    return lib
      .request(
        window,
        target,
        origin,
        { subject: 'lti.capabilities' },
        Number(data.capabilitiesTimeoutMs) || 1000,
      )
      .then(function (capabilities) {
        // No answer: lti_storage_target alone signals support; an answer must list lti.put_data.
        if (!capabilities.ok) return target;
        return lib.frameFor(window, capabilities.data, 'lti.put_data', target);
      })
      .then(function (frame) {
        if (!frame) return false;
        return put(frame, data.stateKey, data.state).then(function (stored) {
          return stored && put(frame, data.nonceKey, data.nonce);
        });
      })
      .then(function (stored) {
        if (!stored) return false;
        return post(data.confirmUrl, { state: data.state }).then(function (response) {
          return response.status === 204;
        });
      });
  }

  // Resolves true when the state cookie came back (or when the check itself could not be made:
  // then the launch decides).
  function cookieCameBack() {
    return post(data.checkUrl, { state: data.state })
      .then(function (response) {
        return response.ok ? response.json() : { cookie: true };
      })
      .then(
        function (answer) {
          return answer.cookie === true;
        },
        function () {
          return true;
        },
      );
  }

  storeInPlatform()
    .then(undefined, function () {
      return false;
    })
    .then(function (stored) {
      return stored || cookieCameBack();
    })
    .then(function (ok) {
      if (ok) continueToPlatform();
      else offerNewWindow();
    }, continueToPlatform);
})();
