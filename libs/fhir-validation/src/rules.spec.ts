import { checkNarrativeDiv } from './narrative';
import { compareFhirDateTimes } from './period-order';

describe('compareFhirDateTimes (per-1)', () => {
  it.each([
    ['2024-01-01', '2024-01-02', 'before'],
    ['2024-01-02', '2024-01-01', 'after'],
    ['2024-01-01', '2024-01-01', 'same'],
    ['2024', '2025-06', 'before'],
    ['2024', '2024-06', 'unordered'],
    ['2023-06-21', '2023-06-21T06:20:00Z', 'unordered'],
    ['2023-06-20', '2023-06-21T06:20:00Z', 'before'],
    ['2024-01-01T10:00:00+02:00', '2024-01-01T09:00:00Z', 'before'],
    ['2024-01-01T10:00:00Z', '2024-01-01T10:00:00.000Z', 'same'],
    ['2024-01-01T11:00:00Z', '2024-01-01T10:00:00Z', 'after'],
  ])('%s vs %s: %s', (start, end, expected) => {
    expect(compareFhirDateTimes(start, end)).toBe(expected);
  });

  it('does not judge what is not a date', () => {
    expect(compareFhirDateTimes('soon', '2024')).toBeUndefined();
  });
});

describe('checkNarrativeDiv', () => {
  const div = (inner: string, attrs = ' xmlns="http://www.w3.org/1999/xhtml"') => `<div${attrs}>${inner}</div>`;

  it.each([
    ['plain text', div('Hello'), []],
    ['formatting, tables, links and images', div('<p><b>Hi</b> <a href="https://x.example">x</a></p><table><tr><td>1</td></tr></table><img src="#a" alt="a"/>'), []],
    ['a style attribute', div('<span style="color: red">x</span>'), []],
    ['a comment', div('<!-- note -->text'), []],
    ['a script', div('hi <script>x()</script>'), ["Invalid element name in the XHTML ('script')"]],
    ['an iframe', div('<iframe src="https://x.example"></iframe>text'), ["Invalid element name in the XHTML ('iframe')"]],
    ['an event handler', div('<p onmouseover="x()">hi</p>'), ["Invalid attribute name in the XHTML ('onmouseover' on 'p')"]],
    ['a javascript: link', div('<a href="javascript:alert(1)">x</a>'), ["Active content is not allowed in the XHTML ('href' on 'a')"]],
    ['no XHTML namespace', div('hi', ''), ['The narrative div must declare xmlns="http://www.w3.org/1999/xhtml"']],
    ['not a div', '<p xmlns="http://www.w3.org/1999/xhtml">hi</p>', ['The narrative must be an XHTML div element']],
    ['no content', div('  <p> </p> '), ['Constraint failed: txt-2: The narrative SHALL have some non-whitespace content']],
  ])('%s', (_name, value, expected) => {
    expect(checkNarrativeDiv(value, 'Patient.text.div').map((i) => i.details?.text)).toEqual(expected);
  });
});
