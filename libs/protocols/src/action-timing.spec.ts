import { dueTime, readyTime } from './action-timing';
import { chooseCoordinator, resolveOwner } from './owner-rules';
import { careTeam, context, COORDINATORS, DEFAULT_QUEUE, settings, SUPERVISORS } from './testing/fixtures';

const EVENT = '2026-11-27T15:00:00-05:00';

describe('dueTime', () => {
  it.each<[string, Parameters<typeof dueTime>[0], string]>([
    ['2 business days', { kind: 'business-days', days: 2 }, '2026-12-01T23:59:59.999-05:00'],
    ['0 business days on a business day', { kind: 'business-days', days: 0 }, '2026-11-27T23:59:59.999-05:00'],
    ['7 days: end of that day', { kind: 'duration', value: 7, unit: 'd' }, '2026-12-04T23:59:59.999-05:00'],
    ['2 weeks', { kind: 'duration', value: 2, unit: 'wk' }, '2026-12-11T23:59:59.999-05:00'],
    ['24 hours: exact', { kind: 'duration', value: 24, unit: 'h' }, '2026-11-28T15:00:00.000-05:00'],
    ['90 minutes', { kind: 'duration', value: 90, unit: 'min' }, '2026-11-27T16:30:00.000-05:00'],
  ])('%s', (_case, rule, expected) => {
    expect(dueTime(rule, EVENT, settings)).toBe(expected);
  });

  it('counts hours as elapsed time across the fall-back night', () => {
    expect(dueTime({ kind: 'duration', value: 24, unit: 'h' }, '2026-10-31T12:00:00-04:00', settings)).toBe('2026-11-01T11:00:00.000-05:00');
  });
});

describe('readyTime', () => {
  it.each<[string, Parameters<typeof readyTime>[0], string]>([
    ['30 days: start of that day', { value: 30, unit: 'd' }, '2026-12-27T00:00:00.000-05:00'],
    ['1 week', { value: 1, unit: 'wk' }, '2026-12-04T00:00:00.000-05:00'],
    ['4 hours', { value: 4, unit: 'h' }, '2026-11-27T19:00:00.000-05:00'],
  ])('%s', (_case, after, expected) => {
    expect(readyTime(after, EVENT, settings)).toBe(expected);
  });
});

describe('owners', () => {
  const ctx = context('encounter.discharged', EVENT, { careTeams: [careTeam] });

  it.each<[Parameters<typeof resolveOwner>[0], string | undefined]>([
    ['care-team', 'CareTeam/team-1'],
    ['default-queue', DEFAULT_QUEUE.reference],
    ['supervisor-queue', SUPERVISORS.reference],
    ['round-robin', COORDINATORS[0].reference],
  ])('%s', (rule, expected) => {
    expect(resolveOwner(rule, ctx, settings, COORDINATORS[0]).reference).toBe(expected);
  });

  it('falls back to the default queue when there is no active care team or coordinator', () => {
    const noTeam = context('encounter.discharged', EVENT, { careTeams: [{ ...careTeam, status: 'inactive' }] });
    expect(resolveOwner('care-team', noTeam, settings, undefined)).toEqual(DEFAULT_QUEUE);
    const otherPatient = context('encounter.discharged', EVENT, { careTeams: [{ ...careTeam, subject: { reference: 'Patient/else' } }] });
    expect(resolveOwner('care-team', otherPatient, settings, undefined)).toEqual(DEFAULT_QUEUE);
    expect(resolveOwner('round-robin', ctx, settings, undefined)).toEqual(DEFAULT_QUEUE);
  });

  it('chooses coordinators in turn and keeps an encounter with its coordinator', () => {
    expect(chooseCoordinator({ ...settings, roundRobinNext: 0 }, [])).toEqual({ coordinator: COORDINATORS[0], next: 1, advanced: true });
    expect(chooseCoordinator({ ...settings, roundRobinNext: 5 }, [])).toEqual({ coordinator: COORDINATORS[2], next: 0, advanced: true });
    expect(chooseCoordinator({ ...settings, roundRobinNext: -3 }, [])).toMatchObject({ coordinator: COORDINATORS[0] });
    const owned = [{ resourceType: 'Task' as const, status: 'ready' as const, intent: 'order' as const, owner: COORDINATORS[2], authoredOn: '2026-11-20T10:00:00Z' }];
    expect(chooseCoordinator({ ...settings, roundRobinNext: 0 }, owned)).toEqual({ coordinator: COORDINATORS[2], next: 0, advanced: false });
    expect(chooseCoordinator({ ...settings, coordinators: [] }, owned)).toEqual({ next: 1, advanced: false });
  });
});
