// LMS simulator (dev and tests only): submits the OIDC/launch form on load; the visible button covers no-JS.
(function () {
  'use strict';
  var form = document.querySelector('form[data-autosubmit="true"]');
  if (form) {
    form.submit();
  }
})();
