import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessError } from '../../src/auth/access.error';
import { AccessTokenService } from '../../src/auth/access-token.service';
import { assertScope } from '../../src/auth/assert-scope';
import { AuthGuard } from '../../src/auth/auth.guard';
import { Public } from '../../src/auth/public.decorator';
import { RequireScope } from '../../src/auth/require-scope.decorator';
import { SigningKeyService } from '../../src/auth/signing-key.service';
import { loadConfig } from '../../src/platform/config/config';

class TaskRoutes {
  @RequireScope('Task', 'r') read(): void {}
  @RequireScope('Task', 'r') @RequireScope('Task', 'u') update(): void {}
  anyClient(): void {}
  @Public() open(): void {}
}

@RequireScope('Patient', 's')
class PatientRoutes {
  @RequireScope('Patient', 'r') read(): void {}
  search(): void {}
}

/**
 * No route of this module needs a scope yet (the FHIR and GraphQL doors will), so the guard
 * and `@RequireScope` are exercised here as Nest calls them: the real guard, real tokens from
 * the real key service, an execution context for a decorated handler.
 */
describe('AuthGuard with @RequireScope', () => {
  let dataDir: string;
  let guard: AuthGuard;
  let tokens: AccessTokenService;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-guard-'));
    const config = loadConfig({ LIAISON_DATA_DIR: dataDir }, process.cwd());
    const keys = new SigningKeyService(config);
    await keys.onModuleInit();
    tokens = new AccessTokenService(config, keys);
    guard = new AuthGuard(new Reflector(), tokens);
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  async function bearer(scopes: string[]): Promise<string> {
    return `Bearer ${(await tokens.issue({ clientId: 'c1', tenantId: 't1', scopes })).accessToken}`;
  }

  function httpContext(routes: object, method: string, authorization?: string): { context: ExecutionContextHost; request: Record<string, unknown> } {
    const request: Record<string, unknown> = { headers: authorization ? { authorization } : {} };
    const handler = (routes as Record<string, () => void>)[method];
    const context = new ExecutionContextHost([request, {}], routes.constructor as never, handler);
    context.setType('http');
    return { context, request };
  }

  async function outcome(context: ExecutionContextHost): Promise<'allow' | 401 | 403> {
    try {
      expect(await guard.canActivate(context)).toBe(true);
      return 'allow';
    } catch (error) {
      if (error instanceof AccessError) return error.status;
      throw error;
    }
  }

  it.each<[string, object, string, string[] | undefined, 'allow' | 401 | 403]>([
    ['public, no token', new TaskRoutes(), 'open', undefined, 'allow'],
    ['any client, no token', new TaskRoutes(), 'anyClient', undefined, 401],
    ['any client, no scopes', new TaskRoutes(), 'anyClient', [], 'allow'],
    ['Task.r granted', new TaskRoutes(), 'read', ['system/Task.rs'], 'allow'],
    ['Task.r via wildcard', new TaskRoutes(), 'read', ['system/*.*'], 'allow'],
    ['Task.r via v1 read', new TaskRoutes(), 'read', ['system/Task.read'], 'allow'],
    ['Task.r missing', new TaskRoutes(), 'read', ['system/Patient.rs'], 403],
    ['Task.r only granular', new TaskRoutes(), 'read', ['system/Task.rs?status=ready'], 403],
    ['Task.r, no token', new TaskRoutes(), 'read', undefined, 401],
    ['both required, both granted', new TaskRoutes(), 'update', ['system/Task.ru'], 'allow'],
    ['both required, one granted', new TaskRoutes(), 'update', ['system/Task.rs'], 403],
    ['class requirement + method requirement, both', new PatientRoutes(), 'read', ['system/Patient.rs'], 'allow'],
    ['class requirement + method requirement, one', new PatientRoutes(), 'read', ['system/Patient.r'], 403],
    ['class requirement alone', new PatientRoutes(), 'search', ['system/Patient.s'], 'allow'],
    ['class requirement missing', new PatientRoutes(), 'search', ['system/Task.cruds'], 403],
  ])('%s → %s', async (_case, routes, method, scopes, expected) => {
    const { context } = httpContext(routes, method, scopes && (await bearer(scopes)));
    expect(await outcome(context)).toBe(expected);
  });

  it('says which scope is missing, as a 403 OperationOutcome', async () => {
    const { context } = httpContext(new TaskRoutes(), 'update', await bearer(['system/Task.r']));
    const error = await guard.canActivate(context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessError);
    expect((error as AccessError).outcome.issue[0]).toMatchObject({
      code: 'forbidden',
      details: { text: 'the access token does not grant system/Task.u' },
    });
  });

  it('sets the principal on the request', async () => {
    const { context, request } = httpContext(new TaskRoutes(), 'anyClient', await bearer(['system/*.rs']));
    await guard.canActivate(context);
    expect(request.principal).toEqual({ clientId: 'c1', tenantId: 't1', scopes: ['system/*.rs'] });
  });

  it('reads GraphQL requests (HTTP request in the context) and subscriptions (principal in the context)', async () => {
    const routes = new TaskRoutes();
    const viaRequest = new ExecutionContextHost([{}, {}, { req: { headers: { authorization: await bearer(['system/Task.r']) } } }, {}], TaskRoutes, routes.read);
    viaRequest.setType('graphql');
    expect(await outcome(viaRequest)).toBe('allow');
    const viaReply = new ExecutionContextHost([{}, {}, { reply: { request: { headers: {} } } }, {}], TaskRoutes, routes.read);
    viaReply.setType('graphql');
    expect(await outcome(viaReply)).toBe(401);
    const subscription = new ExecutionContextHost([{}, {}, { principal: { clientId: 'c', tenantId: 't', scopes: ['system/Patient.r'] } }, {}], TaskRoutes, routes.read);
    subscription.setType('graphql');
    expect(await outcome(subscription)).toBe(403);
  });
});

describe('assertScope', () => {
  const principal = { clientId: 'c1', tenantId: 't1', scopes: ['system/Task.rs', 'system/Patient.r'] };

  it.each<[string, 'c' | 'r' | 'u' | 'd' | 's', boolean]>([
    ['Task', 'r', true],
    ['Task', 's', true],
    ['Task', 'u', false],
    ['Patient', 'r', true],
    ['Patient', 's', false],
    ['Encounter', 'r', false],
  ])('%s.%s granted: %s', (type, interaction, granted) => {
    if (granted) {
      expect(() => assertScope(principal, type, interaction)).not.toThrow();
    } else {
      let thrown: unknown;
      try {
        assertScope(principal, type, interaction);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AccessError);
      expect((thrown as AccessError).status).toBe(403);
      expect((thrown as AccessError).outcome.issue[0].code).toBe('forbidden');
    }
  });
});
