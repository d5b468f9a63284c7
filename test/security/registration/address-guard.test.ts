/**
 * Attack regression: the SSRF guard of Dynamic Registration. `https://[::ffff:0:7f00:1]/` (an
 * IPv4-translated loopback) passed in production. Every special-purpose form is checked here,
 * as an address, as the URL host WHATWG parsing produces, and end to end through /lti/register
 * (400, no request sent, nothing stored).
 */
import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../../src/app.js';
import type {
  OutboundHttp,
  OutboundPurpose,
  OutboundRequest,
} from '../../../src/lti/outbound-http.js';
import {
  checkOutboundUrl,
  isPublicAddress,
  type HostResolver,
} from '../../../src/registration/address-guard.js';
import { registrationRoutes } from '../../../src/registration/registration.routes.js';
import { silentLogger, testConfig } from '../../support/app.js';
import { MemoryPlatformRegistry } from '../../support/lti/memory-registry.js';

/** Addresses that must never be contacted, by the rule that refuses them. */
const REFUSED: readonly (readonly [string, readonly string[]])[] = [
  ['IPv4 "this network" 0.0.0.0/8', ['0.0.0.0', '0.1.2.3', '0.255.255.255']],
  [
    'IPv4 private 10/8, 172.16/12, 192.168/16',
    ['10.0.0.1', '172.16.0.1', '172.31.255.254', '192.168.1.1'],
  ],
  ['IPv4 carrier-grade NAT 100.64.0.0/10', ['100.64.0.1', '100.127.255.254']],
  ['IPv4 loopback 127/8', ['127.0.0.1', '127.255.0.9']],
  ['IPv4 link-local 169.254/16 (cloud metadata)', ['169.254.169.254', '169.254.0.1']],
  [
    'IPv4 IETF assignments and documentation',
    ['192.0.0.8', '192.0.2.1', '198.51.100.7', '203.0.113.9'],
  ],
  ['IPv4 6to4 relay anycast 192.88.99.0/24', ['192.88.99.1']],
  ['IPv4 benchmarking 198.18.0.0/15', ['198.18.0.1', '198.19.255.254']],
  ['IPv4 multicast 224/4', ['224.0.0.1', '239.255.255.250']],
  ['IPv4 reserved 240/4', ['240.0.0.1', '250.1.2.3']],
  ['IPv4 limited broadcast', ['255.255.255.255']],
  ['IPv6 unspecified and loopback', ['::', '::1']],
  ['IPv4-compatible ::/96 (deprecated)', ['::7f00:1', '::127.0.0.1', '::8.8.8.8']],
  [
    'IPv4-mapped ::ffff:0:0/96 with a private IPv4',
    ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1'],
  ],
  [
    'IPv4-translated ::ffff:0:0:0/96 with a private IPv4',
    ['::ffff:0:7f00:1', '::ffff:0:127.0.0.1', '::ffff:0:a00:1'],
  ],
  [
    'NAT64 64:ff9b::/96 with a private IPv4',
    ['64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b::192.168.0.1'],
  ],
  ['NAT64 local-use 64:ff9b:1::/48', ['64:ff9b:1::1']],
  [
    '6to4 2002::/16 with a private IPv4 (all 6to4: deprecated)',
    ['2002:7f00:1::1', '2002:a00:1::', '2002:c0a8:101::1', '2002:808:808::1'],
  ],
  [
    'Teredo and other IETF assignments 2001::/23',
    ['2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:2::1'],
  ],
  ['IPv6 documentation', ['2001:db8::1', '3fff::1']],
  ['unique-local fc00::/7', ['fc00::1', 'fd12:3456::1']],
  ['link-local fe80::/10 (with a zone)', ['fe80::1', 'fe80::1%eth0', 'febf::1']],
  ['site-local fec0::/10', ['fec0::1']],
  ['IPv6 multicast ff00::/8', ['ff02::1', 'ff05::1:3', 'ff0e::1']],
  [
    'discard 100::/64 and other space outside 2000::/3',
    ['100::1', '4000::1', '5f00::1', 'e000::1'],
  ],
  ['not an address', ['not-an-ip', '', '1.2.3', '::ffff:999.0.0.1']],
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '100.128.0.1',
  '172.32.0.1',
  '198.20.0.1',
  '223.255.255.1',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '::ffff:0:808:808',
  '64:ff9b::808:808',
];

