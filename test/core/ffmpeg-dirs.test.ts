// A Finder-launched mac app gets launchd's PATH, without Homebrew: the system ffmpeg is looked for in
// Homebrew's and MacPorts' folders too (after PATH, once each); other systems search PATH only.
import { expect, it } from 'vitest';
import { systemDirs } from '../../main/core/ffmpeg-path.ts';

it('adds Homebrew (Apple silicon and Intel) and MacPorts on macOS, after PATH and without repeats', () => {
  expect(systemDirs('/usr/bin:/bin:/usr/sbin:/sbin', 'darwin')).toEqual(['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin']);
  expect(systemDirs('/usr/local/bin:/usr/bin', 'darwin')).toEqual(['/usr/local/bin', '/usr/bin', '/opt/homebrew/bin', '/opt/local/bin']);
});

it('searches only PATH elsewhere, split the platform’s way', () => {
  expect(systemDirs('/usr/bin::/bin', 'linux')).toEqual(['/usr/bin', '/bin']);
  expect(systemDirs('C:\\ffmpeg\\bin;C:\\Windows', 'win32')).toEqual(['C:\\ffmpeg\\bin', 'C:\\Windows']);
});
