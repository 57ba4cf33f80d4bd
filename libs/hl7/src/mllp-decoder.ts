/**
 * MLLP framing (HL7 v2 transport, release 2): each message is sent as
 * `<VT 0x0B> message <FS 0x1C><CR 0x0D>`. The decoder is an incremental state machine with no
 * I/O: feed it the bytes of one connection as they arrive and it hands back each complete
 * message, however the bytes were cut into packets (a frame split across packets, several
 * frames in one packet).
 *
 * - Bytes between frames are dropped; whitespace silently, anything else reported as `stray`.
 * - A frame ends at FS. The CR after it is consumed when it comes (even in the next packet);
 *   a sender that omits it is tolerated.
 * - A VT inside a frame is data, not a new frame: treating it as a restart would silently lose
 *   the message around it (the message normaliser drops it at a segment edge).
 * - A frame longer than `maxMessageBytes` is not buffered: the decoder keeps its first bytes,
 *   skips to the frame's end and reports it as `too-large`, with those first bytes so the
 *   caller can still read MSH and answer with a reject ACK.
 */
export const MLLP_START_BLOCK = 0x0b;
export const MLLP_END_BLOCK = 0x1c;
export const MLLP_CARRIAGE_RETURN = 0x0d;

/** How much of an oversized frame is kept for reading its header. */
export const MLLP_OVERSIZE_HEAD_BYTES = 8192;

export interface MllpDecoderOptions {
  /** Largest message accepted, in bytes (framing excluded). */
  readonly maxMessageBytes: number;
}

export type MllpFrameEvent =
  | { readonly kind: 'message'; readonly payload: Uint8Array }
  | { readonly kind: 'too-large'; readonly bytes: number; readonly head: Uint8Array }
  | { readonly kind: 'stray'; readonly bytes: number };

type State = 'between-frames' | 'in-frame' | 'skipping-oversized' | 'after-end-block';

export class MllpDecoder {
  private state: State = 'between-frames';
  private parts: Uint8Array[] = [];
  private frameBytes = 0;
  private head: Uint8Array = new Uint8Array(0);
  private strayBytes = 0;

  constructor(private readonly options: MllpDecoderOptions) {
    if (!(options.maxMessageBytes > 0)) throw new RangeError('maxMessageBytes must be positive');
  }

  /** Bytes of a frame that has started but not ended (for an idle-timeout decision). */
  get pendingBytes(): number {
    return this.state === 'in-frame' || this.state === 'skipping-oversized' ? this.frameBytes : 0;
  }

  /** Feeds the next bytes received; returns what they completed, in order. */
  push(chunk: Uint8Array): MllpFrameEvent[] {
    const events: MllpFrameEvent[] = [];
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'after-end-block':
          if (chunk[at] === MLLP_CARRIAGE_RETURN) at++;
          this.state = 'between-frames';
          break;
        case 'between-frames': {
          const start = chunk.indexOf(MLLP_START_BLOCK, at);
          const stop = start === -1 ? chunk.length : start;
          for (let i = at; i < stop; i++) if (!isWhitespace(chunk[i])) this.strayBytes++;
          if (start === -1) {
            at = chunk.length;
            break;
          }
          this.flushStray(events);
          this.state = 'in-frame';
          this.parts = [];
          this.frameBytes = 0;
          at = start + 1;
          break;
        }
        case 'in-frame':
        case 'skipping-oversized': {
          const end = chunk.indexOf(MLLP_END_BLOCK, at);
          const stop = end === -1 ? chunk.length : end;
          this.take(chunk.subarray(at, stop));
          if (end === -1) {
            at = chunk.length;
            break;
          }
          events.push(this.completeFrame());
          this.state = 'after-end-block';
          at = end + 1;
          break;
        }
      }
    }
    this.flushStray(events);
    return events;
  }

  /** At the end of the connection: an unfinished frame is reported as stray bytes. */
  finish(): MllpFrameEvent[] {
    const events: MllpFrameEvent[] = [];
    if (this.state === 'in-frame' || this.state === 'skipping-oversized') this.strayBytes += this.frameBytes + 1;
    this.state = 'between-frames';
    this.parts = [];
    this.frameBytes = 0;
    this.flushStray(events);
    return events;
  }

  private take(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const total = this.frameBytes + bytes.length;
    if (this.state === 'in-frame' && total > this.options.maxMessageBytes) {
      this.head = concat([...this.parts, bytes], Math.min(MLLP_OVERSIZE_HEAD_BYTES, this.options.maxMessageBytes));
      this.parts = [];
      this.state = 'skipping-oversized';
    } else if (this.state === 'in-frame') {
      this.parts.push(bytes.slice());
    }
    this.frameBytes = total;
  }

  private completeFrame(): MllpFrameEvent {
    const event: MllpFrameEvent =
      this.state === 'skipping-oversized'
        ? { kind: 'too-large', bytes: this.frameBytes, head: this.head }
        : { kind: 'message', payload: concat(this.parts, this.frameBytes) };
    this.parts = [];
    this.head = new Uint8Array(0);
    this.frameBytes = 0;
    return event;
  }

  private flushStray(events: MllpFrameEvent[]): void {
    if (this.strayBytes > 0) {
      events.push({ kind: 'stray', bytes: this.strayBytes });
      this.strayBytes = 0;
    }
  }
}

/** One message wrapped in an MLLP frame, ready to write to the socket. */
export function encodeMllpFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.length + 3);
  frame[0] = MLLP_START_BLOCK;
  frame.set(payload, 1);
  frame[payload.length + 1] = MLLP_END_BLOCK;
  frame[payload.length + 2] = MLLP_CARRIAGE_RETURN;
  return frame;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x0d || byte === 0x0a || byte === 0x20 || byte === 0x09;
}

function concat(parts: readonly Uint8Array[], limit: number): Uint8Array {
  const size = Math.min(
    limit,
    parts.reduce((sum, p) => sum + p.length, 0),
  );
  const result = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    if (offset >= size) break;
    const piece = part.subarray(0, size - offset);
    result.set(piece, offset);
    offset += piece.length;
  }
  return result;
}
