// Turns emrec's flags and EASEMOB_* environment variables into a validated Connection and Query.
// Every problem is a BAD_INPUT error whose one line names the fix.
import { ConnectionSchema, DEFAULT_TIMEZONE, type Connection } from '../core/connection.ts';
import { EmrecError } from '../core/errors.ts';
import type { Query } from '../core/record.ts';
import { assertZone, buildRangeQuery } from '../core/time.ts';

export interface ConnectionFlags {
  readonly server?: string;
  readonly org?: string;
  readonly app?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly token?: string;
  readonly timezone?: string;
}

export interface QueryFlags {
  readonly conference?: string;
  readonly user?: string;
  readonly from?: string;
  readonly to?: string;
  readonly days?: number;
  readonly merged?: boolean;
}

const bad = (message: string, field: string): EmrecError => new EmrecError('BAD_INPUT', message, { details: { field } });

function pick(flag: string | undefined, env: string | undefined): string | undefined {
  const value = flag ?? env;
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const server = pick(flags.server, env.EASEMOB_SERVER);
  const org = pick(flags.org, env.EASEMOB_ORG);
  const app = pick(flags.app, env.EASEMOB_APP);
  if (!server) throw bad('Missing the REST server address: give --server URL (or set EASEMOB_SERVER), e.g. --server https://a1.easemob.com', 'server');
  if (!org) throw bad('Missing the org name: give --org ORG (or set EASEMOB_ORG); it is the part before # in your appkey', 'org');
  if (!app) throw bad('Missing the app name: give --app APP (or set EASEMOB_APP); it is the part after # in your appkey', 'app');
  const token = pick(flags.token, env.EASEMOB_TOKEN);
  const clientId = pick(flags.clientId, env.EASEMOB_CLIENT_ID);
  const clientSecret = pick(flags.clientSecret, env.EASEMOB_CLIENT_SECRET);
  const timezone = pick(flags.timezone, env.EASEMOB_TIMEZONE) ?? DEFAULT_TIMEZONE;
  assertZone(timezone);

  let auth: Connection['auth'];
  if (clientId && clientSecret) auth = { type: 'client', clientId, clientSecret };
  else if (token) auth = { type: 'token', token };
  else if (clientId || clientSecret) {
    throw bad(`Missing ${clientId ? '--client-secret (or EASEMOB_CLIENT_SECRET)' : '--client-id (or EASEMOB_CLIENT_ID)'}: give both the client id and the client secret`, 'auth');
  } else {
    throw bad('Missing credentials: give --client-id and --client-secret (or EASEMOB_CLIENT_ID/EASEMOB_CLIENT_SECRET), or --token (EASEMOB_TOKEN)', 'auth');
  }

  const parsed = ConnectionSchema.safeParse({ server: server.replace(/\/+$/, ''), org, app, timezone, auth });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'server');
    const hint = field === 'server' ? 'an http(s) address such as https://a1.easemob.com' : 'a name without spaces, "/", "#" or "?"';
    throw bad(`Bad --${field} value: expected ${hint}`, field);
  }
  return parsed.data;
}

export function resolveQuery(flags: QueryFlags, timezone: string, now: Date = new Date()): Query {
  const hasRange = flags.from !== undefined || flags.to !== undefined || flags.days !== undefined;
  if (flags.conference !== undefined && hasRange) {
    throw bad('Give either --conference ID (with an optional --user) or a period (--from/--to or --days), not both', 'query');
  }
  if (flags.conference !== undefined) {
    const confrId = flags.conference.trim();
    if (!confrId) throw bad('--conference needs a conference id', 'conference');
    if (flags.merged) throw bad('--merged works with a period (--from/--to), not with --conference', 'merged');
    const userName = flags.user?.trim();
    return userName ? { kind: 'user', confrId, userName } : { kind: 'conference', confrId };
  }
  if (flags.user !== undefined) throw bad('--user needs --conference ID as well', 'user');
  if (!hasRange) {
    throw bad('Say what to fetch: --conference ID [--user NAME], or --from T --to T [--merged], or --days N', 'query');
  }
  if (flags.days !== undefined) {
    if (flags.from !== undefined || flags.to !== undefined) throw bad('Give either --days N or --from/--to, not both', 'days');
    if (!Number.isInteger(flags.days) || flags.days < 1) throw bad('--days must be a whole number from 1 upwards', 'days');
    return buildRangeQuery(new Date(now.getTime() - flags.days * 86_400_000), now, timezone, flags.merged ?? false);
  }
  if (flags.from === undefined) throw bad('Missing --from: a period needs both --from and --to', 'from');
  return buildRangeQuery(flags.from, flags.to ?? now, timezone, flags.merged ?? false);
}
