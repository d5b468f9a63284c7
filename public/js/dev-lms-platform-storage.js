// LMS simulator (dev and tests only): the Platform Storage frame, as Canvas's
// post_message_forwarding frame. Answers lti.capabilities, lti.put_data and lti.get_data
// (1EdTech lti-cs-pm / lti-pm-s) from the registered tools' origins only, replying to the asking
// window with that window's origin as target; values live in this origin's localStorage,
// separated per tool origin. Messages from any other origin are ignored.
(function () {
  'use strict';
  var config = document.getElementById('platform-storage');
  if (!config) return;
  var frameName = config.getAttribute('data-frame-name') || 'post_message_forwarding';
  var allowed = [];
  try {
    allowed = JSON.parse(config.getAttribute('data-tool-origins') || '[]');
  } catch (error) {
    allowed = [];
  }
  // Canvas's limits: per tool and per page load, 500 keys and 4096 characters (the spec minimum).
  var LIMIT_KEYS = 500;
  var LIMIT_CHARS = 4096;
  var PREFIX = 'lti|platform_storage|';
  var used = {};

  function storageKey(origin, key) {
    return PREFIX + origin + '|' + key;
  }

  function reply(event, message, fields) {
    var out = { subject: message.subject + '.response', message_id: message.message_id };
    for (var name in fields) {
      if (Object.prototype.hasOwnProperty.call(fields, name)) out[name] = fields[name];
    }
    event.source.postMessage(out, event.origin);
  }

  function fail(event, message, code, text) {
    reply(event, message, { error: { code: code, message: text } });
  }

  window.addEventListener('message', function (event) {
    if (allowed.indexOf(event.origin) === -1 || !event.source) return;
    var message = event.data;
    if (typeof message === 'string') {
      try {
        message = JSON.parse(message);
      } catch (error) {
        return;
      }
    }
    if (!message || typeof message !== 'object' || typeof message.subject !== 'string') return;
    if (message.subject.slice(-9) === '.response') return;
    if (typeof message.message_id !== 'string' && typeof message.message_id !== 'number') {
      fail(event, message, 'bad_request', "Missing required 'message_id' field");
      return;
    }
    switch (message.subject) {
      case 'lti.capabilities':
        reply(event, message, {
          supported_messages: [
            { subject: 'lti.capabilities' },
            { subject: 'lti.put_data', frame: frameName },
            { subject: 'lti.get_data', frame: frameName },
          ],
        });
        return;
      case 'lti.put_data': {
        if (typeof message.key !== 'string' || message.key === '') {
          fail(event, message, 'bad_request', "Missing required 'key' field");
          return;
        }
        var name = storageKey(event.origin, message.key);
        if (typeof message.value !== 'string' || message.value === '') {
          window.localStorage.removeItem(name);
          reply(event, message, { key: message.key });
          return;
        }
        var budget = used[event.origin] || { keys: 0, chars: 0 };
        var chars = message.key.length + message.value.length;
        if (budget.keys + 1 > LIMIT_KEYS || budget.chars + chars > LIMIT_CHARS) {
          fail(event, message, 'storage_exhaustion', 'Reached the storage limit for this tool');
          return;
        }
        used[event.origin] = { keys: budget.keys + 1, chars: budget.chars + chars };
        window.localStorage.setItem(name, message.value);
        reply(event, message, { key: message.key, value: message.value });
        return;
      }
      case 'lti.get_data': {
        if (typeof message.key !== 'string' || message.key === '') {
          fail(event, message, 'bad_request', "Missing required 'key' field");
          return;
        }
        var value = window.localStorage.getItem(storageKey(event.origin, message.key));
        reply(
          event,
          message,
          value === null ? { key: message.key } : { key: message.key, value: value },
        );
        return;
      }
      default:
        fail(event, message, 'unsupported_subject', 'Unsupported subject: ' + message.subject);
    }
  });
})();
