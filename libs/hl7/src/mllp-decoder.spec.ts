import { encodeMllpFrame, MllpDecoder, type MllpFrameEvent } from './mllp-decoder';

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (payload: Uint8Array): string => new TextDecoder().decode(payload);
const frame = (message: string): number[] => [VT, ...bytes(message), FS, CR];

/** Feeds chunks and returns the events, messages as text for readable expectations. */
function decode(chunks: readonly (readonly number[] | Uint8Array)[], maxMessageBytes = 1024): (string | object)[] {
  const decoder = new MllpDecoder({ maxMessageBytes });
  const events: MllpFrameEvent[] = chunks.flatMap((chunk) => decoder.push(Uint8Array.from(chunk as ArrayLike<number>)));
  events.push(...decoder.finish());
  return events.map((e) =>
    e.kind === 'message' ? text(e.payload) : e.kind === 'too-large' ? { tooLarge: e.bytes, head: text(e.head) } : { stray: e.bytes },
  );
}

const A = 'MSH|^~\\&|A|B|||20260101||ADT^A01|1|P|2.5\rPID|1||1';
const B = 'MSH|^~\\&|A|B|||20260101||ADT^A08|2|P|2.5\rPID|1||2';

describe('MllpDecoder', () => {
  it.each([
    ['one frame in one packet', [frame(A)], [A]],
    ['two frames in one packet', [[...frame(A), ...frame(B)]], [A, B]],
    ['a frame split mid-message', [frame(A).slice(0, 10), frame(A).slice(10)], [A]],
    ['a frame split between FS and CR', [frame(A).slice(0, -1), [CR, ...frame(B)]], [A, B]],
    ['the next frame starting in the packet that ends the first', [frame(A).slice(0, 20), [...frame(A).slice(20), ...frame(B).slice(0, 5)], frame(B).slice(5)], [A, B]],
    ['an end block without the CR', [[VT, ...bytes(A), FS, VT, ...bytes(B), FS]], [A, B]],
    ['whitespace between frames, silently', [[CR, 0x0a, ...frame(A), 0x20, 0x0a, ...frame(B)]], [A, B]],
    ['garbage before a frame, reported', [[...bytes('hello'), ...frame(A)]], [{ stray: 5 }, A]],
    ['garbage between frames, reported in its packet', [frame(A), bytes('xx'), frame(B)], [A, { stray: 2 }, B]],
    ['a VT inside a frame, kept as data', [[VT, ...bytes('MSH|x\r'), VT, CR, FS, CR]], ['MSH|x\r\u000b\r']],
    ['an empty frame', [[VT, FS, CR]], ['']],
    ['an unfinished frame at the end of the connection', [[...frame(A), VT, ...bytes('MSH|')]], [A, { stray: 5 }]],
  ])('%s', (_name, chunks, expected) => {
    expect(decode(chunks)).toEqual(expected);
  });

  it('decodes the same messages whichever byte the packets are cut at', () => {
    const stream = [...frame(A), ...frame(B)];
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(decode([stream.slice(0, cut), stream.slice(cut)])).toEqual([A, B]);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const stream = [...frame(A), ...bytes('junk'), ...frame(B)];
    expect(decode(stream.map((b) => [b]))).toEqual([A, { stray: 1 }, { stray: 1 }, { stray: 1 }, { stray: 1 }, B]);
  });

  it('reports a frame over the size limit with its first bytes, and goes on with the next frame', () => {
    const big = `${A}\r${'OBX|1|TX|||'.padEnd(200, 'x')}`;
    const events = decode([frame(big).slice(0, 30), frame(big).slice(30), frame(B)], 100);
    expect(events).toEqual([{ tooLarge: Buffer.byteLength(big), head: big.slice(0, 100) }, B]);
  });

  it('accepts a frame of exactly the size limit', () => {
    expect(decode([frame(A)], Buffer.byteLength(A))).toEqual([A]);
    expect(decode([frame(A)], Buffer.byteLength(A) - 1)).toEqual([{ tooLarge: Buffer.byteLength(A), head: A.slice(0, -1) }]);
  });

  it('tells how much of an unfinished frame is buffered', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 1024 });
    expect(decoder.pendingBytes).toBe(0);
    decoder.push(Uint8Array.from(frame(A).slice(0, 11)));
    expect(decoder.pendingBytes).toBe(10);
    decoder.push(Uint8Array.from(frame(A).slice(11)));
    expect(decoder.pendingBytes).toBe(0);
  });

  it('copies what it keeps: reusing a packet buffer does not change a message', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 1024 });
    const packet = Uint8Array.from(frame(A).slice(0, 12));
    decoder.push(packet);
    packet.fill(0x41);
    const [event] = decoder.push(Uint8Array.from(frame(A).slice(12)));
    expect(event.kind === 'message' && text(event.payload)).toBe(A);
  });

  it('refuses a size limit that is not positive', () => {
    expect(() => new MllpDecoder({ maxMessageBytes: 0 })).toThrow(RangeError);
  });
});

describe('encodeMllpFrame', () => {
  it('wraps a payload in VT … FS CR, which the decoder reads back', () => {
    const framed = encodeMllpFrame(bytes(A));
    expect([...framed.slice(0, 1), ...framed.slice(-2)]).toEqual([VT, FS, CR]);
    expect(decode([[...framed]])).toEqual([A]);
  });
});
