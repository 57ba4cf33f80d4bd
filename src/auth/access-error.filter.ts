import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessError, accessErrorResponse } from './access.error';

/**
 * Answers an AccessError on HTTP with the shape of the API the path belongs to. For GraphQL
 * resolvers the error is left to the GraphQL error formatter (`graphqlAccessError`).
 */
@Catch(AccessError)
export class AccessErrorFilter implements ExceptionFilter<AccessError> {
  catch(error: AccessError, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return error;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const answer = accessErrorResponse(request.url, error);
    void reply.status(answer.status).headers(answer.headers).send(JSON.stringify(answer.body));
    return undefined;
  }
}
