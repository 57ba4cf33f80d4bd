import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../harness/test-database';
import { bootTestApp, TestApp } from '../harness/test-app';
import { buildService, childEnv, CliRun, freePort, runCli, Spawned, waitFor200 } from '../platform/compiled-service';
import { adt, frame, mllpEnv, mllpPort, RawMllpSocket } from './support/mllp';

function msa(ack: string): string[] {
  return (ack.split('\r').find((s) => s.startsWith('MSA')) ?? '').split('|');
}

async function sendOne(port: number, message: string): Promise<string> {
  const socket = await RawMllpSocket.open(port);
  try {
    await socket.write(frame(message));
    const [ack] = await socket.waitForReplies(1);
    return ack;
  } finally {
    socket.close();
  }
}

beforeAll(async () => {
  await buildService();
}, 240_000);

/**
 * "Never acknowledge what is not safely stored", and its other half: a message whose effects
 * were committed but whose ACK never left (the process was killed in between) is recognised
 * when the sender sends it again after the restart: the same ACK, one set of effects.
 *
 * The compiled service runs as a child process on this file's database. To kill it between
 * the commit and the ACK, it runs with the test hook LIAISON_TEST_MLLP_ACK_DELAY_MS (only
 * accepted with NODE_ENV=test), which holds each ACK back after the commit.
 */
describe('a process kill between commit and ACK', () => {
  let database: TestDatabase;
  let db: Client;
  let dataDir: string;
  const children: Spawned[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-crash-'));
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await db?.end();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function start(extra: Record<string, string>): Promise<{ child: Spawned; mllp: number }> {
    const [port, mllp] = [await freePort(), await freePort()];
    const child = new Spawned(
      'dist/src/main.js',
      childEnv({
        DATABASE_URL: database.url,
        LIAISON_DATA_DIR: dataDir,
        PORT: String(port),
        MLLP_PORT: String(mllp),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        ...extra,
      }),
    );
    children.push(child);
    await waitFor200(`http://127.0.0.1:${port}/health/ready`, child, 60_000);
    return { child, mllp };
  }

  it('recognises the resend after the restart: the same ACK, no second effect', async () => {
    const message = adt({ trigger: 'A01', controlId: 'CRASH-1', mrn: 'K1' });
    const first = await start({ LIAISON_TEST_MLLP_ACK_DELAY_MS: '60000' });
    const socket = await RawMllpSocket.open(first.mllp);
    await socket.write(frame(message));

    // Wait for the commit, then kill the process before it writes the ACK.
    let committed: { status: string; reply: string } | undefined;
    // Generous on a loaded machine: the first message also warms the service up.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !committed; ) {
      const { rows } = await db.query<{ status: string; reply: string }>(`SELECT status, reply FROM ingest_messages WHERE control_id = 'CRASH-1'`);
      committed = rows[0];
      if (!committed) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(committed?.status).toBe('processed');
    first.child.child.kill('SIGKILL');
    await first.child.exited;
    await socket.closedAt;
    expect(socket.replies).toEqual([]);

    const effects = async (): Promise<{ patients: number; versions: number; encounters: number }> => {
      const { rows } = await db.query<{ patients: number; versions: number; encounters: number }>(
        `SELECT (SELECT count(*)::int FROM fhir_resources WHERE resource_type = 'Patient') AS patients,
                (SELECT count(*)::int FROM fhir_resource_history WHERE resource_type = 'Patient') AS versions,
                (SELECT count(*)::int FROM fhir_resources WHERE resource_type = 'Encounter') AS encounters`,
      );
      return rows[0];
    };
    const before = await effects();
    expect(before).toEqual({ patients: 1, versions: 1, encounters: 1 });

    // The sender never got its ACK: after the restart it sends the message again.
    const second = await start({});
    const ack = await sendOne(second.mllp, message);
    expect(msa(ack).slice(1, 3)).toEqual(['AA', 'CRASH-1']);
    expect(ack).toBe(committed!.reply);
    expect(await effects()).toEqual(before);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ingest_messages WHERE control_id = 'CRASH-1'`);
    expect(rows).toEqual([{ n: 1 }]);
  }, 240_000);
});

/** `npm run liaison -- hl7:reprocess <id>` (node dist/src/cli.js …) on the running service's database. */
describe('hl7:reprocess', () => {
  let service: TestApp;
  let dataDir: string;
  beforeAll(async () => {
    service = await bootTestApp(await mllpEnv());
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-reprocess-'));
  });
  afterAll(async () => {
    await service?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<CliRun> => runCli(service.database.url, dataDir, args);

  it('runs a message that got AE again once what it needed is there, and prints the new outcome', async () => {
    // A cancel that arrives before its admission: AE (the visit is unknown), stored.
    const cancel = await sendOne(mllpPort(service), adt({ trigger: 'A11', controlId: 'EARLY-CANCEL', mrn: 'E1', time: '20261127120000-0500' }));
    expect(msa(cancel)[1]).toBe('AE');
    const [{ id }] = await service.sql(`SELECT id FROM ingest_messages WHERE control_id = 'EARLY-CANCEL'`);
    // The admission arrives.
    expect(msa(await sendOne(mllpPort(service), adt({ trigger: 'A01', controlId: 'LATE-ADMIT', mrn: 'E1', time: '20261127100000-0500' })))[1]).toBe('AA');

    const listed = await cli('hl7:list', '--status', 'error');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${id as string}\t`);
    expect(listed.stdout).toContain('EARLY-CANCEL');
    expect(listed.stdout).not.toContain('LATE-ADMIT');

    const run = await cli('hl7:reprocess', id as string);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`message ${id as string}: ADT^A11 from HOSP (control id EARLY-CANCEL), tenant default`);
    expect(run.stdout).toContain('before: error (AE)');
    expect(run.stdout).toContain('after:  processed (AA)');
    expect(run.stdout).toMatch(/^MSA\|AA\|EARLY-CANCEL$/m);

    const [row] = await service.sql(`SELECT status, reply_code, attempts, effects FROM ingest_messages WHERE id = $1`, [id]);
    expect(row).toMatchObject({ status: 'processed', reply_code: 'AA', attempts: 2 });
    const [encounter] = await service.sql(
      `SELECT content->>'status' AS status, content->'meta'->>'source' AS source FROM fhir_resources WHERE resource_type = 'Encounter' AND content->'identifier' @> $1::jsonb`,
      [JSON.stringify([{ value: 'VE1' }])],
    );
    expect(encounter).toEqual({ status: 'cancelled', source: 'urn:liaison:hl7:HOSP:EARLY-CANCEL' });

    // The sender resends the cancel: it now gets the new ACK, and nothing happens again.
    const resent = await sendOne(mllpPort(service), adt({ trigger: 'A11', controlId: 'EARLY-CANCEL', mrn: 'E1', time: '20261127120000-0500' }));
    expect(msa(resent)[1]).toBe('AA');
  });

  it('refuses what is not a message id, and says so when there is no such message', async () => {
    const bad = await cli('hl7:reprocess', 'not-a-uuid');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a message id/);
    const missing = await cli('hl7:reprocess', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No message 00000000-0000-4000-8000-000000000000/);
  });
});
