import { readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { Hl7Message } from '@medplum/core';
import { Hl7Client, ReturnAckCategory } from '@medplum/hl7';
import { freePort } from '../../harness/test-app';
import type { TestApp } from '../../harness/test-app';
import { MllpServer } from '../../../src/ingest';

export const HL7_FIXTURES = join(__dirname, '..', '..', 'fixtures', 'hl7');
export const fixtureBytes = (file: string): Buffer => readFileSync(join(HL7_FIXTURES, file));

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

/** The environment that turns the MLLP listener on for a test app: a free loopback port. */
export async function mllpEnv(): Promise<Record<string, string>> {
  return { MLLP_PORT: String(await freePort()) };
}

/** The port the service's MLLP listener is bound to. */
export function mllpPort(service: TestApp): number {
  const address = service.app.get(MllpServer).address();
  if (!address) throw new Error('the MLLP listener is not running');
  return address.port;
}

export function frame(payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  return Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]);
}

/**
 * A raw MLLP socket written by hand (no MLLP library in between), for framing edge cases:
 * write any bytes, in any pieces, and collect the framed replies as text.
 */
export class RawMllpSocket {
  private buffer = Buffer.alloc(0);
  readonly replies: string[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  closed = false;
  readonly closedAt: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const start = this.buffer.indexOf(VT);
        const end = this.buffer.indexOf(FS, start + 1);
        if (start < 0 || end < 0 || end + 1 >= this.buffer.length) break;
        this.replies.push(this.buffer.subarray(start + 1, end).toString('latin1'));
        this.buffer = this.buffer.subarray(end + 2);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closedAt = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static async open(port: number): Promise<RawMllpSocket> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawMllpSocket(socket);
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Resolves once `count` replies in total have arrived (rejects on timeout or close). */
  async waitForReplies(count: number, timeoutMs = 15_000): Promise<string[]> {
    if (this.replies.length < count && !this.closed) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ count, resolve })),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    if (this.replies.length < count) throw new Error(`expected ${count} replies, got ${this.replies.length}${this.closed ? ' (connection closed)' : ''}`);
    return this.replies.slice(0, count);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) {
      if (this.replies.length >= waiter.count || this.closed) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }
}

/**
 * Sends one message with @medplum/hl7's client (a client we did not write) and returns its ACK.
 * The timeout is ours: Hl7Connection does not clear its own `timeoutMs` timer on a reply.
 */
export async function sendWithHl7Client(port: number, text: string, encoding = 'utf-8', timeoutMs = 15_000): Promise<Hl7Message> {
  const client = new Hl7Client({ host: '127.0.0.1', port, encoding });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.sendAndWait(Hl7Message.parse(text), { returnAck: ReturnAckCategory.FIRST }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ACK within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    await client.close();
  }
}

/** `MSA-1` of an ACK's text. */
export function ackCode(ack: string): string | undefined {
  const msa = ack.split(/\r/).find((segment) => segment.startsWith('MSA'));
  return msa?.split(msa[3])[1];
}

/** A segment from its fields by number: `segment('PV1', { 2: 'I', 19: 'V1' })`. */
export function segment(id: string, fields: Record<number, string>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  return [id, ...Array.from({ length: last }, (_, i) => fields[i + 1] ?? '')].join('|');
}

/** A minimal ADT message (PID-3 MRN, PV1-19 visit number), CR-separated. */
export function adt(options: {
  trigger: string;
  controlId: string;
  mrn: string;
  visit?: string;
  /** EVN-2 and MSH-7. */
  time?: string;
  facility?: string;
  family?: string;
  /** PV1 fields replacing the defaults. */
  pv1?: Record<number, string>;
  extra?: string[];
}): string {
  const time = options.time ?? '20261127100000-0500';
  const facility = options.facility ?? 'HOSP';
  const visit = options.visit ?? `V${options.mrn}`;
  return [
    `MSH|^~\\&|ADT|${facility}|LIAISON|LIAISON|${time}||ADT^${options.trigger}^ADT_A01|${options.controlId}|P|2.5.1`,
    `EVN|${options.trigger}|${time}`,
    segment('PID', { 1: '1', 3: `${options.mrn}^^^${facility}&2.16.840.1.113883.19.5&ISO^MR`, 5: `${options.family ?? 'DOE'}^JANE`, 7: '19700101', 8: 'F' }),
    segment('PV1', {
      1: '1',
      2: 'I',
      3: '4W^401^1',
      7: '1234^WELBY^MARCUS^^^^^^NPI&2.16.840.1.113883.4.6&ISO',
      10: 'MED',
      19: `${visit}^^^${facility}&2.16.840.1.113883.19.6&ISO^VN`,
      44: '20261120080000-0500',
      ...options.pv1,
    }),
    ...(options.extra ?? []),
  ].join('\r');
}
