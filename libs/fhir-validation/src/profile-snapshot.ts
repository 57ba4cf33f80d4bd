import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/**
 * Our profiles in `fhir-profiles/` are written as differentials (readable, reviewable);
 * `@medplum/core` validates against a snapshot. This builds the snapshot from the base
 * resource's snapshot for the constraints we use: cardinality, bindings, types and target
 * profiles, fixed/pattern values, mustSupport and added invariants. Slicing is not supported:
 * a differential element that is not in the base is an error, found at start-up.
 */
export function snapshotOf(profile: StructureDefinition, base: StructureDefinition): StructureDefinition {
  if (profile.snapshot?.element?.length) return profile;
  if (!base.snapshot?.element?.length) throw new Error(`Base ${base.url} of profile ${profile.url} has no snapshot`);
  if (base.type !== profile.type) throw new Error(`Profile ${profile.url} constrains ${profile.type}, its base is ${base.type}`);
  const elements: ElementDefinition[] = base.snapshot.element.map((element) => ({ ...element }));
  const position = new Map<string, number>();
  elements.forEach((element, index) => position.set(element.id ?? element.path, index));
  for (const diff of profile.differential?.element ?? []) {
    const key = diff.id ?? diff.path;
    const index = position.get(key);
    if (index === undefined) throw new Error(`Profile ${profile.url}: ${key} is not an element of ${base.type}`);
    const merged: Record<string, unknown> = { ...elements[index] };
    for (const [name, value] of Object.entries(diff)) {
      if (name === 'id' || name === 'path') continue;
      merged[name] = name === 'constraint' ? [...(elements[index].constraint ?? []), ...(value as unknown[])] : value;
    }
    elements[index] = merged as unknown as ElementDefinition;
  }
  return { ...profile, snapshot: { element: elements } };
}
