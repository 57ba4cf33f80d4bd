import type { BenchScenario } from '../scenario';
import { adtA01 } from './adt-a01.scenario';
import { adtA01Paced } from './adt-a01-paced.scenario';
import { adtA03 } from './adt-a03.scenario';
import { adtA08 } from './adt-a08.scenario';
import { dischargeMllp } from './discharge-mllp.scenario';
import { fhirTaskCreate } from './fhir-task-create.scenario';
import { fhirTaskSearch } from './fhir-task-search.scenario';
import { fhirTransaction } from './fhir-transaction.scenario';
import { graphqlWorklist } from './graphql-worklist.scenario';
import { healthLive } from './health-live.scenario';
import { overdueSweep } from './overdue-sweep.scenario';
import { tokenIssuance } from './token-issuance.scenario';
import { whoami } from './whoami.scenario';
import { webhookLatency } from './webhook-latency.scenario';
import { webhookThroughput } from './webhook-throughput.scenario';

/** Every scenario `npm run bench` runs, in order. Add yours here (one line). */
export const SCENARIOS: readonly BenchScenario[] = [healthLive, tokenIssuance, whoami, fhirTaskCreate, fhirTransaction, fhirTaskSearch, dischargeMllp, overdueSweep, adtA01, adtA08, adtA03, adtA01Paced, webhookLatency, webhookThroughput, graphqlWorklist];
