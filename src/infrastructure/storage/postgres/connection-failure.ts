/**
 * Why PostgreSQL could not be used, as one line an operator can act on: the URL (password
 * masked), what the server or the network said, and the fix. Used when storage opens, so a bad
 * `DATABASE_URL` stops `fortitude serve` at once instead of leaving it half started.
 */
export function describeConnectionFailure(error: unknown, databaseUrl: string): string {
  const target = parseTarget(databaseUrl);
  const where = `PostgreSQL at DATABASE_URL (database.url) ${maskPassword(databaseUrl)}`;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const said = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0]!;
  switch (code) {
    case '3D000':
      return `${where}: database "${target.database}" does not exist; create it (createdb -h ${target.host} -p ${target.port} -U ${target.user} ${target.database}) or point DATABASE_URL at an existing database`;
    case '28P01':
    case '28000':
      return `${where}: ${said}; fix the user name or password in DATABASE_URL (or the server's pg_hba.conf)`;
    case 'ECONNREFUSED':
      return `${where}: connection refused at ${target.host}:${target.port}; start PostgreSQL there or fix the host and port in DATABASE_URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where}: host "${target.host}" not found; fix the host in DATABASE_URL`;
    case '57P03':
      return `${where}: the server is starting up or shutting down; retry when it is ready`;
    default:
      return `${where}: ${said}; check that PostgreSQL is running and reachable and that DATABASE_URL is right`;
  }
}

/** `postgres://user:secret@host/db` → `postgres://user:****@host/db`; unparseable text is not shown. */
export function maskPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') url.password = '****';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function parseTarget(databaseUrl: string): { host: string; port: string; user: string; database: string } {
  try {
    const url = new URL(databaseUrl);
    return {
      host: url.hostname || 'localhost',
      port: url.port || '5432',
      user: decodeURIComponent(url.username) || 'postgres',
      database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres',
    };
  } catch {
    return { host: 'localhost', port: '5432', user: 'postgres', database: 'postgres' };
  }
}
