// Merges the latest-mac.yml files of the x64 and the arm64 macOS builds into one update feed.
//
// The release workflow builds each Mac arch on its own runner, and electron-builder writes a
// latest-mac.yml on each that lists only that runner's zip and dmg; uploaded side by side, one would
// replace the other and that arch's users would be offered the wrong download. electron-updater picks
// the file for its arch from the one feed's `files` (names holding "arm64" are for Apple silicon).
//
//   node scripts/merge-mac-feed.ts OUT.yml IN-x64.yml IN-arm64.yml
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

interface FeedFile {
  readonly url: string;
  readonly sha512: string;
  readonly size?: number;
  readonly [key: string]: unknown;
}

interface Feed {
  readonly version: string;
  readonly files: readonly FeedFile[];
  readonly path?: string;
  readonly sha512?: string;
  readonly releaseDate?: string;
  readonly [key: string]: unknown;
}

/** One feed listing every input's files; the inputs must be of the same version. */
export function mergeMacFeeds(texts: readonly string[]): string {
  const feeds = texts.map((text, i) => {
    const feed = parse(text) as Partial<Feed> | null;
    if (!feed || typeof feed.version !== 'string' || !Array.isArray(feed.files)) throw new Error(`feed ${i + 1} is not an electron-builder update feed (no version or files)`);
    return feed as Feed;
  });
  const [first] = feeds;
  if (!first) throw new Error('no feed to merge');
  const versions = [...new Set(feeds.map((f) => f.version))];
  if (versions.length > 1) throw new Error(`the feeds are of different versions: ${versions.join(', ')}`);
  const files: FeedFile[] = [];
  for (const feed of feeds) {
    for (const file of feed.files) {
      const same = files.find((f) => f.url === file.url);
      if (same && same.sha512 !== file.sha512) throw new Error(`${file.url} is listed twice with different hashes`);
      if (!same) files.push(file);
    }
  }
  // path/sha512 at the top are what updaters older than `files` read: keep an Intel zip there
  const legacy = files.find((f) => f.url.endsWith('.zip') && !f.url.includes('arm64')) ?? files.find((f) => f.url.endsWith('.zip')) ?? files[0];
  const releaseDate = feeds.map((f) => f.releaseDate).filter((d): d is string => typeof d === 'string').sort().at(-1);
  return stringify({ ...first, files, ...(legacy ? { path: legacy.url, sha512: legacy.sha512 } : {}), ...(releaseDate ? { releaseDate } : {}) }, { lineWidth: 0 });
}

if (import.meta.main) {
  const [out, ...inputs] = process.argv.slice(2);
  if (!out || inputs.length < 2) {
    console.error('usage: node scripts/merge-mac-feed.ts OUT.yml IN-x64.yml IN-arm64.yml');
    process.exit(2);
  }
  writeFileSync(out, mergeMacFeeds(inputs.map((f) => readFileSync(f, 'utf8'))));
  console.log(`${out}: ${inputs.length} feeds merged`);
}
