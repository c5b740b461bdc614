// The window's native actions, done by the shell through ServiceOptions: the folder picker (a picked
// folder becomes an output folder), and opening or showing a file, only one we wrote or saved.
import type { HandlerSlice, ServiceContext } from './context.ts';
import { checkAbsolutePath } from './paths.ts';

export function shellHandlers(ctx: ServiceContext): HandlerSlice<'dialog:pickFolder' | 'shell:openPath' | 'shell:showItem'> {
  const { options, folders } = ctx;
  return {
    'dialog:pickFolder': async ({ defaultPath }) => {
      const picked = options.pickFolder ? await options.pickFolder(defaultPath ?? ctx.settings.get().defaultFolder) : null;
      if (picked === null) return null;
      const folder = checkAbsolutePath(picked, 'folder');
      folders.remember(folder);
      return folder;
    },
    'shell:openPath': async ({ path }) => {
      await options.openPath?.(folders.known(path));
    },
    'shell:showItem': async ({ path }) => {
      await options.showItem?.(folders.known(path));
    },
  };
}
