import { expect } from 'chai';
import request from 'supertest';
import { Router } from 'express';
import { createApp } from '../../../src/app.js';
import { route } from '../../../src/infra/http/route.js';
import { setFraming } from '../../../src/infra/http/security-headers.js';
import { ValidationError } from '../../../src/shared/errors.js';
import { silentLogger, testConfig } from '../../support/app.js';

function appWith(options: { reachable?: boolean; production?: boolean } = {}) {
  const router = Router();
  router.get('/boom', () => {
    throw new Error('secret internal detail: connection string mongodb://user:pw@host');
  });
  router.get(
    '/async-boom',
    route(async () => {
      await Promise.resolve();
      throw new Error('async internal detail');
    }),
  );
  router.get('/framed', (_req, res) => {
    setFraming(res, {
      kind: 'origins',
      origins: ['https://canvas.example.edu', 'https://moodle.example.org', "bad'; script-src *"],
    });
    res.send('framed page');
  });
  router.post(
    '/validate',
    route(() => {
      throw new ValidationError('The goal date is in the past.', {
        help: 'Pick a date from today on.',
      });
    }),
  );
  const config = options.production
    ? testConfig({
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://pathwise.example.edu',
        MONGODB_URI: 'mongodb://db:27017/p',
      })
    : testConfig();
  return createApp({
    config,
    logger: silentLogger,
    health: { isDatabaseReachable: () => Promise.resolve(options.reachable ?? true) },
    routers: [{ path: '/t', handler: router }],
  });
}

describe('app (HTTP edge)', () => {
  it('GET /healthz answers 200 without touching the database', async () => {
    const res = await request(appWith({ reachable: false }))
      .get('/healthz')
      .expect(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
  });

  it('GET /readyz is 200 when the database answers and 503 when it does not', async () => {
    const up = await request(appWith({ reachable: true }))
      .get('/readyz')
      .expect(200);
    expect(up.body.checks).to.deep.equal({ database: 'ok' });
    const down = await request(appWith({ reachable: false }))
      .get('/readyz')
      .expect(503);
    expect(down.body.status).to.equal('unavailable');
  });

  it('an unknown page renders the HTML error page for a browser with a request id', async () => {
    const res = await request(appWith()).get('/nope').set('Accept', 'text/html').expect(404);
    expect(res.headers['content-type']).to.match(/text\/html/);
    expect(res.text).to.include('This page does not exist.');
    expect(res.text).to.include(String(res.headers['x-request-id']));
  });

  it('the same error is JSON for XHR clients', async () => {
    const res = await request(appWith()).get('/nope').set('Accept', 'application/json').expect(404);
    expect(res.body.error.code).to.equal('NOT_FOUND');
    expect(res.body.error.requestId).to.equal(res.headers['x-request-id']);
  });

  it('a thrown and an async-rejected handler both answer the error page instead of hanging', async () => {
    const app = appWith();
    await request(app).get('/t/boom').set('Accept', 'text/html').expect(500);
    const res = await request(app)
      .get('/t/async-boom')
      .set('Accept', 'application/json')
      .set('X-Forwarded-Proto', 'https')
      .expect(500);
    expect(res.body.error.code).to.equal('INTERNAL_ERROR');
  });

  it('in production a 500 shows neither the stack nor the foreign error text', async () => {
    const res = await request(appWith({ production: true }))
      .get('/t/boom')
      .set('Accept', 'text/html')
      .set('X-Forwarded-Proto', 'https')
      .expect(500);
    expect(res.text).not.to.include('secret internal detail');
    expect(res.text).not.to.match(/\s+at .+:\d+:\d+/);
    expect(res.text).to.include('Something went wrong on our side.');
    const json = await request(appWith({ production: true }))
      .get('/t/async-boom')
      .set('Accept', 'application/json')
      .set('X-Forwarded-Proto', 'https')
      .expect(500);
    expect(json.body.error).not.to.have.property('debug');
    expect(json.body.error.message).to.equal('Something went wrong on our side.');
  });

  it('an AppError keeps its status, safe message and help', async () => {
    const res = await request(appWith())
      .post('/t/validate')
      .set('Accept', 'application/json')
      .expect(400);
    expect(res.body.error).to.include({
      code: 'VALIDATION_FAILED',
      message: 'The goal date is in the past.',
      help: 'Pick a date from today on.',
    });
  });

  it('a malformed JSON body is a 400 with a clear message, not a 500', async () => {
    const res = await request(appWith())
      .post('/t/validate')
      .set('Content-Type', 'application/json')
      .set('Accept', 'application/json')
      .send('{"broken":')
      .expect(400);
    expect(res.body.error.code).to.equal('BAD_REQUEST');
  });

  it('CSP frame-ancestors is per response: self by default, the origins a route names, any for an error page', async () => {
    const plain = await request(appWith()).get('/healthz');
    expect(String(plain.headers['content-security-policy'])).to.include("frame-ancestors 'self';");
    const framed = await request(appWith()).get('/t/framed');
    expect(String(framed.headers['content-security-policy'])).to.include(
      "frame-ancestors 'self' https://canvas.example.edu https://moodle.example.org;",
    );
    // A malformed origin can never inject a directive.
    expect(String(framed.headers['content-security-policy'])).not.to.include('script-src *');
    const error = await request(appWith()).get('/t/boom');
    expect(String(error.headers['content-security-policy'])).to.include('frame-ancestors *;');
  });

  it('CSP allows no inline script', async () => {
    const res = await request(appWith()).get('/healthz');
    const csp = String(res.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    expect(directives.get('script-src')).to.equal("'self'");
    expect(directives.get('script-src-attr')).to.equal("'none'");
    expect(directives.get('style-src')).to.equal("'self'");
    // Only style attributes (KaTeX layout) may be inline: never scripts or <style> elements.
    expect(directives.get('style-src-attr')).to.equal("'unsafe-inline'");
    expect(csp.match(/unsafe-inline/g)).to.have.length(1);
    expect(res.headers).not.to.have.property('x-frame-options');
    expect(res.headers['referrer-policy']).to.equal('no-referrer');
  });

  it('honours a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    const app = appWith();
    const kept = await request(app).get('/healthz').set('X-Request-Id', 'lb-abcdef123456');
    expect(kept.headers['x-request-id']).to.equal('lb-abcdef123456');
    const replaced = await request(app).get('/healthz').set('X-Request-Id', '<script>');
    expect(replaced.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
  });
});
