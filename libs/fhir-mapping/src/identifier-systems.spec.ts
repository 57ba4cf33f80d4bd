import { identifierOfCx, identifierType, systemOfAuthority, systemOfCx } from './identifier-systems';

describe('systemOfAuthority (CX-4 → Identifier.system)', () => {
  it.each([
    [{ namespaceId: 'HIMSS2005', universalId: '1.3.6.1.4.1.21367.2005.1.1', universalIdType: 'ISO' }, 'urn:oid:1.3.6.1.4.1.21367.2005.1.1'],
    [{ universalId: '2.71', universalIdType: 'ISO' }, 'urn:oid:2.71'],
    [{ namespaceId: 'test1', universalId: '2.16.1', universalIdType: 'HCD' }, 'urn:oid:2.16.1'],
    [{ namespaceId: '1.2.840.114350' }, 'urn:oid:1.2.840.114350'],
    [{ universalId: 'https://hospital.example/mrn', universalIdType: 'URI' }, 'https://hospital.example/mrn'],
    [{ universalId: 'A4E8F2B0-5C1D-4E3F-9A7B-0C2D4E6F8A1B', universalIdType: 'UUID' }, 'urn:uuid:a4e8f2b0-5c1d-4e3f-9a7b-0c2d4e6f8a1b'],
    [{ namespaceId: 'USSSA' }, 'http://hl7.org/fhir/sid/us-ssn'],
    [{ namespaceId: 'GOOD HEALTH HOSPITAL' }, 'urn:liaison:hl7:assigning-authority:GOOD%20HEALTH%20HOSPITAL'],
    [{ namespaceId: 'NTH', universalId: 'rt23', universalIdType: 'HCD' }, 'urn:liaison:hl7:assigning-authority:NTH'],
    [{ universalId: 'hospital.example', universalIdType: 'DNS' }, 'urn:liaison:hl7:assigning-authority:hospital.example'],
    [undefined, undefined],
  ])('%j → %s', (authority, system) => {
    expect(systemOfAuthority(authority)).toBe(system);
  });
});

describe('systemOfCx', () => {
  it.each([
    [{ typeCode: 'SS' }, 'patient', 'http://hl7.org/fhir/sid/us-ssn'],
    [{ typeCode: 'NPI' }, 'practitioner', 'http://hl7.org/fhir/sid/us-npi'],
    [{ typeCode: 'MR' }, 'patient', 'urn:liaison:hl7:facility:Lake%20Mich:patient'],
    [{}, 'visit', 'urn:liaison:hl7:facility:Lake%20Mich:visit'],
    [{ assigningAuthority: { namespaceId: 'HOSP' }, typeCode: 'SS' }, 'patient', 'urn:liaison:hl7:assigning-authority:HOSP'],
  ] as const)('%j as %s', (cx, kind, system) => {
    expect(systemOfCx(cx, 'Lake Mich', kind)).toBe(system);
  });
});

describe('identifierOfCx', () => {
  it('keeps the type, the validity period and the assigner', () => {
    expect(
      identifierOfCx(
        { id: ' ZZZ123 ', assigningAuthority: { namespaceId: 'SSN' }, typeCode: 'SS', effectiveDate: '20070103', expirationDate: '99991231' },
        'F',
        'patient',
      ),
    ).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS' }] },
      system: 'urn:liaison:hl7:assigning-authority:SSN',
      value: 'ZZZ123',
      period: { start: '2007-01-03', end: '9999-12-31' },
      assigner: { display: 'SSN' },
    });
  });

  it('keeps a type outside table 0203 as text', () => {
    expect(identifierType('ID 1')).toEqual({ text: 'ID 1' });
    expect(identifierType('mr')).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] });
  });
});
