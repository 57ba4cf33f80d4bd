/** Profiles (fhir-profiles/StructureDefinition-liaison-*.json) coordination declares in `meta.profile`. */
export const LIAISON_TASK_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-task';
export const LIAISON_CAREPLAN_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-careplan';
export const LIAISON_SERVICEREQUEST_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-servicerequest';
