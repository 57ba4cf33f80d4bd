import { OptionSpec, parseArgs } from './args';

const specs: Record<string, Record<string, OptionSpec>> = {
  'clients:create': {
    tenant: { kind: 'value', required: true, description: '' },
    scopes: { kind: 'value', required: true, description: '' },
    name: { kind: 'value', description: '' },
    'no-secret': { kind: 'flag', description: '' },
  },
  'hl7:reprocess': {
    id: { kind: 'value', required: true, positional: true, description: '' },
    json: { kind: 'flag', description: '' },
  },
};
const lookup = (command: string): Record<string, OptionSpec> | undefined => specs[command];

describe('parseArgs', () => {
  it.each<[string[], string | undefined, Record<string, string | true>]>([
    [[], undefined, {}],
    [['--help'], 'help', {}],
    [['clients:create', '--tenant', 't', '--scopes', 'system/*.rs'], 'clients:create', { tenant: 't', scopes: 'system/*.rs' }],
    [['clients:create', '--tenant=t', '--scopes=system/*.rs system/Task.c'], 'clients:create', { tenant: 't', scopes: 'system/*.rs system/Task.c' }],
    [['clients:create', '--tenant', 't', '--scopes', 'x', '--no-secret', '--name', 'My App'], 'clients:create', { tenant: 't', scopes: 'x', 'no-secret': true, name: 'My App' }],
    [['clients:create', '--tenant', 't', '--scopes', 'x', '--name='], 'clients:create', { tenant: 't', scopes: 'x', name: '' }],
    [['hl7:reprocess', 'abc'], 'hl7:reprocess', { id: 'abc' }],
    [['hl7:reprocess', '--json', 'abc'], 'hl7:reprocess', { id: 'abc', json: true }],
    [['hl7:reprocess', '--id', 'abc'], 'hl7:reprocess', { id: 'abc' }],
  ])('%j', (argv, command, options) => {
    const parsed = parseArgs(argv, lookup);
    expect(parsed.command).toBe(command);
    expect(Object.fromEntries(parsed.options)).toEqual(options);
  });

  it.each<[string[], RegExp]>([
    [['nope'], /unknown command "nope"/],
    [['clients:create', '--tenant', 't'], /needs --scopes/],
    [['clients:create', '--tenant', 't', '--scopes', 'x', '--colour', 'red'], /no option --colour/],
    [['clients:create', '--tenant', 't', '--tenant', 'u', '--scopes', 'x'], /--tenant is given twice/],
    [['clients:create', '--tenant'], /--tenant needs a value/],
    [['clients:create', '--tenant', '--scopes', 'x'], /--tenant needs a value/],
    [['clients:create', 'stray', '--tenant', 't', '--scopes', 'x'], /unexpected argument "stray"/],
    [['clients:create', '--tenant', 't', '--scopes', 'x', '--no-secret=yes'], /takes no value/],
    [['hl7:reprocess', 'abc', 'def'], /unexpected argument "def"/],
    [['hl7:reprocess', 'abc', '--id', 'def'], /--id is given twice/],
    [['hl7:reprocess'], /needs --id/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv, lookup)).toThrow(message);
  });
});
