// What the person has typed into Connect's form, kept while they visit other screens (Settings, to
// allow unencrypted secrets, then back): a plain object the screen restores from and writes to. It
// lives only in this window's memory, never on disk; a save or a cancel empties it as it empties the form.
export interface ConnectDraft {
  editingId?: string | undefined;
  name?: string;
  server?: string;
  appkey?: string;
  org?: string;
  appName?: string;
  authType?: 'client' | 'token';
  clientId?: string;
  clientSecret?: string;
  token?: string;
  timezone?: string;
  retentionDays?: number | null;
}
