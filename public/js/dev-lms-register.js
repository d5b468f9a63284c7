// LMS simulator (dev and tests only): closes the Dynamic Registration frame when the tool posts
// {subject: 'org.imsglobal.lti.close'} from the registration frame.
(function () {
  'use strict';
  var frame = document.querySelector('iframe[data-registration-frame="true"]');
  if (!frame) {
    return;
  }
  window.addEventListener('message', function (event) {
    if (event.source !== frame.contentWindow) {
      return;
    }
    var data = event.data;
    if (data && typeof data === 'object' && data.subject === 'org.imsglobal.lti.close') {
      window.location.assign('./');
    }
  });
})();
