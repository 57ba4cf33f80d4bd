import { OperationOutcomeError } from '@medplum/core';
import { decodeWorklistCursor, encodeWorklistCursor } from './worklist-cursor';

describe('worklist cursors', () => {
  it.each([
    { dueAt: '2026-12-01 22:00:00+00', urgency: 3, taskId: 't-1' },
    { dueAt: '2026-12-01 17:00:00.125-05', urgency: 0, taskId: 'abc.DEF-9' },
    { dueAt: 'infinity', urgency: 2, taskId: 'no-due' },
  ])('round-trip %j', (position) => {
    expect(decodeWorklistCursor('priority', encodeWorklistCursor('priority', position))).toEqual(position);
  });

  it.each<[string, string]>([
    ['a cursor of the other order', encodeWorklistCursor('due', { dueAt: 'infinity', urgency: 3, taskId: 'x' })],
    ['not base64 JSON', 'not-a-cursor'],
    ['a due key that is not a timestamp', Buffer.from(JSON.stringify(['priority', "2026-01-01'; DROP", 3, 'x'])).toString('base64url')],
    ['an urgency that is not a whole number', Buffer.from(JSON.stringify(['priority', 'infinity', '3', 'x'])).toString('base64url')],
    ['a missing id', Buffer.from(JSON.stringify(['priority', 'infinity', 3])).toString('base64url')],
  ])('refuses %s (BAD_USER_INPUT on `after`)', (_case, cursor) => {
    try {
      decodeWorklistCursor('priority', cursor);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect((error as OperationOutcomeError).outcome.issue?.[0]).toMatchObject({ code: 'invalid', expression: ['after'] });
    }
  });
});
