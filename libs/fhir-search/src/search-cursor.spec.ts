import { OperationOutcomeError } from '@medplum/core';
import { decodeCursor, encodeCursor } from './search-cursor';

describe('search cursor', () => {
  it.each([
    ['', [], 'a'],
    ['-_lastUpdated', ['2024-03-05 10:15:30.123+00'], 'task-1'],
    ['status,-date', ['requested', null], '0b7e…/odd id'],
    ['name', ['zoë o’brien, "quoted"'], 'x'],
  ])('round-trips a position for sort %p', (signature, values, id) => {
    const raw = encodeCursor(signature, { values, id });
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(raw, signature, values.length)).toEqual({ values, id });
  });

  it('refuses a cursor made for another sort', () => {
    const raw = encodeCursor('status', { values: ['requested'], id: 'a' });
    expect(() => decodeCursor(raw, '-status', 1)).toThrow(OperationOutcomeError);
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['wrong shape', Buffer.from(JSON.stringify({ s: '', v: 'x', i: 'a' })).toString('base64url')],
    ['wrong key count', Buffer.from(JSON.stringify({ s: '', v: ['x'], i: 'a' })).toString('base64url')],
    ['non-text value', Buffer.from(JSON.stringify({ s: '', v: [], i: 5 })).toString('base64url')],
    ['too long', 'A'.repeat(5000)],
  ])('refuses a cursor that is %s with a 400 naming _cursor', (_why, raw) => {
    try {
      decodeCursor(raw, '', 0);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect((error as OperationOutcomeError).outcome.issue[0]).toMatchObject({ code: 'invalid', expression: ['_cursor'] });
    }
  });
});
