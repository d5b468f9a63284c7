// Launch with Platform Storage (1EdTech lti-cs-oidc): no state cookie came back, so read the
// login's state from the platform's frame (lti.get_data) and post it with the id_token. Pathwise
// compares it with the state it issued; an empty answer (no reply in time, nothing stored) leads
// to the page that offers a new window.
(function () {
  'use strict';
  var form = document.getElementById('pw-storage-form');
  if (!form) return;
  var lib = window.PathwiseLtiMessages;
  var data = form.dataset;
  var answer = form.elements.namedItem('platform_state');
  var submitted = false;

  function submit(value) {
    if (submitted) return;
    submitted = true;
    if (answer && typeof value === 'string') answer.value = value;
    form.submit();
  }

  var target = lib ? lib.targetFrame(window, data.target) : null;
  if (!target || !data.origin) {
    submit('');
    return;
  }
  lib
    .request(
      window,
      target,
      data.origin,
      { subject: 'lti.get_data', key: data.stateKey },
      Number(data.replyTimeoutMs) || 2000,
    )
    .then(function (reply) {
      var ok =
        reply.ok &&
        (reply.data.key === undefined || reply.data.key === data.stateKey) &&
        typeof reply.data.value === 'string';
      submit(ok ? reply.data.value : '');
    })
    .then(undefined, function () {
      submit('');
    });
})();
