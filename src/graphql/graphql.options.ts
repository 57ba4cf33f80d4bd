import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { OperationOutcomeError } from '@medplum/core';
import { ExecutionResult, GraphQLError, GraphQLFormattedError, NoSchemaIntrospectionCustomRule, ValidationRule } from 'graphql';
import { decodeJwt } from 'jose';
import type { AccessTokenService, Principal } from '../auth';
import type { LiaisonConfig } from '../platform/config/config';
import { internalGraphqlError, outcomeGraphqlError } from './graphql-error.mapper';
import { queryCostRule } from './query-cost.rule';

export const GRAPHQL_PATH = '/graphql';
/** Largest GraphQL request body (queries are small; FHIR Bundles have their own, larger limit). */
export const GRAPHQL_BODY_LIMIT_BYTES = 64 * 1024;
export const MAX_QUERY_DEPTH = 10;
export const MAX_QUERY_COST = 25_000;
export const MAX_FIRST = 100;
/** WebSocket keep-alive pings (graphql-transport-ws `ping`). */
const KEEP_ALIVE_MS = 25_000;

/** What a WebSocket connection's context carries once `connection_init` is authenticated. */
export interface SubscriptionAuth {
  readonly principal: Principal;
  /** When the access token expires (epoch ms): the connection's streams end then. */
  readonly tokenExpiresAtMs: number;
}

type ErrorWithStatus = Error & { statusCode?: number; errors?: unknown[] };

/** "Did you mean …?" field and type suggestions, which tell a stranger the schema. */
function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

function formatted(error: GraphQLError, production: boolean): GraphQLFormattedError {
  const original = error.originalError as ErrorWithStatus | undefined;
  let mapped = error;
  if (typeof error.extensions?.code !== 'string') {
    if (original instanceof OperationOutcomeError) mapped = outcomeGraphqlError(original);
    else if (!original || original instanceof GraphQLError || (original.statusCode !== undefined && original.statusCode < 500)) {
      // Parse, validation and variable errors, depth and cost limits, a body too large: the client's.
      mapped = new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });
    } else mapped = internalGraphqlError(original, production);
  }
  const message = production && mapped.extensions.code === 'BAD_USER_INPUT' ? withoutSuggestions(mapped.message) : mapped.message;
  return {
    message,
    ...(error.locations && { locations: error.locations }),
    ...(error.path && { path: error.path }),
    extensions: mapped.extensions,
  };
}

/**
 * Mercurius's error formatter: every error leaves with `extensions.code` (those raised in
 * resolvers already carry it, see GraphqlErrorFilter; the rest are the client's input or our
 * failure), never a stack trace or SQL; in production without field suggestions. Status 200
 * when there is data (GraphQL over HTTP), else the status the failure carries (400 invalid query).
 */
export function graphqlErrorFormatter(production: boolean) {
  return (execution: ExecutionResult & { statusCode?: number }): { statusCode: number; response: ExecutionResult } => {
    const errors = (execution.errors ?? []).flatMap((error) => {
      const nested = (error.originalError as ErrorWithStatus | undefined)?.errors;
      return Array.isArray(nested) ? nested.map((e) => (e instanceof GraphQLError ? e : new GraphQLError(String((e as Error).message ?? e)))) : [error];
    });
    let statusCode = execution.data ? 200 : (execution.statusCode ?? 200);
    const only = execution.errors?.length === 1 ? (execution.errors[0].originalError as ErrorWithStatus | undefined) : undefined;
    if (!execution.data && execution.statusCode === undefined && typeof only?.statusCode === 'number') statusCode = only.statusCode;
    return {
      statusCode,
      response: { data: execution.data ?? null, errors: errors.map((error) => formatted(error, production)) as unknown as GraphQLError[] },
    };
  };
}

/**
 * `connection_init` of a WebSocket: `{ "authorization": "Bearer …" }` (also accepted inside
 * `headers`). A valid access token makes the connection's context; anything else refuses it.
 */
export async function authenticateConnection(tokens: AccessTokenService, payload: unknown): Promise<SubscriptionAuth | false> {
  const fields = (payload ?? {}) as { authorization?: unknown; Authorization?: unknown; headers?: { authorization?: unknown } };
  const authorization = fields.authorization ?? fields.Authorization ?? fields.headers?.authorization;
  if (typeof authorization !== 'string') return false;
  try {
    const principal = await tokens.authenticate(authorization);
    const { exp } = decodeJwt(authorization.replace(/^Bearer\s+/i, '').trim());
    if (typeof exp !== 'number') return false;
    return { principal, tokenExpiresAtMs: exp * 1000 };
  } catch {
    return false;
  }
}

/** The GraphQL module's options: Mercurius on our Fastify, code-first schema, limits, subscriptions. */
export function graphqlOptions(config: LiaisonConfig, tokens: AccessTokenService): MercuriusDriverConfig {
  const validationRules: ValidationRule[] = [queryCostRule(MAX_QUERY_COST, MAX_FIRST)];
  if (config.production) validationRules.push(NoSchemaIntrospectionCustomRule);
  return {
    driver: MercuriusDriver,
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: !config.production,
    queryDepth: MAX_QUERY_DEPTH,
    validationRules,
    allowBatchedQueries: false,
    // Compile a query to JavaScript (graphql-jit) the second time it is seen: apps send the same
    // few queries over and over (measured: about 30 % less CPU per worklist request).
    jit: 1,
    errorFormatter: graphqlErrorFormatter(config.production),
    additionalRouteOptions: { bodyLimit: GRAPHQL_BODY_LIMIT_BYTES },
    subscription: {
      keepAlive: KEEP_ALIVE_MS,
      onConnect: ({ payload }: { payload?: unknown }) => authenticateConnection(tokens, payload),
    },
  } as MercuriusDriverConfig;
}
