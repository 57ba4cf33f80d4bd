import { STANDARD_DELIMITERS, type Hl7Delimiters } from './delimiters';
import { escapeHl7, unescapeHl7 } from './escaping';

const BRACE: Hl7Delimiters = { ...STANDARD_DELIMITERS, subcomponent: '}', encodingCharacters: '^~\\}' };
const NO_ESCAPE: Hl7Delimiters = { ...STANDARD_DELIMITERS, escape: undefined, encodingCharacters: '^~&' };

describe('unescapeHl7', () => {
  it.each([
    ['plain text', STANDARD_DELIMITERS, 'plain text'],
    ['NHS Provider-General (inc.A\\T\\E-this Hosp)', STANDARD_DELIMITERS, 'NHS Provider-General (inc.A&E-this Hosp)'],
    ['a\\F\\b\\S\\c\\R\\d\\E\\e', STANDARD_DELIMITERS, 'a|b^c~d\\e'],
    ['A\\T\\E', BRACE, 'A}E'],
    ['line one\\.br\\line two', STANDARD_DELIMITERS, 'line one\nline two'],
    ['\\H\\bold\\N\\ text', STANDARD_DELIMITERS, 'bold text'],
    ['caf\\XE9\\', STANDARD_DELIMITERS, 'café'],
    ['\\Zlocal\\kept', STANDARD_DELIMITERS, 'kept'],
    ['unterminated \\T', STANDARD_DELIMITERS, 'unterminated \\T'],
    ['A\\T\\E', NO_ESCAPE, 'A\\T\\E'],
  ])('%s', (written, delimiters, expected) => {
    expect(unescapeHl7(written, delimiters)).toBe(expected);
  });
});

describe('escapeHl7', () => {
  it.each([
    ['a|b^c~d\\e&f', STANDARD_DELIMITERS, 'a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f'],
    ['two\r\nlines', STANDARD_DELIMITERS, 'two\\.br\\lines'],
    ['a}b', BRACE, 'a\\T\\b'],
    ['a|b', NO_ESCAPE, 'a b'],
  ])('%s', (text, delimiters, expected) => {
    expect(escapeHl7(text, delimiters)).toBe(expected);
  });

  it('round-trips through unescapeHl7', () => {
    const text = 'Rx: 1|2^3~4\\5&6';
    expect(unescapeHl7(escapeHl7(text, STANDARD_DELIMITERS), STANDARD_DELIMITERS)).toBe(text);
  });
});
