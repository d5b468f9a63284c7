// Dynamic Registration finished: tell the LMS (the parent window) to close the registration frame.
// A file, not an inline script, so the CSP needs no 'unsafe-inline'. The message carries nothing
// secret, so '*' is the target origin Canvas and Moodle document.
(function () {
  'use strict';
  var button = document.querySelector('button[data-lti-close]');
  if (!button) {
    return;
  }
  var subject = button.getAttribute('data-lti-close') || 'org.imsglobal.lti.close';
  var framed = window.parent && window.parent !== window;
  if (!framed) {
    var note = document.querySelector('.registration-standalone');
    if (note) {
      note.hidden = false;
    }
  }
  button.addEventListener('click', function () {
    if (framed) {
      window.parent.postMessage({ subject: subject }, '*');
    } else {
      window.close();
    }
  });
})();
