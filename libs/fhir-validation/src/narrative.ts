import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * Narrative safety (FHIR R4 Narrative, invariants txt-1 and txt-2): the XHTML in `text.div`
 * may use only basic formatting elements, no scripts, event handlers or `javascript:` links,
 * and must contain something. `@medplum/core` does not check this.
 */
const ALLOWED_ELEMENTS = new Set([
  'a', 'abbr', 'acronym', 'b', 'big', 'blockquote', 'br', 'caption', 'cite', 'code', 'col', 'colgroup', 'dd', 'dfn',
  'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'li', 'ol', 'p', 'pre', 'q', 'samp',
  'small', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'ul', 'var',
]);

const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';
const TAG = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\s*(\/?)\s*([A-Za-z][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/gi;
const ATTRIBUTE = /([^\s=/"']+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

function issue(text: string, path: string, code: OperationOutcomeIssue['code'] = 'invalid'): OperationOutcomeIssue {
  return { severity: 'error', code, details: { text }, expression: [path] };
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return (colon >= 0 ? name.slice(colon + 1) : name).toLowerCase();
}

/** Problems with one `div` value; `path` is its FHIRPath (e.g. `Patient.text.div`). */
export function checkNarrativeDiv(div: string, path: string): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  let root: { name: string; attributes: string } | undefined;
  let hasImage = false;
  TAG.lastIndex = 0;
  for (let match = TAG.exec(div); match; match = TAG.exec(div)) {
    const [whole, closing, rawName, rawAttributes] = match;
    if (!rawName) {
      if (/^<!DOCTYPE|^<\?/i.test(whole)) issues.push(issue('Processing instructions and DOCTYPEs are not allowed in the narrative', path));
      continue;
    }
    const name = localName(rawName);
    if (!root && !closing) root = { name, attributes: rawAttributes ?? '' };
    if (closing) continue;
    if (!ALLOWED_ELEMENTS.has(name)) {
      issues.push(issue(`Invalid element name in the XHTML ('${name}')`, path));
      continue;
    }
    if (name === 'img') hasImage = true;
    ATTRIBUTE.lastIndex = 0;
    for (let attr = ATTRIBUTE.exec(rawAttributes ?? ''); attr; attr = ATTRIBUTE.exec(rawAttributes ?? '')) {
      const attrName = attr[1].toLowerCase();
      const value = (attr[2] ?? attr[3] ?? attr[4] ?? '').trim().toLowerCase();
      if (attrName.startsWith('on')) {
        issues.push(issue(`Invalid attribute name in the XHTML ('${attrName}' on '${name}')`, path));
      } else if ((attrName === 'href' || attrName === 'src' || attrName.endsWith(':href')) && /^(javascript|vbscript|data:text\/html)/.test(value.replace(/\s+/g, ''))) {
        issues.push(issue(`Active content is not allowed in the XHTML ('${attrName}' on '${name}')`, path));
      }
    }
  }
  if (!root || root.name !== 'div') {
    issues.push(issue('The narrative must be an XHTML div element', path));
  } else if (!new RegExp(`xmlns\\s*=\\s*["']${XHTML_NAMESPACE.replace(/[./]/g, '\\$&')}["']`).test(root.attributes)) {
    issues.push(issue(`The narrative div must declare xmlns="${XHTML_NAMESPACE}"`, path));
  }
  const text = div.replace(TAG, '').replace(/&[a-z#0-9]+;/gi, 'x').trim();
  if (!text && !hasImage) {
    issues.push(issue('Constraint failed: txt-2: The narrative SHALL have some non-whitespace content', path, 'invariant'));
  }
  return issues;
}

/** Checks `text.div` of a resource and of its contained resources. */
export function checkNarratives(resource: { resourceType: string; text?: { div?: string }; contained?: unknown[] }): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  if (typeof resource.text?.div === 'string') issues.push(...checkNarrativeDiv(resource.text.div, `${resource.resourceType}.text.div`));
  (resource.contained ?? []).forEach((contained, index) => {
    const inner = contained as { text?: { div?: string } } | null;
    if (typeof inner?.text?.div === 'string') {
      issues.push(...checkNarrativeDiv(inner.text.div, `${resource.resourceType}.contained[${index}].text.div`));
    }
  });
  return issues;
}
