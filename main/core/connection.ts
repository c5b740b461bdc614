// A connection to one Easemob REST server and app. Secrets live here in memory only;
// stores keep them encrypted (app) or not at all (CLI reads them from flags/env).
import { z } from 'zod';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';
export const EASEMOB_CLOUD_SERVER = 'https://a1.easemob.com';

export const ConnectionSchema = z
  .object({
    server: z.url({ protocol: /^https?$/ }),
    org: z.string().min(1).max(128).regex(/^[^/#?\s]+$/),
    app: z.string().min(1).max(128).regex(/^[^/#?\s]+$/),
    timezone: z.string().min(1).default(DEFAULT_TIMEZONE),
    auth: z.discriminatedUnion('type', [
      z.object({ type: z.literal('client'), clientId: z.string().min(1), clientSecret: z.string().min(1) }).strict(),
      z.object({ type: z.literal('token'), token: z.string().min(1) }).strict(),
    ]),
  })
  .strict();

export type Connection = z.infer<typeof ConnectionSchema>;

/** Key under which a connection's token is cached: one per server+org+app+client id. Never contains secrets. */
export function connectionKey(c: Pick<Connection, 'server' | 'org' | 'app' | 'auth'>): string {
  const who = c.auth.type === 'client' ? c.auth.clientId : 'pasted';
  return `${c.server.replace(/\/+$/, '')}|${c.org}|${c.app}|${who}`;
}

/** The appkey `org#app` that names an app in records, user names and history. */
export function appkeyOf(conn: Pick<Connection, 'org' | 'app'>): string {
  return `${conn.org}#${conn.app}`;
}
