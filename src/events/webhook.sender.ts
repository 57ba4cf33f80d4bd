import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AttemptOutcome, checkAddress, classifyResponse, parseEndpointUrl } from '@liaison/subscriptions';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';

export interface WebhookRequest {
  readonly endpoint: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Aborts the request (service shutdown). */
  readonly signal?: AbortSignal;
}

/** Responses are read (and dropped) up to this size; a receiver has nothing to tell us. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs a webhook: the endpoint's host is resolved, every address is checked against the
 * address policy (private, loopback, link-local… refused unless LIAISON_WEBHOOK_ALLOWLIST
 * allows them), and the connection is pinned to the checked address (a custom `lookup`), so a
 * second DNS answer cannot redirect it. Redirects are not followed. Keep-alive connections.
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

  constructor(@Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig) {}

  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** The address to connect to, or why none may be used. */
  async resolve(endpoint: string): Promise<{ address: string; family: number } | { refused: string }> {
    const parsed = parseEndpointUrl(endpoint);
    if ('error' in parsed) return { refused: parsed.error };
    let addresses: { address: string; family: number }[];
    try {
      addresses = parsed.literalAddress
        ? [{ address: parsed.literalAddress, family: parsed.literalAddress.includes(':') ? 6 : 4 }]
        : await dnsLookup(parsed.hostname, { all: true, verbatim: true });
    } catch (error) {
      return { refused: `${parsed.hostname} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const refusals: string[] = [];
    for (const candidate of addresses) {
      const verdict = checkAddress(candidate.address, parsed.hostname, this.config.webhookAllowlist);
      if (verdict.allowed) return candidate;
      refusals.push(verdict.reason);
    }
    return { refused: `endpoint refused: ${refusals.join('; ') || 'no address'}` };
  }

  async post(request: WebhookRequest, nowMs: () => number): Promise<AttemptOutcome> {
    const target = await this.resolve(request.endpoint);
    if ('refused' in target) return { kind: 'failed', reason: target.refused };
    const url = new URL(request.endpoint);
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [target]);
      } else {
        callback(null, target.address, target.family);
      }
    };
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const req = send(
        url,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          lookup: pinned,
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        },
        (response: IncomingMessage) => {
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_RESPONSE_BYTES) response.destroy();
          });
          const done = (): void =>
            finish(
              classifyResponse(
                response.statusCode ?? 0,
                { retryAfter: headerOf(response, 'retry-after'), location: headerOf(response, 'location') },
                nowMs(),
              ),
            );
          response.on('end', done);
          response.on('close', done);
          response.on('error', done);
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error('timeout'));
        finish({ kind: 'failed', reason: `no answer within ${Math.round(request.timeoutMs / 1000)} s` });
      }, request.timeoutMs);
      const onAbort = (): void => {
        req.destroy(new Error('aborted'));
        finish({ kind: 'failed', reason: 'the service stopped during the request' });
      };
      request.signal?.addEventListener('abort', onAbort);
      req.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'failed', reason: `request failed (${error.code ?? error.message})` }));
      req.end(request.body);
    });
  }
}

function headerOf(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
