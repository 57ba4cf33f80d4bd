import type { Hl7Delimiters } from './delimiters';

/**
 * HL7 v2 escape sequences (v2.5 §2.7): a delimiter inside data is written `\F\` (field),
 * `\S\` (component), `\T\` (subcomponent), `\R\` (repetition), `\E\` (escape), `\P\`
 * (truncation); `\Xhh…\` is hexadecimal data; `\.br\` a line break; highlighting (`\H\`,
 * `\N\`), character-set switches (`\C…\`, `\M…\`), formatting commands and locally defined
 * `\Z…\` sequences carry no text and are dropped. Unescaping applies to a leaf value, after
 * the text has been split on its delimiters.
 */
export function unescapeHl7(text: string, delimiters: Hl7Delimiters): string {
  const escape = delimiters.escape;
  if (!escape || !text.includes(escape)) return text;
  let result = '';
  let at = 0;
  while (at < text.length) {
    const start = text.indexOf(escape, at);
    if (start === -1) break;
    const end = text.indexOf(escape, start + 1);
    if (end === -1) break;
    result += text.slice(at, start) + unescapeSequence(text.slice(start + 1, end), delimiters, escape);
    at = end + 1;
  }
  return result + text.slice(at);
}

function unescapeSequence(sequence: string, delimiters: Hl7Delimiters, escape: string): string {
  switch (sequence) {
    case 'F':
      return delimiters.field;
    case 'S':
      return delimiters.component;
    case 'T':
      return delimiters.subcomponent ?? '&';
    case 'R':
      return delimiters.repetition ?? '~';
    case 'E':
      return escape;
    case 'P':
      return delimiters.truncation ?? '#';
    case '.br':
    case '.sp':
      return '\n';
    case '':
      // `\\` is not an escape sequence; keep what was written.
      return escape + escape;
  }
  if (sequence.startsWith('X') && /^X(?:[0-9A-Fa-f]{2})+$/.test(sequence)) {
    let decoded = '';
    for (let i = 1; i < sequence.length; i += 2) decoded += String.fromCharCode(Number.parseInt(sequence.slice(i, i + 2), 16));
    return decoded;
  }
  // H, N, C…, M…, Z…, .in, .ti, .sk, .ce, .fi, .nf: no text of their own.
  return '';
}

/**
 * Writes `text` so that it can sit in a leaf of a message with these delimiters. Line breaks
 * become `\.br\`. Without an escape character (MSH-2 left it out) a delimiter cannot be
 * written, so it is replaced by a space.
 */
export function escapeHl7(text: string, delimiters: Hl7Delimiters): string {
  const escape = delimiters.escape;
  const table = new Map<string, string>();
  const add = (char: string | undefined, code: string): void => {
    if (char) table.set(char, escape ? `${escape}${code}${escape}` : ' ');
  };
  add(escape, 'E');
  add(delimiters.field, 'F');
  add(delimiters.component, 'S');
  add(delimiters.subcomponent, 'T');
  add(delimiters.repetition, 'R');
  add(delimiters.truncation, 'P');
  let result = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\r' || char === '\n') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      result += escape ? `${escape}.br${escape}` : ' ';
    } else {
      result += table.get(char) ?? char;
    }
  }
  return result;
}
