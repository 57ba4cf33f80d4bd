import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, CryptoKey, exportJWK, generateKeyPair, importJWK, JWK, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';

/** The only algorithm the service signs its own tokens with. */
export const SIGNING_ALG = 'ES256';

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y'] as const;

interface LoadedKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

export class SigningKeyError extends Error {
  constructor(file: string, reason: string) {
    super(`signing key ${file}: ${reason}`);
    this.name = 'SigningKeyError';
  }
}

function publicPart(jwk: JWK): JWK {
  const publicJwk: JWK = {};
  for (const member of PUBLIC_MEMBERS) publicJwk[member] = jwk[member];
  return publicJwk;
}

async function importKey(jwk: JWK, file: string): Promise<LoadedKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new SigningKeyError(file, 'must be a private EC P-256 JWK (kty "EC", crv "P-256", with "d") for ES256');
  }
  if (jwk.alg !== undefined && jwk.alg !== SIGNING_ALG) throw new SigningKeyError(file, `has alg "${jwk.alg}", expected ES256`);
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : await calculateJwkThumbprint(publicPart(jwk), 'sha256');
  const privateKey = (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicPart(jwk), SIGNING_ALG)) as CryptoKey;
  return { kid, privateKey, publicKey, publicJwk: { ...publicPart(jwk), kid, alg: SIGNING_ALG, use: 'sig' } };
}

async function readJwk(file: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SigningKeyError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new SigningKeyError(file, 'is not JSON');
  }
}

/**
 * The generated key under `dataDir/keys`: created on first start (folder 0700, file 0600, `kid`
 * the RFC 7638 thumbprint), reused afterwards. Two processes racing to create it both end up
 * with the one that reached the disk first.
 */
async function loadOrCreateGeneratedKey(dataDir: string, log: Logger): Promise<LoadedKey> {
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'signing-key.json');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const existing = await readJwk(file);
  if (existing) {
    await chmod(file, 0o600);
    return importKey(existing, file);
  }
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk), 'sha256');
  const stored: JWK = { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' };
  try {
    await writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    log.log(`generated a new token signing key (kid ${kid})`);
    return importKey(stored, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readJwk(file);
    if (!winner) throw new SigningKeyError(file, 'vanished while it was being created');
    return importKey(winner, file);
  }
}

/**
 * The service's own ES256 key: signs access tokens, verifies them, and is published (public
 * part only) at /.well-known/jwks.json. `LIAISON_SIGNING_KEY_FILE` names a private JWK to use;
 * otherwise one is generated into `LIAISON_DATA_DIR/keys/signing-key.json`.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit {
  private readonly log = new Logger(SigningKeyService.name);
  private key: LoadedKey | undefined;

  constructor(@Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig) {}

  async onModuleInit(): Promise<void> {
    const file = this.config.signingKeyFile;
    if (file) {
      const jwk = await readJwk(file);
      if (!jwk) throw new SigningKeyError(file, 'does not exist');
      this.key = await importKey(jwk, file);
    } else {
      this.key = await loadOrCreateGeneratedKey(this.config.dataDir, this.log);
    }
  }

  private loaded(): LoadedKey {
    if (!this.key) throw new Error('SigningKeyService used before the module was initialised');
    return this.key;
  }

  get kid(): string {
    return this.loaded().kid;
  }

  /** The public keys tokens may be signed with, as a JWK Set. */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.loaded().publicJwk }] };
  }

  /** Signs `payload` as a JWT with the service key; the caller sets every registered claim. */
  async sign(payload: JWTPayload, typ: string): Promise<string> {
    const key = this.loaded();
    return new SignJWT(payload).setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ }).sign(key.privateKey);
  }

  /**
   * Verifies a JWT signed by the service key: ES256 only, the `kid` (when present) must be ours,
   * and the issuer, audience, type and lifetime claims must hold.
   */
  async verify(
    token: string,
    expected: { issuer: string; audience: string; typ: string; requiredClaims: string[]; currentDate?: Date },
  ): Promise<JWTPayload> {
    const key = this.loaded();
    const { payload } = await jwtVerify(
      token,
      (header) => {
        if (header.kid !== undefined && header.kid !== key.kid) throw new UnknownKeyError();
        return key.publicKey;
      },
      { algorithms: [SIGNING_ALG], ...expected },
    );
    return payload;
  }
}

export class UnknownKeyError extends Error {
  constructor() {
    super('the token was not signed with a key of this service');
    this.name = 'UnknownKeyError';
  }
}
