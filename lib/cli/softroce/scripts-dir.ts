import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the shipped VM scripts (`softroce/` at the package root),
 * found from this file whether it runs from `lib/` or `dist/lib/`, or
 * undefined when it is missing. Never throws.
 */
export function softRoceScriptsDir(): string | undefined {
  for (const up of ['../../../softroce/', '../../../../softroce/']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}run-vm.sh`)) return dir;
  }
  return undefined;
}
