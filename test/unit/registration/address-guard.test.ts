import { expect } from 'chai';
import {
  checkOutboundUrl,
  isPublicAddress,
  type HostResolver,
} from '../../../src/registration/address-guard.js';

const resolverFor =
  (table: Readonly<Record<string, readonly string[]>>): HostResolver =>
  (hostname) => {
    const addresses = table[hostname];
    if (addresses === undefined)
      return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    return Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

describe('isPublicAddress (SSRF guard)', () => {
  const internal = [
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '192.0.2.10',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::1',
    '2001:db8::1',
    'not-an-ip',
  ];
  const external = [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '192.169.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ];
  for (const address of internal) {
    it(`${address} is not public`, () => {
      expect(isPublicAddress(address)).to.equal(false);
    });
  }
  for (const address of external) {
    it(`${address} is public`, () => {
      expect(isPublicAddress(address)).to.equal(true);
    });
  }
});

describe('checkOutboundUrl', () => {
  const resolve = resolverFor({
    'lms.example.edu': ['203.0.114.7'],
    'internal.example.edu': ['10.0.0.5'],
    'mixed.example.edu': ['203.0.114.7', '192.168.0.9'],
    'v6-loopback.example.edu': ['::1'],
  });
  const production = { devMode: false, resolve };

  it('accepts https to a host with only public addresses', async () => {
    const result = await checkOutboundUrl('https://lms.example.edu/config', production);
    expect(result.ok).to.equal(true);
  });

  it('refuses http outside dev mode before any DNS lookup', async () => {
    let looked = false;
    const result = await checkOutboundUrl('http://lms.example.edu/config', {
      devMode: false,
      resolve: (h) => {
        looked = true;
        return resolve(h);
      },
    });
    expect(result).to.deep.equal({
      ok: false,
      error: { reason: 'invalid', detail: 'uses http; LTI 1.3 requires https outside dev mode' },
    });
    expect(looked).to.equal(false);
  });

  it('refuses a host resolving to a private address, naming it', async () => {
    const result = await checkOutboundUrl('https://internal.example.edu/config', production);
    expect(result).to.deep.equal({
      ok: false,
      error: {
        reason: 'private-address',
        detail:
          'internal.example.edu resolves to a private, loopback or link-local address (10.0.0.5)',
      },
    });
  });

  it('checks every address: one private record among public ones is refused', async () => {
    const result = await checkOutboundUrl('https://mixed.example.edu/', production);
    expect(!result.ok && result.error.reason).to.equal('private-address');
    expect(!result.ok && result.error.detail).to.include('192.168.0.9');
    expect(!result.ok && result.error.detail).not.to.include('203.0.114.7');
  });

  it('refuses IPv6 loopback, IP literals and unresolvable names', async () => {
    const v6 = await checkOutboundUrl('https://v6-loopback.example.edu/', production);
    expect(!v6.ok && v6.error.reason).to.equal('private-address');
    const literal = await checkOutboundUrl('https://169.254.169.254/latest/meta-data', {
      devMode: false,
      resolve: (h) => Promise.resolve([{ address: h, family: 4 }]),
    });
    expect(!literal.ok && literal.error.reason).to.equal('private-address');
    const bracketed = await checkOutboundUrl('https://[::ffff:127.0.0.1]/', {
      devMode: false,
      resolve: (h) => Promise.resolve([{ address: h, family: 6 }]),
    });
    expect(!bracketed.ok && bracketed.error.reason).to.equal('private-address');
    const unknown = await checkOutboundUrl('https://nowhere.example.edu/', production);
    expect(unknown).to.deep.equal({
      ok: false,
      error: {
        reason: 'unresolvable',
        detail: 'nowhere.example.edu could not be resolved (ENOTFOUND)',
      },
    });
  });

  it('dev mode allows http to this machine without DNS checks, but not to other hosts', async () => {
    const dev = { devMode: true, resolve };
    expect((await checkOutboundUrl('http://127.0.0.1:4000/x', dev)).ok).to.equal(true);
    const other = await checkOutboundUrl('http://lms.example.edu/x', dev);
    expect(!other.ok && other.error.reason).to.equal('invalid');
  });
});
