import { deterministicUuid } from './plan-ids';

describe('deterministicUuid', () => {
  it('is RFC 9562 UUIDv5 (test vector: www.example.com in the DNS namespace)', () => {
    expect(deterministicUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is stable, distinct per name, and a valid FHIR id', () => {
    const a = deterministicUuid('tenant-a|Encounter/1|encounter.discharged|1');
    expect(deterministicUuid('tenant-a|Encounter/1|encounter.discharged|1')).toBe(a);
    expect(deterministicUuid('tenant-b|Encounter/1|encounter.discharged|1')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses a bad namespace', () => {
    expect(() => deterministicUuid('x', 'not-a-uuid')).toThrow(RangeError);
  });
});
