// electron-builder afterPack hook: runs once per platform and arch, after the app is laid out in
// appOutDir and before any installer (NSIS, dmg, AppImage, deb) is made from it or it is signed.
//
// 1. The target's own ffmpeg and ffprobe go into <resources>/ffmpeg/ (Contents/Resources/ffmpeg on
//    macOS), fetched by scripts/fetch-ffmpeg.ts for electron.platform + arch, not the build host's:
//    npm installs only the host's @ffmpeg-installer/<platform>-<arch>, so without this a dmg for arm64
//    built on an Intel Mac, or a Windows installer built on Linux, would carry the wrong binary or none.
// 2. The npm copies unpacked from app.asar (app.asar.unpacked/node_modules/@ffmpeg-installer/<p>-<a>,
//    the location the app looks up today) are kept only for the package's own platform and arch, and
//    removed for any other (they are the build host's, and cannot run on the target).
// 3. Every bundled ffmpeg/ffprobe is made mode 0755: the packages' postinstall only does `chmod u+x`,
//    so installed from a deb (owned by root) they were 0744 and a normal user could not run them.
const { execFileSync } = require('node:child_process');
const { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } = require('node:fs');
const path = require('node:path');

/** electron-builder's Arch enum (builder-util): the numbers the hook's context.arch carries. */
const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };
const SCOPES = [
  ['@ffmpeg-installer', 'ffmpeg'],
  ['@ffprobe-installer', 'ffprobe'],
];

exports.default = async function afterPack(context) {
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const key = `${platform}-${arch}`;
  const exe = platform === 'win32' ? '.exe' : '';
  const projectDir = context.packager.projectDir;
  const resources = context.packager.getResourcesDir(context.appOutDir);

  // 1. the target's binaries, fetched (or reused from .cache/ffmpeg) by the fetch script
  const fetched = path.join(projectDir, '.cache', 'ffmpeg', key);
  execFileSync(process.execPath, [path.join(projectDir, 'scripts', 'fetch-ffmpeg.ts'), '--platform', platform, '--arch', arch], {
    cwd: projectDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const bundled = path.join(resources, 'ffmpeg');
  rmSync(bundled, { recursive: true, force: true });
  mkdirSync(bundled, { recursive: true });
  for (const [, tool] of SCOPES) {
    const target = path.join(bundled, tool + exe);
    copyFileSync(path.join(fetched, tool + exe), target);
    chmodSync(target, 0o755);
  }

  // 2 + 3. the npm copies: keep this target's, drop any other platform's or arch's
  const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules');
  for (const [scope, tool] of SCOPES) {
    const scopeDir = path.join(unpacked, scope);
    if (!existsSync(scopeDir)) continue;
    for (const entry of readdirSync(scopeDir)) {
      if (!/^(darwin|linux|win32)-/.test(entry)) continue; // the wrapper package (ffmpeg/, ffprobe/)
      const dir = path.join(scopeDir, entry);
      if (entry !== key) {
        rmSync(dir, { recursive: true, force: true });
        console.log(`  • afterPack: removed ${scope}/${entry} (the build host's binary) from the ${key} package`);
        continue;
      }
      const binary = path.join(dir, tool + exe);
      if (existsSync(binary)) chmodSync(binary, 0o755);
    }
  }
  console.log(`  • afterPack: ${key} ffmpeg and ffprobe in ${path.relative(context.appOutDir, bundled) || bundled}, mode 0755`);
};
