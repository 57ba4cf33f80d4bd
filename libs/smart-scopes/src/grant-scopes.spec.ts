import { grantScopes, InvalidScopeError } from './grant-scopes';

describe('grantScopes', () => {
  it.each<[string | undefined, string[], string[]]>([
    // nothing requested: everything allowed
    [undefined, ['system/*.rs'], ['system/*.rs']],
    ['', ['system/Task.cruds', 'system/Patient.rs'], ['system/Task.cruds', 'system/Patient.rs']],
    ['  ', ['system/*.rs', 'system/Task.rs'], ['system/*.rs']],
    // requested and covered: granted as written
    ['system/Task.rs', ['system/*.*'], ['system/Task.rs']],
    ['system/Task.read', ['system/*.cruds'], ['system/Task.read']],
    ['system/*.rs', ['system/*.rs'], ['system/*.rs']],
    ['system/Task.rs system/Patient.r', ['system/*.rs'], ['system/Task.rs', 'system/Patient.r']],
    ['system/Observation.rs?category=laboratory', ['system/Observation.rs'], ['system/Observation.rs?category=laboratory']],
    // requested wider than allowed: narrowed
    ['system/Task.cruds', ['system/*.rs'], ['system/Task.rs']],
    ['system/*.*', ['system/Task.cruds', 'system/Patient.rs'], ['system/Task.cruds', 'system/Patient.rs']],
    ['system/*.cruds', ['system/Observation.rs?category=laboratory'], ['system/Observation.rs?category=laboratory']],
    ['system/Task.write', ['system/Task.rs', 'system/Task.u'], ['system/Task.u']],
    // partly grantable: the rest is dropped
    ['system/Task.rs system/Patient.rs', ['system/Task.cruds'], ['system/Task.rs']],
    ['system/Task.c system/Task.r', ['system/Task.rs'], ['system/Task.r']],
    // duplicates and covered scopes collapse
    ['system/Task.rs system/Task.rs', ['system/*.*'], ['system/Task.rs']],
    ['system/Task.r system/Task.rs', ['system/*.*'], ['system/Task.rs']],
    ['system/Task.rs system/Task.read', ['system/*.*'], ['system/Task.rs']],
    // an unparseable allowed scope is ignored, not granted
    [undefined, ['bogus', 'system/Task.rs'], ['system/Task.rs']],
  ])('requested %j, allowed %j → %j', (requested, allowed, expected) => {
    expect(grantScopes(requested, allowed)).toEqual(expected);
  });

  it.each<[string | undefined, string[], RegExp]>([
    ['system/Task.sr', ['system/*.*'], /"system\/Task\.sr" is not a SMART scope/],
    ['openid system/Task.rs', ['system/*.*'], /"openid" is not a SMART scope/],
    ['system/Patient.rs', ['system/Task.cruds'], /none of the requested scopes/],
    ['system/Task.c', ['system/Task.rs'], /none of the requested scopes/],
    ['user/Task.rs', ['system/*.*'], /none of the requested scopes/],
    ['system/Task.rs', [], /none of the requested scopes/],
    [undefined, [], /not allowed any scope/],
    [undefined, ['bogus'], /not allowed any scope/],
    [`x${'\u0001'.repeat(200)}`, ['system/*.*'], /"x\?+…" is not a SMART scope/],
  ])('requested %j, allowed %j → invalid_scope', (requested, allowed, description) => {
    let thrown: unknown;
    try {
      grantScopes(requested, allowed);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidScopeError);
    expect((thrown as InvalidScopeError).error).toBe('invalid_scope');
    expect((thrown as InvalidScopeError).message).toMatch(description);
  });
});
