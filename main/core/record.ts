// The recording record as the API sends it, parsed tolerantly: unknown fields are kept,
// and a record without `id` or `url` is reported instead of failing the whole page.
import { z } from 'zod';

export const RecordingSchema = z
  .object({
    id: z.coerce.number().int().nonnegative(),
    url: z.string().min(1),
    owner: z.string().optional(),
    confrBeginTime: z.string().optional(),
    confrEndTime: z.string().optional(),
    confrType: z.string().optional(),
    confrId: z.string().optional(),
    memberId: z.union([z.string(), z.number()]).optional(),
    userName: z.string().optional(),
    memberName: z.string().optional(),
    accessId: z.string().optional(),
    pubStreamId: z.string().optional(),
    recordType: z.string().optional(),
    recordTime: z.string().optional(),
    expireTime: z.string().optional(),
  })
  .loose();

export type Recording = z.infer<typeof RecordingSchema>;

/** What to ask the server for: the four query kinds of the API. Times are `yyyyMMddHHmmss` server-local. */
export type Query =
  | { readonly kind: 'conference'; readonly confrId: string }
  | { readonly kind: 'user'; readonly confrId: string; readonly userName: string }
  | { readonly kind: 'range'; readonly begin: string; readonly end: string }
  | { readonly kind: 'merged'; readonly begin: string; readonly end: string };

/** The file extension of a record, from its URL path (webm, mkv, mp4), lower-case, without the dot. */
export function recordExtension(record: Pick<Recording, 'url'>): string {
  let pathname = record.url;
  try {
    pathname = new URL(record.url).pathname;
  } catch {
    // not an absolute URL: use it as is
  }
  const match = /\.([A-Za-z0-9]{1,5})$/.exec(pathname);
  return match?.[1]?.toLowerCase() ?? 'bin';
}
