/** Where the test run's PostgreSQL lives; written by global setup, read by every test file. */
export const ADMIN_URL_VAR = 'LIAISON_TEST_ADMIN_URL';
export const TEMPLATE_VAR = 'LIAISON_TEST_TEMPLATE_DB';
export const CLUSTER_DIR_VAR = 'LIAISON_TEST_CLUSTER_DIR';

/** Settings for a throwaway cluster: durability traded for speed. */
export const THROWAWAY_SETTINGS = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
};

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