/** URL forms WHATWG parsing turns into a special-purpose host. */
const URL_FORMS: readonly (readonly [string, string])[] = [
  ['https://[::ffff:0:7f00:1]/', 'the reported bypass: IPv4-translated loopback'],
  ['https://[::ffff:127.0.0.1]/', 'IPv4-mapped, dotted'],
  ['https://[::7f00:1]/', 'IPv4-compatible'],
  ['https://[64:ff9b::a9fe:a9fe]/latest/meta-data', 'NAT64 to the metadata address'],
  ['https://[2002:a9fe:a9fe::]/', '6to4 embedding the metadata address'],
  ['https://[fd00::1]/', 'unique-local'],
  ['https://[fe80::1]/', 'link-local'],
  ['https://[ff02::1]/', 'multicast'],
  ['https://[::]/', 'unspecified'],
  ['https://2130706433/', 'decimal 127.0.0.1'],
  ['https://017700000001/', 'octal 127.0.0.1'],
  ['https://0x7f000001/', 'hex 127.0.0.1'],
  ['https://0x7f.1/', 'hex and shortened 127.0.0.1'],
  ['https://0177.0.0.1/', 'octal first part'],
  ['https://127.1/', 'shortened 127.0.0.1'],
  ['https://127.0.0.1./', 'trailing dot'],
  ['https://0xa9.0xfe.0xa9.0xfe/latest/meta-data', 'hex 169.254.169.254'],
  ['https://2852039166/', 'decimal 169.254.169.254'],
  ['https://0/', '0.0.0.0'],
  ['https://4294967295/', 'decimal 255.255.255.255'],
  ['https://0x64.0x40.0.1/', 'hex CGNAT 100.64.0.1'],
  ['https://3323068417/', 'decimal 198.18.0.1'],
  ['https://4026531841/', 'decimal 240.0.0.1'],
];

/** A resolver that would vouch for anything: literals must never be sent to DNS. */
const lyingResolver: HostResolver = () => Promise.resolve([{ address: '8.8.8.8', family: 4 }]);

describe('SSRF address guard (security)', function () {
  describe('isPublicAddress', function () {
    for (const [rule, addresses] of REFUSED) {
      it(`refuses ${rule}: ${addresses.map((a) => a || '""').join(', ')}`, function () {
        expect(addresses.filter((a) => isPublicAddress(a))).to.deep.equal([]);
      });
    }
    it(`accepts public unicast, mapped or NAT64 to a public IPv4: ${PUBLIC.join(', ')}`, function () {
      expect(PUBLIC.filter((a) => !isPublicAddress(a))).to.deep.equal([]);
    });
  });

  describe('checkOutboundUrl in production, IP literals as WHATWG URL parses them', function () {
    for (const [url, what] of URL_FORMS) {
      it(`${url} (${what}) → private-address, without asking DNS`, async function () {
        let asked = false;
        const result = await checkOutboundUrl(url, {
          devMode: false,
          resolve: (host) => {
            asked = true;
            return lyingResolver(host);
          },
        });
        expect(result.ok).to.equal(false);
        expect(!result.ok && result.error.reason).to.equal('private-address');
        expect(!result.ok && result.error.detail).to.contain(new URL(url).hostname);
        expect(asked).to.equal(false);
      });
    }

    it('a name resolving to the IPv4-translated loopback is refused too', async function () {
      const result = await checkOutboundUrl('https://rebind.example.net/', {
        devMode: false,
        resolve: () => Promise.resolve([{ address: '::ffff:0:7f00:1', family: 6 }]),
      });
      expect(result).to.deep.equal({
        ok: false,
        error: {
          reason: 'private-address',
          detail:
            'rebind.example.net resolves to a private, loopback or link-local address (::ffff:0:7f00:1)',
        },
      });
    });

    it('a public literal still passes (no over-blocking)', async function () {
      for (const url of [
        'https://8.8.8.8/',
        'https://[2606:4700:4700::1111]/',
        'https://[64:ff9b::808:808]/',
      ]) {
        expect(
          (await checkOutboundUrl(url, { devMode: false, resolve: lyingResolver })).ok,
          url,
        ).to.equal(true);
      }
    });
  });

  describe('GET /lti/register in production', function () {
    it('openid_configuration=https://[::ffff:0:7f00:1]/ → 400 DR_UNSAFE_URL, no request sent, nothing stored', async function () {
      const registry = new MemoryPlatformRegistry();
      const sent: OutboundRequest[] = [];
      const http: OutboundHttp = {
        send: (r) => {
          sent.push(r);
          return Promise.reject(new Error('the guard should have refused before any request'));
        },
        counts: () => ({ registration: sent.length }) as Record<OutboundPurpose, number>,
      };
      const config = testConfig({ PUBLIC_URL: 'https://pathwise.example.edu' });
      const app = createApp({
        config,
        logger: silentLogger,
        health: { isDatabaseReachable: () => Promise.resolve(true) },
        routers: [
          {
            path: '/lti',
            handler: registrationRoutes({
              registry,
              http,
              publicUrl: config.publicUrl,
              devMode: false,
              resolveHost: lyingResolver,
            }),
          },
        ],
      });
      for (const [url] of URL_FORMS) {
        const res = await request(app)
          .get('/lti/register')
          .query({ openid_configuration: url, registration_token: 't' })
          .set('Accept', 'application/json');
        expect(res.status, url).to.equal(400);
        expect(res.body.error.code, url).to.equal('DR_UNSAFE_URL');
        expect(res.body.error.message, url).to.equal(
          `Pathwise refused to contact the openid_configuration URL ${url}: ${new URL(url).hostname} is a private, loopback, link-local or reserved address.`,
        );
      }
      expect(sent).to.deep.equal([]);
      expect(await registry.list()).to.deep.equal([]);
    });
  });
});
