import type { BenchScenario } from '../scenario';
import { fhirTaskCreate } from './fhir-task-create.scenario';
import { fhirTransaction } from './fhir-transaction.scenario';
import { healthLive } from './health-live.scenario';
import { tokenIssuance } from './token-issuance.scenario';
import { whoami } from './whoami.scenario';

/** Every scenario `npm run bench` runs, in order. Add yours here (one line). */
export const SCENARIOS: readonly BenchScenario[] = [healthLive, tokenIssuance, whoami, fhirTaskCreate, fhirTransaction];
