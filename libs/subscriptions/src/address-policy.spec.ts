import { checkAddress, nonPublicRange, parseEndpointUrl, parseIp } from './address-policy';

describe('parseIp', () => {
  it.each([
    ['127.0.0.1', [127, 0, 0, 1]],
    ['::1', [...Array(15).fill(0), 1]],
    ['[::1]', [...Array(15).fill(0), 1]],
    ['::ffff:10.0.0.1', [...Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]],
    ['fe80::1%eth0', [0xfe, 0x80, ...Array(13).fill(0), 1]],
    ['2001:db8:0:0:0:0:0:1', [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]],
  ])('%s', (text, bytes) => {
    expect(parseIp(text)).toEqual(bytes);
  });

  it.each(['256.0.0.1', '1.2.3', '01.2.3.4', 'example.org', '1::2::3', '1:2:3:4:5:6:7:8:9', ':::'])('refuses %s', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('nonPublicRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['0.0.0.0', 'this-network'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00::1', 'unique-local (private)'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
  ])('%s is %s', (ip, name) => {
    expect(nonPublicRange(parseIp(ip)!)).toBe(name);
  });

  it.each(['8.8.8.8', '172.32.0.1', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) => {
    expect(nonPublicRange(parseIp(ip)!)).toBeUndefined();
  });
});

describe('checkAddress', () => {
  it('allows public addresses and refuses the others by default', () => {
    expect(checkAddress('8.8.8.8', 'dns.example', [])).toEqual({ allowed: true });
    expect(checkAddress('127.0.0.1', 'localhost', [])).toEqual({ allowed: false, reason: expect.stringContaining('loopback') });
  });

  it('allows what the allowlist names: the address, a CIDR around it, or the host name', () => {
    expect(checkAddress('127.0.0.1', '127.0.0.1', [{ raw: '127.0.0.1', kind: 'ip' }]).allowed).toBe(true);
    expect(checkAddress('127.0.0.2', '127.0.0.2', [{ raw: '127.0.0.1', kind: 'ip' }]).allowed).toBe(false);
    expect(checkAddress('10.20.30.40', 'hooks.internal', [{ raw: '10.20.0.0/16', kind: 'cidr' }]).allowed).toBe(true);
    expect(checkAddress('10.21.30.40', 'hooks.internal', [{ raw: '10.20.0.0/16', kind: 'cidr' }]).allowed).toBe(false);
    expect(checkAddress('10.9.9.9', 'Hooks.Internal', [{ raw: 'hooks.internal', kind: 'host' }]).allowed).toBe(true);
    expect(checkAddress('::1', '::1', [{ raw: '::1', kind: 'ip' }]).allowed).toBe(true);
  });
});

describe('parseEndpointUrl', () => {
  it('accepts http(s) URLs and tells a literal address', () => {
    expect(parseEndpointUrl('https://hooks.example/x')).toMatchObject({ hostname: 'hooks.example' });
    expect(parseEndpointUrl('http://[::1]:8080/x')).toMatchObject({ hostname: '::1', literalAddress: '::1' });
  });

  it.each([
    ['ftp://x/y', 'http(s)'],
    ['not a url', 'absolute URL'],
    ['https://user:pw@hooks.example/', 'credentials'],
    ['https://hooks.example/#frag', 'fragment'],
  ])('refuses %s', (url, message) => {
    expect(parseEndpointUrl(url)).toEqual({ error: expect.stringContaining(message) });
  });
});
