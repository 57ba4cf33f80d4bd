import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { statusLine } from './bundle-plan';
import { weakEtag } from './http-semantics';

/** One stored version of a resource, as the store reads it back. */
export interface ResourceVersion {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: number;
  readonly lastUpdated: string;
  readonly deleted: boolean;
  readonly content: Resource;
}

export interface HistoryPage {
  readonly baseUrl: string;
  readonly selfUrl: string;
  readonly nextUrl?: string;
  readonly total?: number;
}

function historyEntry(version: ResourceVersion, baseUrl: string): BundleEntry {
  const { resourceType, id, versionId, lastUpdated, deleted } = version;
  const response = { etag: weakEtag(String(versionId)), lastModified: lastUpdated };
  if (deleted) {
    return {
      fullUrl: `${baseUrl}/${resourceType}/${id}`,
      request: { method: 'DELETE', url: `${resourceType}/${id}` },
      response: { status: statusLine(204), ...response },
    };
  }
  const first = versionId === 1;
  return {
    fullUrl: `${baseUrl}/${resourceType}/${id}`,
    resource: version.content,
    request: first ? { method: 'POST', url: resourceType } : { method: 'PUT', url: `${resourceType}/${id}` },
    response: { status: statusLine(first ? 201 : 200), ...response },
  };
}

/** A `history` Bundle, newest version first (FHIR R4 §3.1.0.9). */
export function historyBundle(versions: readonly ResourceVersion[], page: HistoryPage): Bundle {
  const link: BundleLink[] = [{ relation: 'self', url: page.selfUrl }];
  if (page.nextUrl) link.push({ relation: 'next', url: page.nextUrl });
  return {
    resourceType: 'Bundle',
    type: 'history',
    ...(page.total !== undefined ? { total: page.total } : {}),
    link,
    entry: versions.map((version) => historyEntry(version, page.baseUrl)),
  };
}
