// Where emrec keeps history, the token cache and resume state when --state-dir is not given:
// the desktop app's own data folder (Electron's userData for our productName), so both share history.
import os from 'node:os';
import path from 'node:path';

const PRODUCT_NAME = 'Easemob Recording Downloader';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
}
