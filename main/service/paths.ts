// Paths that come from the window are untrusted: a folder must be absolute and free of `..`,
// and shell actions may only touch what lies inside a folder we write to or a file we saved.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { EmrecError } from '../core/errors.ts';

/** Throws BAD_INPUT unless `value` is an absolute path without `..` segments or NUL bytes; returns it normalised. */
export function checkAbsolutePath(value: string, field: string): string {
  const segments = value.split(/[\\/]+/);
  if (value.includes('\0') || !path.isAbsolute(value) || segments.includes('..')) {
    throw new EmrecError('BAD_INPUT', `${field} must be an absolute folder path without ".." (got ${JSON.stringify(value.slice(0, 200))})`, {
      details: { field },
    });
  }
  return path.resolve(value);
}

/** Throws BAD_INPUT when a naming template could escape the output folder (absolute, `..`, NUL). */
export function checkTemplate(template: string): void {
  const segments = template.split(/[\\/]+/);
  if (template.includes('\0') || path.isAbsolute(template) || /^[A-Za-z]:/.test(template) || segments.some((s) => s.trim() === '..')) {
    throw new EmrecError('BAD_INPUT', 'The naming template must stay inside the output folder (no absolute path, no "..")', {
      details: { field: 'template' },
    });
  }
}

function real(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
}

/** True when `candidate` is `root` or lies inside it, after resolving symlinks where the paths exist. */
function isInside(root: string, candidate: string): boolean {
  const check = (r: string, c: string): boolean => {
    const rel = path.relative(r, c);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  const r = path.resolve(root);
  const c = path.resolve(candidate);
  return check(r, c) && check(real(r), real(c));
}

/**
 * Throws BAD_INPUT unless `candidate` is inside one of `roots` (folders) or equal to one of `files`.
 * Returns the normalised path.
 */
export function checkKnownPath(candidate: string, roots: Iterable<string>, files: Iterable<string> = []): string {
  const resolved = checkAbsolutePath(candidate, 'path');
  for (const file of files) if (path.resolve(file) === resolved) return resolved;
  for (const root of roots) if (root !== '' && isInside(root, resolved)) return resolved;
  throw new EmrecError('BAD_INPUT', 'This path is not inside an output folder or a saved recording', { details: { field: 'path' } });
}
