import { validateClientJwks } from './client-jwks';

const ec = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
const ec384 = { ...ec, crv: 'P-384' };
const rsa2048 = { kty: 'RSA', e: 'AQAB', n: Buffer.alloc(256, 1).toString('base64url') };
const rsa1024 = { kty: 'RSA', e: 'AQAB', n: Buffer.alloc(128, 1).toString('base64url') };

describe('validateClientJwks', () => {
  it.each([
    ['one EC key', { keys: [ec] }],
    ['EC P-384', { keys: [ec384] }],
    ['RSA 2048', { keys: [rsa2048] }],
    ['keys with kid, alg and use', { keys: [{ ...ec, kid: 'a', alg: 'ES256', use: 'sig' }, { ...rsa2048, kid: 'b', alg: 'RS384' }] }],
  ])('accepts %s', (_name, jwks) => {
    expect(validateClientJwks(jwks)).toEqual(jwks);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'keys', /"keys" array/],
    ['no keys member', {}, /"keys" array/],
    ['empty keys', { keys: [] }, /empty/],
    ['a private EC key', { keys: [{ ...ec, d: 'secret' }] }, /private key members \(d\)/],
    ['a private RSA key', { keys: [{ ...rsa2048, d: 'x', p: 'y' }] }, /private key members \(d, p\)/],
    ['a symmetric key', { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, /private key members \(k\)/],
    ['an OKP key', { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }, /kty "OKP"/],
    ['an encryption key', { keys: [{ ...ec, use: 'enc' }] }, /use "enc"/],
    ['alg HS256', { keys: [{ ...ec, alg: 'HS256' }] }, /alg "HS256"/],
    ['alg none', { keys: [{ ...ec, alg: 'none' }] }, /alg "none"/],
    ['a short RSA key', { keys: [rsa1024] }, /1024 bits/],
    ['a P-521 key', { keys: [{ ...ec, crv: 'P-521' }] }, /curve "P-521"/],
    ['EC without y', { keys: [{ kty: 'EC', crv: 'P-256', x: 'abc' }] }, /without "x" and "y"/],
    ['a repeated kid', { keys: [{ ...ec, kid: 'k' }, { ...ec384, kid: 'k' }] }, /kid "k" appears twice/],
    ['an empty kid', { keys: [{ ...ec, kid: '' }] }, /empty or non-string kid/],
  ])('refuses %s', (_name, jwks, reason) => {
    expect(() => validateClientJwks(jwks)).toThrow(reason);
  });
});
