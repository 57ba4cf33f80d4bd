import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id of the request being served, as set by `installRequestIds`. */
export function requestIdOf(req: IncomingMessage): string {
  return (req as IncomingMessage & { liaisonRequestId?: string }).liaisonRequestId ?? randomUUID();
}

/**
 * Keeps a caller's `X-Request-Id` when it is sane, otherwise makes one; it is echoed on the
 * response and carried by every log line of the request.
 */
export function installRequestIds(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const given = request.headers['x-request-id'];
    const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    (request.raw as IncomingMessage & { liaisonRequestId?: string }).liaisonRequestId = id;
    void reply.header('x-request-id', id);
    done();
  });
}
