import { randomBytes } from 'node:crypto';
import type { BenchScenario } from '../scenario';
import type { LoopWorker } from '../loop.load';
import { adtA01, adtMessage, admitCensus, BenchMllpConnection, hl7Time } from './adt-a01.scenario';

/**
 * ACK latency at a steady feed (issue 4: ACK p99 < 50 ms at 100 messages/s): the adt-a01
 * admissions, paced at 100 messages/s in all (16 MLLP connections, each sending one message
 * every 160 ms) rather than as fast as the service answers. The figure that matters is p99;
 * messages/s is the pace. The floor is adt-a01's, unpaced.
 */
const MESSAGES_PER_SECOND = 100;

export const adtA01Paced: BenchScenario = {
  name: 'adt-a01-paced',
  description: `ADT^A01 over 16 MLLP connections paced at ${MESSAGES_PER_SECOND} messages/s: ACK latency`,
  async service(context) {
    await admitCensus(context);
    return {
      kind: 'loop',
      async open(worker): Promise<LoopWorker> {
        const connection = await BenchMllpConnection.open(context.mllpPort);
        const run = randomBytes(3).toString('hex');
        return {
          intervalMs: (16 * 1000) / MESSAGES_PER_SECOND,
          async once(iteration) {
            const key = `${run}w${worker}x${iteration}`;
            await connection.send(adtMessage({ trigger: 'A01', controlId: key, patient: key, time: hl7Time(new Date()) }));
          },
          async close() {
            connection.close();
          },
        };
      },
    };
  },
  floor: (context) => adtA01.floor(context),
};
