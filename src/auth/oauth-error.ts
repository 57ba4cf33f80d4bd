import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** RFC 6749 §5.2 error codes the token endpoint answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/**
 * An error of the token endpoint. OAuth clients expect RFC 6749's `{error, error_description}`
 * rather than an OperationOutcome, so this endpoint keeps its own small currency.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** The client tried HTTP Basic: a 401 then names the scheme (RFC 6749 §5.2). */
    readonly basicAttempted = false,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }

  get status(): 400 | 401 {
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

/** Writes an OAuthError as RFC 6749 §5.2 JSON, never cached. */
@Catch(OAuthError)
export class OAuthErrorFilter implements ExceptionFilter<OAuthError> {
  catch(error: OAuthError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
    };
    if (error.status === 401 && error.basicAttempted) headers['www-authenticate'] = 'Basic realm="liaison"';
    void reply.status(error.status).headers(headers).send(JSON.stringify({ error: error.error, error_description: error.description }));
  }
}
